"""A parsed tune played as abc2midi plays it: grace notes, rolls, trills, staccato,
fermatas, chord spreading, hornpipe swing and tempo, all of which music21 ignores.

abc2midi does not play notes exactly as written: grace notes take a quarter of their
written length from the note after them, staccato notes sound for half their length, a
fermata doubles a note, `T` trills and `~` rolls become runs of short notes, the notes of
a chord start 10 ticks apart, and in a tune whose R: field says hornpipe, pairs of
eighths swing 2:1 (store.c: dograce, event_note, doornament, dotrill_output, hornp).
The rules are written by hand from abcMIDI's source, as no library plays ABC this way.
"""

from dataclasses import dataclass
from fractions import Fraction

from charrnn.music.abc.grammar.durations import GRACE_SHARE, graces_fit, sounding
from charrnn.music.play.playable import Header

_GRACE_SHARE = Fraction(int(GRACE_SHARE.numerator), int(GRACE_SHARE.denominator))  # of ints, not mpz
_TRILL_NOTE_MAX_US = 100000  # trill notes are halved until each lasts at most 0.1 s
_CHORD_DELAY = Fraction(1, 48)  # 10 ticks at abc2midi's 480 a beat


@dataclass
class _Written:
    """A note, chord or rest as music21 read it, with its place in the part and its bar."""
    element: object
    onset: Fraction
    position: Fraction  # from the start of its bar, in beats
    length: Fraction
    key: object  # the music21 KeySignature in force


@dataclass
class _Sound:
    """A note or chord as played: MIDI pitches, onset and length in beats."""
    pitches: tuple
    onset: Fraction
    length: Fraction
    tie: bool = False  # continues into the next sound of the same pitches
    trill_up: int | None = None  # the upper note of a trill on this note


def _written_items(part) -> list[_Written]:
    """The notes, chords and rests of a part in playing order (grace notes before the note
    they lead to), without chord symbols."""
    from music21 import harmony, key, note

    items, signature = [], key.KeySignature(0)
    for measure in part.getElementsByClass("Measure") or [part]:
        start = Fraction(measure.offset) if measure is not part else Fraction(0)
        for element in measure.recurse() if measure is part else measure:
            if isinstance(element, key.KeySignature):
                signature = element
            elif isinstance(element, note.GeneralNote) and not isinstance(element, harmony.Harmony):
                position = Fraction(element.offset)
                items.append(_Written(element, start + position, position,
                                      Fraction(element.quarterLength), signature))
    return items


def _swing_hornpipe(items: list[_Written], header: Header) -> None:
    """abc2midi's hornpipe swing: two notes written as single unit notes (eighths in 4/4,
    sixteenths in 2/4; none in 2/2), the second off the beat, become 2:1 (store.c, hornp).
    It compares the lengths it plays, so one staccato note breaks a pair. A pair written
    `c<d` swings all the same (`c>d` plays 2:1 in a hornpipe anyway), and when the second
    note starts a broken rhythm (`Bc>A`), the swing wins and the `>` is dropped."""
    note = Fraction(header.meter_top, 8)
    written_as_one = (header.unit / note).denominator == 1  # `A` or `A/2`, not `A2`
    quarter_meter = header.meter_top in (2, 4) and header.bar == header.meter_top  # not 2/2
    if not header.hornpipe or not quarter_meter or not written_as_one:
        return
    off_beat = 8 if header.meter_top == 4 else 16
    written = _unbroken(items)
    for i, (first, second) in enumerate(zip(items, items[1:])):
        plain = _plain(first, written[i]) and _plain(second, written[i + 1])
        if not (plain and written[i] == written[i + 1] == note):
            continue
        together = _broken_start(first.element)  # a broken pair: where `d` was written
        position = first.position + note if together else second.position
        if (position / 4).denominator != off_beat or \
                _staccato(first.element) != _staccato(second.element):
            continue
        start, first.length = first.onset + note, note * 4 / 3
        second.onset, second.length = start + note / 3, note * 2 / 3
        if _broken_start(second.element) and i + 2 < len(items):
            items[i + 2].onset, items[i + 2].length = start + note, note


def _unbroken(items: list[_Written]) -> list[Fraction]:
    """Each item's length as written: the notes of a broken rhythm written out as lengths
    (playable._broken_pair marks the first with a down-bow) share their total evenly again."""
    lengths = [item.length for item in items]
    for i, item in enumerate(items[:-1]):
        if _broken_start(item.element):
            lengths[i] = lengths[i + 1] = (item.length + items[i + 1].length) / 2
    return lengths


def _staccato(element) -> bool:
    """Whether a note is marked staccato."""
    from music21 import articulations

    return any(isinstance(a, articulations.Staccato) for a in element.articulations)


