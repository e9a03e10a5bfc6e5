"""What one tune is made of, as music21 reads it: meter, key and mode, length in bars, its
parts and the order they are played in, a pickup, the melody's pitches and note lengths,
and its written bars (for novelty).

The tune is read as `charrnn abc2midi` plays it: `playable.playable_abc` writes it out in
playing order with `P:` lines marking its parts, and music21's ABC reader tokenises that.
Its tokens carry each note's pitch (key signature and accidentals applied) and length,
which is all that is needed here; building a Score from them takes music21 ten times as
long, and the Score drops the part marks.
"""

import hashlib
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from statistics import fmean

from charrnn.music.abc.music21_adapter import abc_tokens
from charrnn.music.play.playable import playable_abc, read_part_mark
from charrnn.music.abc.tunes import tune_field

# Bump when what tune_features computes changes, or what abc-check, abc2midi or the
# skeleton reader says of a tune (the corpus cache holds those too), so what is cached on
# disk goes stale.
FEATURES_VERSION = 3


@dataclass
class TuneFeatures:
    """One tune's features: plain values, so they travel through a JSON cache."""

    title: str
    meter: str | None  # "6/8"; M:C is 4/4, M:C| 2/2; None for free meter
    key: str | None  # "D major", "A dorian"; None for K:none
    mode: str | None  # "major", "minor", "dorian", "mixolydian", ...
    bars: int | None  # length as played, in bars of the first meter
    form: str  # the parts in playing order, a letter each time one starts: "AABB"
    anacrusis: bool | None  # the first bar is a pickup, shorter than the meter
    pitches: list[int] = field(default_factory=list)  # melody as played (MIDI; a chord's top)
    degrees: list[int] = field(default_factory=list)  # each note's semitones above the tonic
    lengths: list[str] = field(default_factory=list)  # note lengths in whole notes, "1/8"
    part_means: list[float] = field(default_factory=list)  # mean pitch of each written part
    ends_on_tonic: bool | None = None
    bar_keys: list[str] = field(default_factory=list)  # each written bar's notes, hashed

    @property
    def pitch_range(self) -> int:
        """Semitones from the lowest note to the highest."""
        return max(self.pitches) - min(self.pitches)

    @property
    def intervals(self) -> list[int]:
        """Semitones from each note of the melody to the next, as played."""
        return [b - a for a, b in zip(self.pitches, self.pitches[1:])]

    @property
    def aabb(self) -> bool:
        return self.form == "AABB"

    @property
    def b_higher(self) -> bool | None:
        """Whether the second part sits higher than the first (mean pitch); None with one part."""
        return self.part_means[1] > self.part_means[0] if len(self.part_means) > 1 else None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TuneFeatures":
        return cls(**data)


@dataclass
class _Note:
    """A note or rest as music21's tokens give it, with where it is played."""

    pitch: int | None  # MIDI; None for a rest
    length: Fraction  # in quarter notes
    part: int
    again: bool  # in a repeat: played before
    bar: int  # the played bar it is in, counted from 0
    tonic: int | None  # pitch class of the key in force
    tied: bool  # tied into the next note


def tune_features(tune_text: str) -> TuneFeatures:
    """The features of one ABC tune. A tune music21 cannot read, or without notes, raises
    ValueError saying why."""
    reading = _Reading()
    try:
        for token in _tokens(tune_text):
            reading.take(token)
    except Exception as error:  # music21's ABC reader raises many kinds; all mean "unreadable"
        raise ValueError(f"music21 cannot read it ({type(error).__name__}: {error})"[:120]) from None
    notes = [note for note in reading.notes if note.pitch is not None]
    if not notes:
        raise ValueError("no notes")
    return TuneFeatures(
        title=tune_field(tune_text, "T") or "", meter=reading.meter, key=reading.key,
        mode=reading.mode, bars=reading.bars_played(), form=reading.form,
        anacrusis=reading.anacrusis(), pitches=[n.pitch for n in notes],
        degrees=[(n.pitch - n.tonic) % 12 for n in notes if n.tonic is not None],
        lengths=_lengths(notes), part_means=_part_means(notes),
        ends_on_tonic=None if notes[-1].tonic is None else (notes[-1].pitch - notes[-1].tonic) % 12 == 0,
        bar_keys=_bar_keys(reading.notes))


def _tokens(tune_text: str) -> list:
    """music21's ABC tokens of the tune in playing order, with its part marks."""
    return abc_tokens(playable_abc(tune_text, parts=True))


