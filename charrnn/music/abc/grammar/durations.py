"""Note lengths and the arithmetic of bars: how a length is written after a note (`A3/2`),
what each form is worth, the shortest note a tune may write, the lengths a length being
written can still become, tuplets and broken rhythm.

Lengths are exact rationals, gmpy2's `mpq`: they compare and hash as `fractions.Fraction`
does, about ten times faster, and the sampler has the grammar do such arithmetic for every
character it asks about. The bars these lengths fill are charrnn.music.abc.bars's.
"""

import bisect
import functools
from dataclasses import dataclass

from gmpy2 import mpq

from charrnn.music.abc import fields
from charrnn.music.abc.grammar.syntax import LENGTH_MARKS

MIN_NOTE = mpq(1, 64)  # the shortest note a tune may write, in whole notes

# Note lengths as written after the letter: A, A3, A/, A//, A///, A/4, A3/2 (ABC 2.1 4.3).
_LENGTH_TAILS = {"": 1, "/": 2, "//": 4, "///": 8, "/2": 2, "/4": 4, "/8": 8, "/16": 16,
                 "/32": 32, "/64": 64}


class LengthForms:
    """The texts a note's length may be written as, and what each is worth in units.
    `slash_tops`: the only numbers that may stand before a slash (None: any); `texts`:
    the only texts (None: any)."""

    def __init__(self, slash_tops=None, texts=None):
        tops = [""] + [str(n) for n in range(1, 100)]
        self.values = {top + tail: mpq(int(top or 1), bottom)
                       for top in tops for tail, bottom in _LENGTH_TAILS.items()
                       if (not tail or not top or slash_tops is None or top in slash_tops)
                       and (texts is None or top + tail in texts)}
        self.prefixes = frozenset(text[:i] for text in self.values for i in range(len(text) + 1))
        self.briefest = sorted(self.values, key=lambda text: (len(text), text))  # shortest first
        self.writing = {}  # value -> the briefest text that writes it: 1/2 is "/", not "/2"
        for text in self.briefest:
            self.writing.setdefault(self.values[text], text)


LENGTHS = LengthForms()  # what a tune may write (a sampled tune: what its policy allows)


@dataclass(frozen=True, slots=True)
class Written:
    """A note, rest or chord as written: what a tie or a broken rhythm needs of it."""

    length: mpq  # written length in whole notes (unit length applied, no tuplet)
    pitch: tuple | None  # (letter, octave marks, accidental); None for rests and chords
    duration: mpq  # what it added to its bar
    marks: str = ""  # staccato and fermata, which abc2midi plays by changing the length
    carried: bool = False  # its pitch, accidental and all, came through a tie across a bar line
    graces: mpq = mpq(0)  # the written length of the grace notes before it


@functools.lru_cache(maxsize=4096)
def extension_values(text, caps, forms):
    """The lengths (multiples of the unit) that a length text begun as `text` can end as,
    written with caps in `forms` (a LengthForms), in rising order."""
    return tuple(sorted({value for full, value in forms.values.items() if full.startswith(text)
                         and (caps is None or set(full[len(text):]) <= caps)}))


@functools.lru_cache(maxsize=4096)
def whole_values(text, caps, unit, forms):
    """The lengths of extension_values that make whole numbers of MIN_NOTE at this unit."""
    return tuple(v for v in extension_values(text, caps, forms) if (v * unit) % MIN_NOTE == 0)


@functools.lru_cache(maxsize=256)
def shortest_note(caps, unit, forms):
    """The shortest note (in whole notes) caps can write at this unit length, MIN_NOTE
    or longer."""
    values = extension_values("", caps, forms)
    low = bisect.bisect_left(values, MIN_NOTE / unit)
    return values[low] * unit if low < len(values) else mpq(10**6)


def one_note_value(length: mpq) -> bool:
    """Whether one note value, dotted or not, writes `length` (whole notes): 1/4, 3/8, 7/16
    (numerators one less than a power of two), not 5/8."""
    top = length.numerator
    return top & (top + 1) == 0


# abc2midi's default `%%MIDI grace 1/4`: each grace note takes a quarter of its written
# length from the note it leads to; where they would take all of it, abc2midi drops them
# ("Grace sequence exceeds host note", store.c applygrace_new).
GRACE_SHARE = mpq(1, 4)


def graces_fit(written, host) -> bool:
    """Whether grace notes of `written` whole notes in all leave the note they lead to
    (`host` whole notes, as played) some of its length."""
    return host - written * GRACE_SHARE > 0


def sounding(duration, marks) -> mpq:
    """How long abc2midi sounds a note of `duration` with `marks` (the grace notes before it
    take their share of this): a staccato note for half of it, but under a roll
    (performance.py plays it so)."""
    return duration / 2 if "." in marks and "~" not in marks else duration


def grace_length_ok(length: mpq) -> bool:
    """Whether music21 can convert a grace note of `length` (whole notes) to MIDI: one note
    value with at most four dots ({c6} at L:1/8, not {c5} nor {c63})."""
    return one_note_value(length) and length.numerator < 32


def rhythm_marks(marks):
    """The marks both notes of a broken rhythm must have, or neither: a staccato and a
    fermata, and beside a staccato a trill too (else abc2midi: "Cannot apply broken rhythm")."""
    kept = "".join(sorted(set(marks) & set(LENGTH_MARKS + "T")))
    return kept if "." in kept else kept.replace("T", "")


def broken_factors(arrows: str):
    """What a broken rhythm (`>`, `>>`, `<`...) multiplies its first and second note by."""
    k = len(arrows)
    longer, shorter = mpq(2 ** (k + 1) - 1, 2 ** k), mpq(1, 2 ** k)
    return (longer, shorter) if arrows[0] == ">" else (shorter, longer)


def tuplet_scale(text: str, meter: str):
    """(p:q:r puts p notes into the time of q, for the next r notes (ABC 2.1 section 4.13);
    q left out is read as abc2midi reads it (fields.tuplet_time); r defaults to p."""
    parts = (text.split(":") + ["", ""])[:3]
    p = int(parts[0])
    q = int(parts[1]) if parts[1] else fields.tuplet_time(p, fields.meter_top(meter))
    return mpq(q, p), int(parts[2]) if parts[2] else p
