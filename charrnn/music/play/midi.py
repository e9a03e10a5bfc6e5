"""ABC tunes to MIDI files through music21, playing the notes abc2midi plays; and MIDI
files read back as note sequences, to compare converters.

One bad tune would stop music21 reading a whole file, so each tune is read on its own, in
three steps:
1. `playable.playable_abc`: the tune rewritten into ABC that music21 reads right, in
   playing order (repeats written out by abc2midi's rules, broken rhythms and tuplets as
   note lengths, decorations carried as marks music21 keeps);
2. music21 reads it (`playable.parse`);
3. abc2midi's playing rules are applied to the notes (`performance.performance`), and
   music21 writes the MIDI file (`tune_to_midi`).
Steps 1 and 3 are written by hand because no library plays ABC the way abc2midi does; the
rules come from abcMIDI's source (store.c, genmidi.c, parseabc.c) and were checked against
abc2midi 4.84 (`benchmarks/abc2midi_agreement.py` measures the agreement).
"""

from pathlib import Path
from typing import NamedTuple

from charrnn.errors import UserError, WriteError
from charrnn.disk.files import check_writable, write_atomic
from charrnn.music.abc.fields import field_of, value_problem
from charrnn.music.play.performance import performance
from charrnn.music.play.playable import parse, split_header, tune_header
from charrnn.music.abc.tunes import split_tunes, text_lines, tune_field
from charrnn.music.abc.music21_adapter import midi_bytes


def tune_to_midi(tune_text: str, tempo: float | None = None) -> bytes:
    """A Standard MIDI File (bytes) of one ABC tune, played as abc2midi plays it. `tempo`
    (quarter notes a minute) replaces the tune's own. A tune without notes, or one music21
    cannot read, raises what music21 raised, or ValueError."""
    played = performance(parse(tune_text, playing=True), tune_header(tune_text), tempo)
    if not played.flatten().notes:
        raise ValueError("no notes")
    return midi_bytes(played)


# --- comparing MIDI files ----------------------------------------------------------------
def note_sequence(midi_path, grid: int = 48) -> list[tuple[int, float, float]]:
    """(pitch, onset, duration) of every note in a MIDI file, in beats (quarter notes),
    rounded to 1/`grid` of a beat and sorted by onset then pitch. The percussion channel
    is left out. Rounding lets files from different converters compare equal: abc2midi,
    for one, starts each note a tick late and ends it a tick early."""
    from music21 import midi

    midi_file = midi.MidiFile()
    try:
        midi_file.open(str(midi_path))
        try:
            midi_file.read()
        finally:
            midi_file.close()
    except (OSError, midi.MidiException) as error:
        raise UserError(f"cannot read MIDI file {midi_path}: {error}") from None
    ticks = midi_file.ticksPerQuarterNote
    notes = [note for track in midi_file.tracks for note in _track_notes(track)]
    beats = [(pitch, round(on / ticks * grid) / grid, round((off - on) / ticks * grid) / grid)
             for pitch, on, off in notes]
    return sorted(beats, key=lambda note: (note[1], note[0]))


def _track_notes(track) -> list[tuple[int, int, int]]:
    """(pitch, on tick, off tick) of a track's notes; a note-off ends the earliest
    sounding note of its pitch and channel."""
    from music21.midi import ChannelVoiceMessages, DeltaTime

    now, sounding, notes = 0, {}, []
    for event in track.events:
        if isinstance(event, DeltaTime):
            now += event.time
            continue
        if event.type not in (ChannelVoiceMessages.NOTE_ON, ChannelVoiceMessages.NOTE_OFF):
            continue
        if event.channel == 10:  # General MIDI percussion
            continue
        key = (event.channel, event.pitch)
        if event.type == ChannelVoiceMessages.NOTE_ON and event.velocity > 0:
            sounding.setdefault(key, []).append(now)
        elif sounding.get(key):
            notes.append((event.pitch, sounding[key].pop(0), now))
    return notes


# --- converting files ------------------------------------------------------------------
class Written(NamedTuple):
    """A MIDI file written, and the tune it holds."""
    path: Path
    tune: str


class PartialConversion(UserError):
    """Some tunes of a file converted and some did not; `written` and `failures` say which."""

    def __init__(self, written: list[Written], failures: list[str]):
        self.written, self.failures = written, failures
        super().__init__(f"{len(failures)} of {len(written) + len(failures)} tunes not "
                         f"converted; first: {failures[0]}")


def single_tune_text(tune_text: str) -> str:
    """A tune as both converters read it: blank lines inside it dropped (a blank line ends
    a tune in ABC, but `split_tunes` keeps music that follows one), `\\n` line ends."""
    lines = [line.rstrip() for line in text_lines(tune_text)]
    return "\n".join(line for line in lines if line) + "\n"


def _tunes_with_lines(abc_text: str) -> list[tuple[int, str]]:
    """(line number in the file, text) of each tune, numbered from 1."""
    tunes, position = [], 0
    for tune in split_tunes(abc_text):
        position = abc_text.index(tune, position)
        tunes.append((abc_text.count("\n", 0, position) + 1, tune))
        position += len(tune)
    return tunes


