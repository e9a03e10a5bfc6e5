"""The chord accompaniment abc2midi plays under chord symbols, and where a tune's end cuts it.

abcMIDI 4.84 (store.c `setbeat`, genmidi.c `set_gchords` and `dogchords`) plays a tune's
chord symbols on a track of their own, in a pattern set once, after the whole tune is read,
from the meter then in force (the last M:; 4/4 with none): one step per character, each a
bar's length over the pattern's, and the pattern starts again at every bar line. A step that
sounds (anything but `z`) holds its chord for the whole step, so a tune whose last bar stops
partway into such a step leaves the chord sounding past the end, and abc2midi prints
"Sustained notes beyond end of track". Meters not in its table get no pattern, and no
accompaniment. Written by hand from abcMIDI's source; no library models it.
"""

from fractions import Fraction

from charrnn.music.fields import meter_numbers

# setbeat's default patterns, by the meter's numbers (C is 4/4, C| is 2/2).
_PATTERNS = {(2, 2): "fzczfzcz", (4, 4): "fzczfzcz", (2, 4): "fzcz", (6, 4): "fzczfzczfzcz",
             (3, 8): "fzczcz", (5, 8): "fzbcz", (5, 4): "fzbcz", (7, 8): "fzbczcz",
             (7, 4): "fzbczcz", (3, 4): "fzczcz", (6, 8): "fzcfzc", (9, 8): "fzcfzcfzc",
             (12, 8): "fzcfzcfzcfzc"}


def cuts_a_chord(meter: str | None, last_bar: Fraction | None) -> bool:
    """Whether a tune ending in `meter` (None: none given, 4/4), its last bar lasting
    `last_bar` (whole notes), ends partway into a sounding step of the accompaniment."""
    numbers = meter_numbers(meter or "4/4")
    pattern = _PATTERNS.get(numbers)
    if pattern is None or last_bar is None:
        return False
    step = Fraction(numbers[0], numbers[1]) / len(pattern)
    index, into = divmod(last_bar, step)
    return into != 0 and int(index) < len(pattern) and pattern[int(index)] != "z"