def _broken_start(element) -> bool:
    """Whether a note starts a broken rhythm written out as lengths (playable._broken_pair
    marks it with a down-bow)."""
    from music21 import articulations

    return any(isinstance(a, articulations.DownBow) for a in element.articulations)


def _plain(item: _Written, written: Fraction) -> bool:
    """A single note, not grace, not in a tuplet: the only kind hornpipe swing touches.
    (A broken rhythm written out as lengths can look like a tuplet to music21.)"""
    element = item.element
    in_tuplet = bool(element.duration.tuplets) and item.length == written
    return element.isNote and not element.duration.isGrace and not in_tuplet


def _neighbour(pitch, signature, step: int) -> int:
    """MIDI number of the diatonic neighbour a step above (1) or below (-1), with the key
    signature's accidental, as abc2midi picks the notes of rolls and trills."""
    from music21 import pitch as m21pitch

    letters = "CDEFGAB"
    index = letters.index(pitch.step) + step
    letter, octave = letters[index % 7], pitch.implicitOctave + index // 7
    accidental = signature.accidentalByStep(letter)
    name = accidental.name if accidental else None
    return m21pitch.Pitch(letter, octave=octave, accidental=name).midi


def _grace_length(element, header: Header) -> Fraction:
    """Written length of a grace note, in beats (music21 keeps its type, not its length)."""
    from music21 import duration

    kind = element.duration.type
    if kind in (None, "zero", "inexpressible"):
        return header.unit
    return Fraction(duration.Duration(type=kind, dots=element.duration.dots).quarterLength)


def _tuplet_ratio(element) -> Fraction:
    """How much a tuplet shortens this note: its length over its notated length (2/3 in a
    triplet), 1 outside tuplets."""
    from music21 import duration

    if not element.duration.tuplets:
        return Fraction(1)
    notated = duration.Duration(type=element.duration.type, dots=element.duration.dots)
    return Fraction(element.quarterLength) / Fraction(notated.quarterLength)


def _pieces(item: _Written, onset: Fraction, length: Fraction, header: Header) -> list:
    """(pitches, onset, length, graces before it) of what one note turns into: a roll (`~`)
    adds a cut from the note above, or for a note three units long, a note, a cut from
    above and a cut from below (store.c, doornament)."""
    from music21 import expressions

    element = item.element
    pitches = tuple(p.midi for p in element.pitches)
    if not (element.isNote and any(isinstance(e, expressions.Turn) for e in element.expressions)):
        return [(pitches, onset, length, [])]
    unit = header.unit
    up = ((_neighbour(element.pitch, item.key, 1),), unit)
    if length != 3 * unit:
        return [(pitches, onset, length, [up])]
    down = ((_neighbour(element.pitch, item.key, -1),), unit)
    return [(pitches, onset, unit, []), (pitches, onset + unit, unit, [up]),
            (pitches, onset + 2 * unit, unit, [down])]


def _with_graces(graces: list, pitches: tuple, onset: Fraction, length: Fraction) -> list:
    """Sounds of grace notes and the note they lead to: each grace takes a quarter of its
    written length from the note; if the note is too short for them, they are dropped
    (store.c, applygrace_new)."""
    written_in_all = sum(written for _, written in graces)
    if not graces or not graces_fit(written_in_all, length):
        return [_Sound(pitches, onset, length)]
    taken = written_in_all * _GRACE_SHARE
    sounds, time = [], onset
    for grace_pitches, written in graces:
        sounds.append(_Sound(grace_pitches, time, written * _GRACE_SHARE))
        time += written * _GRACE_SHARE
    return sounds + [_Sound(pitches, time, length - taken)]


def _tie_on(sounds: list, sound: _Sound) -> bool:
    """Extend the last sound with `sound` when the last is tied to it. abc2midi ties only
    notes of the same pitch (O'Neill's transcribers tie different ones, meaning a slur)."""
    last = sounds[-1] if sounds else None
    if last and last.tie and last.pitches == sound.pitches and \
            last.onset + last.length == sound.onset:
        last.length, last.tie = last.length + sound.length, sound.tie
        return True
    return False


def _marks(element) -> set:
    """Classes of the expressions and articulations on a note."""
    return {type(m) for m in element.expressions} | {type(m) for m in element.articulations}


def _abc_marks(marks: set) -> str:
    """A note's marks (`_marks`) that change how long abc2midi sounds it, as ABC writes them
    (durations.sounding reads them): a staccato, and a roll (music21's Turn)."""
    from music21 import articulations, expressions

    return ("." if articulations.Staccato in marks else "") + ("~" if expressions.Turn in marks else "")


