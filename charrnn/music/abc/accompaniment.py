"""The chord accompaniment abc2midi plays under chord symbols, and where a tune's end cuts it.

abcMIDI 4.84 (store.c `setbeat`, genmidi.c `set_gchords` and `dogchords`) plays a tune's
chord symbols on a track of their own, in a pattern chosen by the meter: one step per
character, each a bar's length over the pattern's, and the pattern starts again at every bar
line. The track starts from the header's meter (4/4 with none) and takes up each later M:
as it comes; a meter not in setbeat's table sets no pattern and leaves the one before it, so
the pattern a tune ends in is that of the last meter in force that has one
(`pattern_meter`). A step that sounds (anything but `z`) holds its chord for the whole step,
so a tune whose last bar stops partway into such a step leaves the chord sounding past the
end, and abc2midi prints
"Sustained notes beyond end of track". A tune none of whose meters is in the table has no
accompaniment. Written by hand from abcMIDI's source; no library models it.
"""

import functools

from gmpy2 import mpq

from charrnn.music.abc.fields import meter_numbers

# setbeat's default patterns, by the meter's numbers (C is 4/4, C| is 2/2).
_PATTERNS = {(2, 2): "fzczfzcz", (4, 4): "fzczfzcz", (2, 4): "fzcz", (6, 4): "fzczfzczfzcz",
             (3, 8): "fzczcz", (5, 8): "fzbcz", (5, 4): "fzbcz", (7, 8): "fzbczcz",
             (7, 4): "fzbczcz", (3, 4): "fzczcz", (6, 8): "fzcfzc", (9, 8): "fzcfzcfzc",
             (12, 8): "fzcfzcfzcfzc"}


def pattern_meter(before: str | None, meter: str | None) -> str | None:
    """The meter whose pattern plays after `meter` comes into force, when `before` played
    until then: `meter` if setbeat has a pattern for it, else still `before`."""
    return meter if meter is not None and meter_numbers(meter) in _PATTERNS else before


def step(meter: str) -> mpq:
    """How long one step of the pattern of `meter` (`pattern_meter`) lasts, in whole notes."""
    return _pattern(meter)[1]


@functools.lru_cache(maxsize=64)
def _pattern(meter):
    """The pattern of `meter`, and how long each of its steps lasts: asked at every bar line
    of a sampled tune with chord symbols, for a handful of meters."""
    numbers = meter_numbers(meter)
    pattern = _PATTERNS[numbers]
    return pattern, mpq(*numbers) / len(pattern)


def cuts_a_chord(meter: str | None, last_bar: mpq | None) -> bool:
    """Whether a tune whose accompaniment plays the pattern of `meter` (`pattern_meter`;
    None: no accompaniment), its last bar lasting `last_bar` (whole notes), ends partway
    into a sounding step of the accompaniment."""
    if meter is None or last_bar is None:
        return False
    pattern, each = _pattern(meter)
    index, into = divmod(last_bar, each)
    # Once a bar outlasts its pattern, dogchords is silent until the next bar line.
    return into != 0 and int(index) < len(pattern) and pattern[int(index)] != "z"