class _Reading:
    """The state of a walk through a tune's tokens: meter, key, part and bar in force."""

    def __init__(self):
        self.notes: list[_Note] = []
        self.meter = self.key = self.mode = None
        self.bar_length: Fraction | None = None  # of the first meter, in quarter notes
        self.form, self.part, self.again = "", 1, False
        self.bar, self.tonic, self.voice, self.in_first_voice = 0, None, None, True

    def take(self, token) -> None:
        from music21 import abcFormat

        if isinstance(token, abcFormat.ABCMetadata):
            self.field(token)
        elif isinstance(token, abcFormat.ABCBar):
            self.bar += 1
        elif isinstance(token, abcFormat.ABCNote) and not token.inGrace and self.in_first_voice:
            self.note(token, abcFormat)

    def field(self, token) -> None:
        if token.tag == "K":
            self.set_key(token)
        elif token.tag == "M" and self.meter is None:
            self.set_meter(token)
        elif token.tag == "P":
            self.enter_part(*read_part_mark(token.data))
        elif token.tag == "V":
            # only the first voice is the melody; the others (a second fiddle, a bass) are not
            voice = (token.data.split() or ["1"])[0]
            self.voice = self.voice or voice
            self.in_first_voice = voice == self.voice

    def set_key(self, token) -> None:
        from music21 import key

        try:
            # K:none is no key at all (ABC 2.1 section 3.1.14), where music21 reads C major
            found = None if token.data.split()[:1] in ([], ["none"]) else token.getKeySignatureObject()
        except Exception:  # a K: music21 cannot read is no key
            found = None
        self.tonic = found.tonic.pitchClass if isinstance(found, key.Key) else None
        if self.key is None and isinstance(found, key.Key):
            self.key = f"{found.tonic.name.replace('-', 'b')} {found.mode}"
            self.mode = found.mode

    def set_meter(self, token) -> None:
        try:
            meter = token.getTimeSignatureObject()
        except Exception:  # M:none, or one music21 cannot read: free meter
            meter = None
        if meter is not None:
            self.meter = meter.ratioString
            self.bar_length = Fraction(meter.barDuration.quarterLength).limit_denominator(256)

    def enter_part(self, part: int, again: bool) -> None:
        """A part starts to play: a letter joins the form for each new pass through a part."""
        if again or part != self.part or not self.form:
            self.form += chr(ord("A") + min(part - 1, 25))
        self.part, self.again = part, again

    def note(self, token, abcFormat) -> None:
        pitch = None
        if isinstance(token, abcFormat.ABCChord):
            pitches = [_midi(sub.pitchName) for sub in token.subTokens
                       if isinstance(sub, abcFormat.ABCNote) and sub.pitchName]
            pitch = max(pitches) if pitches else None
        elif not token.isRest and token.pitchName:
            pitch = _midi(token.pitchName)
        length = Fraction(token.quarterLength or 0).limit_denominator(256)
        self.notes.append(_Note(pitch, length, self.part, self.again, self.bar, self.tonic,
                                token.tie == "start"))

    def bars_played(self) -> int | None:
        """Played length in bars: pickups and short last bars add up, as players count."""
        if not self.bar_length:
            return None
        return round(sum(note.length for note in self.notes) / self.bar_length)

    def anacrusis(self) -> bool | None:
        """Whether the first bar with notes is shorter than the meter, in a tune of more bars."""
        if not self.bar_length or not self.notes:
            return None
        first = self.notes[0].bar
        opening = sum(note.length for note in self.notes if note.bar == first)
        return opening < self.bar_length and any(note.bar != first for note in self.notes)


_MIDI: dict[str, int] = {}


def _midi(name: str) -> int:
    """MIDI number of a music21 pitch name ("F#5"), remembered: music21's Pitch is slow."""
    if name not in _MIDI:
        from music21 import pitch

        _MIDI[name] = pitch.Pitch(name).midi
    return _MIDI[name]


def _lengths(notes: list[_Note]) -> list[str]:
    """Each note's length in whole notes ("1/8"), a tied note joined to the one it ties into."""
    lengths, carried = [], Fraction(0)
    for note, after in zip(notes, notes[1:] + [None]):
        if note.tied and after is not None and after.pitch == note.pitch:
            carried += note.length
            continue
        lengths.append(str((carried + note.length) / 4))
        carried = Fraction(0)
    return lengths


def _part_means(notes: list[_Note]) -> list[float]:
    """Mean pitch of each part, in written order, over its first pass."""
    parts: dict[int, list[int]] = {}
    for note in notes:
        if not note.again:
            parts.setdefault(note.part, []).append(note.pitch)
    return [round(fmean(parts[part]), 3) for part in sorted(parts)]


def _bar_keys(notes: list[_Note]) -> list[str]:
    """A short hash of each written bar's notes and rests (pitch and length), in order:
    bars played again in a repeat are left out, so the bars are the tune as written."""
    bars: dict[int, list[str]] = {}
    for note in notes:
        if not note.again:
            bars.setdefault(note.bar, []).append(f"{note.pitch if note.pitch is not None else 'z'}"
                                                 f"/{note.length}")
    return [hashlib.blake2b(" ".join(bars[bar]).encode(), digest_size=8).hexdigest()
            for bar in sorted(bars)]