def _label(tune_text: str) -> str:
    """How a tune is named in messages: `X:3 "The Kesh"`."""
    title = tune_field(tune_text, "T")
    return f"X:{tune_field(tune_text, 'X') or '?'}" + (f' "{title}"' if title else "")


def checked_midi(tune_text: str, tempo: float | None = None) -> bytes:
    """MIDI bytes of a tune; a tune that cannot be played raises ValueError saying why."""
    try:
        return tune_to_midi(tune_text, tempo)
    # music21's ABC reader fails in many ways (ValueError, IndexError, its own exception
    # classes); for a user they all mean the same thing: this tune is malformed.
    except Exception as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ValueError(message[:120]) from None


def _bad_line(lines: list[str], tempo: float | None) -> int:
    """Index of the line whose addition makes a failing tune fail: a bisection over the
    body, assuming a tune that fails up to line k also fails up to any later line."""
    low, high = split_header(lines), len(lines)  # the first `high` lines fail
    while low < high:
        middle = (low + high) // 2
        try:
            checked_midi("\n".join(lines[:middle]) + "\n", tempo)
            low = middle + 1
        except ValueError:
            high = middle
    return max(high - 1, 0)


def _bad_header_value(lines: list[str]) -> int | None:
    """Index of a header M: or K: line whose value is not a meter or a key: music21 trips
    over it only later (`M:9/0` fails as a division by zero at the first note)."""
    for index, line in enumerate(lines[:split_header(lines)]):
        field = field_of(line)
        if field and field[0] in "MK" and value_problem(*field, header=True):
            return index
    return None


def _tune_midi(tune_text: str, first_line: int, tempo: float | None) -> bytes:
    """MIDI bytes of one tune; a malformed tune raises UserError naming it and the line."""
    try:
        return checked_midi(tune_text, tempo)
    except ValueError as error:
        own = [line.rstrip() for line in text_lines(tune_text)]
        kept = [i for i, line in enumerate(own) if line]  # single_tune_text drops blanks
        bad = _bad_header_value(own)
        if bad is None:
            bad = kept[_bad_line([own[i] for i in kept], tempo)]
        raise UserError(f"tune {_label(tune_text)}, line {first_line + bad}: cannot convert "
                        f"({error}): {own[bad].strip()[:60]}") from None


def _select(tunes: list[tuple[int, str]], tune: int) -> tuple[int, str]:
    """The tune whose `X:` is `tune`, or failing that the `tune`-th tune (from 1)."""
    for first_line, text in tunes:
        if (tune_field(text, "X") or "").strip() == str(tune):
            return first_line, text
    if 1 <= tune <= len(tunes):
        return tunes[tune - 1]
    raise UserError(f"no tune X:{tune}, and the file has only {len(tunes)} tunes")


def _numbered_paths(out_path: Path, tunes: list[tuple[int, str]]) -> list[Path]:
    """OUT-N.mid for each tune: N is the tune's X: number when those are distinct numbers,
    else its position in the file (from 1)."""
    numbers = [(tune_field(text, "X") or "").strip() for _, text in tunes]
    if not all(n.isdigit() for n in numbers) or len(set(numbers)) != len(numbers):
        numbers = [str(i) for i in range(1, len(tunes) + 1)]
    suffix = out_path.suffix or ".mid"
    return [out_path.with_name(f"{out_path.stem}-{n}{suffix}") for n in numbers]


def abc_to_midi(abc_text: str, out_path, tune: int | None = None, all_tunes: bool = False,
                tempo: float | None = None) -> list[Written]:
    """Convert ABC text to MIDI; return the files written with their tunes.

    One tune (the first, or `tune` by X: number or else position from 1) goes to
    `out_path`. With `all_tunes`, each tune goes to its own file `OUT-N.mid` (see
    `_numbered_paths`); a malformed tune does not stop the others, and PartialConversion
    lists it at the end. `tempo` (quarter notes a minute) replaces the tunes' own Q:.
    A malformed tune raises UserError naming it (X: and title) and the line at fault.
    """
    if tempo is not None and not tempo > 0:
        raise UserError(f"tempo must be a positive number of beats a minute, not {tempo}")
    tunes = _tunes_with_lines(abc_text)
    if not tunes:
        raise UserError("no tunes found: an ABC tune starts with an X: line")
    out_path = check_writable(out_path)
    if not all_tunes:
        first_line, text = _select(tunes, tune) if tune is not None else tunes[0]
        return [Written(write_atomic(out_path, _tune_midi(text, first_line, tempo)), text)]
    written, failures = [], []
    for (first_line, text), path in zip(tunes, _numbered_paths(out_path, tunes)):
        try:
            written.append(Written(write_atomic(path, _tune_midi(text, first_line, tempo)), text))
        except WriteError:  # no space, say: the other tunes would fail the same way
            raise
        except UserError as error:
            failures.append(str(error))
    if failures:
        raise PartialConversion(written, failures)
    return written