def _play_part(items: list[_Written], header: Header) -> tuple[list, list]:
    """Sounds of one part, and the fermata stretches (onset, extra beats) that move the
    tempo marks along with the notes."""
    from music21 import articulations, expressions

    sounds, graces, stretches, shift = [], [], [], Fraction(0)
    for item in items:
        element, onset, length = item.element, item.onset + shift, item.length
        marks, pitches = _marks(element), tuple(p.midi for p in element.pitches)
        if element.duration.isGrace:
            in_tuplet = articulations.UpBow in marks
            graces.append((pitches, _grace_length(element, header), in_tuplet))
            continue
        if expressions.Fermata in marks and not element.isRest:
            stretches.append((item.onset, length))
            shift, length = shift + length, 2 * length
        length = sounding(length, _abc_marks(marks))
        # a grace note inside a tuplet is shortened with it (store.c, event_note)
        leading = [(grace, written * (_tuplet_ratio(element) if in_tuplet else 1))
                   for grace, written, in_tuplet in graces]
        graces = []
        if element.isRest:
            sounds += [s for s in _with_graces(leading, (), onset, length) if s.pitches]
            continue
        for struck, start, span, cuts in _pieces(item, onset, length, header):
            played = _with_graces(leading + cuts, struck, start, span)
            leading = []
            sounds += played[1:] if _tie_on(sounds, played[0]) else played
        sounds[-1].tie = bool(element.tie and element.tie.type in ("start", "continue"))
        if expressions.Trill in marks and element.isNote:
            sounds[-1].trill_up = _neighbour(element.pitch, item.key, 1)
    return sounds, stretches


def _trill(sound: _Sound, header: Header, tempo_us: int) -> list[_Sound]:
    """A trilled note as abc2midi plays it: alternating upper note and note, starting
    above, a unit each, halved until each lasts at most 0.1 s (store.c, dotrill_output)."""
    units = sound.length / header.unit
    count, a, b = units.numerator, 4, units.denominator * int(4 / header.unit)
    while (tempo_us * a) // b > _TRILL_NOTE_MAX_US:
        count, b = count * 2, b * 2
    step = Fraction(a, b)
    return [_Sound((sound.trill_up,) if i % 2 == 0 else sound.pitches, sound.onset + i * step, step)
            for i in range(count)]


def _spread(sound: _Sound) -> list[_Sound]:
    """The notes of a chord one after another, each 10 MIDI ticks (1/48 beat) after the
    last, as abc2midi starts them (genmidi.c, `notedelay`)."""
    return [_Sound((pitch,), sound.onset + k * _CHORD_DELAY, sound.length - k * _CHORD_DELAY)
            for k, pitch in enumerate(sound.pitches)]


def _tempo_us(score, tempo: float | None) -> int:
    """Microseconds a beat at the tempo abc2midi uses for trills: the tune's last tempo."""
    from music21 import tempo as m21tempo

    marks = [m for m in score.recurse().getElementsByClass(m21tempo.MetronomeMark) if m.number]
    return int(60_000_000 / (tempo or (marks[-1].getQuarterBPM() if marks else 120)))


def _copy_tempi(part, out, stretches: list, tempo: float | None) -> None:
    """Tempo marks of `part` into `out`, moved past the fermatas before them; or `tempo`."""
    from music21 import tempo as m21tempo

    if tempo is not None:
        out.insert(0, m21tempo.MetronomeMark(number=tempo, referent=1.0))
        return
    for mark in part.flatten().getElementsByClass(m21tempo.MetronomeMark):
        offset = Fraction(mark.offset)
        offset += sum((extra for at, extra in stretches if at < offset), Fraction(0))
        out.insert(offset, m21tempo.MetronomeMark(number=mark.getQuarterBPM(), referent=1.0))


def performance(score, header: Header, tempo: float | None):
    """A music21 Score of the notes as abc2midi plays them, one part per voice."""
    from music21 import note, stream

    tempo_us, played = _tempo_us(score, tempo), stream.Score()
    for part in list(score.parts) or [score]:
        items = _written_items(part)
        _swing_hornpipe(items, header)
        sounds, stretches = _play_part(items, header)
        out = stream.Part()
        for sound in sounds:
            for piece in _trill(sound, header, tempo_us) if sound.trill_up else _spread(sound):
                if piece.length > 0:  # unsorted: a part kept sorted works out its end
                    # at every insert, a walk over all its notes
                    out.insert(piece.onset, note.Note(piece.pitches[0], quarterLength=piece.length),
                               ignoreSort=True)
        _copy_tempi(part, out, stretches, tempo)
        played.insert(0, out)
    return played
