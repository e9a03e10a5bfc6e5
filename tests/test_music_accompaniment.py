"""abc2midi's chord accompaniment: where a tune's end cuts a sounding chord short."""

from fractions import Fraction

import pytest

from charrnn.music.abc import reference
from charrnn.music.abc.accompaniment import cuts_a_chord, pattern_meter
from charrnn.music.abc.check import check_tune
from charrnn.music.abc.grammar import TuneReader


@pytest.mark.parametrize("meter, last_bar, cut", [
    ("C", Fraction(1, 16), True),  # inside the first step (f), 1/8 long
    ("C", Fraction(1, 8), False),  # on a step's edge
    ("C", Fraction(3, 16), False),  # inside a silent step (z)
    ("C", Fraction(5, 16), True),  # inside the third step (c)
    ("C", Fraction(1), False),
    ("C|", Fraction(1, 16), True),
    ("6/8", Fraction(1, 16), True),
    ("6/8", Fraction(9, 16), False),
    (None, Fraction(1, 16), False),  # no meter with a pattern: no accompaniment
    ("C", None, False),  # a multi-bar rest
])
def test_where_an_end_cuts_a_chord(meter, last_bar, cut):
    assert cuts_a_chord(meter, last_bar) is cut


@pytest.mark.parametrize("before, meter, after", [
    (None, "C", "C"), ("C", "6/8", "6/8"), ("6/8", "3/2", "6/8"), (None, "3/2", None),
    ("C", "7/16", "C"), ("C", None, "C"),
])
def test_a_meter_with_no_pattern_leaves_the_one_before(before, meter, after):
    assert pattern_meter(before, meter) == after


SUSTAINED_PAST_THE_END = [
    ("6/8", '"D"ABc dcB|"G"A/|]', True),
    ("6/8", '"D"ABc dcB|"G"A3/2|]', False),
    ("6/8", 'A|"D"ABc dcB|"G"ABc dB/|]', False),  # a pickup and the last bar that completes it
    ("C", '"D"ABcd efga|ABcd efga|A/|]', True),  # the chord goes on without a symbol
    ("C", '"D"ABcd efga|A2 A/|]', True),
    ("C", '"D"ABcd efga|[M:3/4]A/|]', True),
    ("C", '"D"ABcd efga|[M:6/8]A3/2|]', False),
    ("C", '"D"ABcd efga|[M:6/8]A7/2|]', True),  # the meter the tune ends in sets the pattern
    ("6/8", '"D"ABc def|[M:C]A7/2|]', False),
    ("C", '"2"ABcd efga|A/|]', False),  # a fingering, not a chord
    ("C", '"^hi"ABcd efga|A/|]', False),  # an annotation
    ("3/2", '"D"ABcd efga ABcd|"G"A/|]', False),  # no pattern for 3/2: no accompaniment
    ("3/2", '"D"ABcd efga ABcd|[M:6/8]A/|]', True),
    ("C", '"D"ABcd efga|[M:7/16]A/|]', True),
    ("C", '"D"ABcd efga|[M:3/2]ABcd efga A/|]', False),  # past 4/4's pattern: silence
    ("C", '"D"ABcd efga|HA/|]', False),  # a fermata doubles the note: the bar plays 1/8
    ("C", '"D"ABcd efga|A/!fermata!A/A|]', True),  # 5/16, inside the c step
    ("C", '"D"ABcd efga|HA3/4|]', False),  # 3/16, inside a z step  # 7/16 has no pattern: 4/4's plays on
    (None, '"D"ABcd efga|A/|]', True),  # no meter: abc2midi's 4/4
    (None, '[M:3/2]"D"ABcd efga ABcd|A/|]', True),  # a meter first given in the body
]


@pytest.mark.parametrize("meter, music, cut", SUSTAINED_PAST_THE_END)
def test_the_check_refuses_what_abc2midi_sustains_past_the_end(meter, music, cut):
    tune = sustained_tune(meter, music)
    problems = check_tune(tune).problems
    assert any("abc2midi's accompaniment" in p for p in problems) is cut, problems
    assert (problems == []) is not cut, problems


@pytest.mark.needs("abc2midi")
@pytest.mark.parametrize("meter, music, cut", SUSTAINED_PAST_THE_END)
def test_abc2midi_sustains_past_the_end_what_the_check_refuses(meter, music, cut):
    tune = sustained_tune(meter, music)
    sustained = any("Sustained notes" in e for e in reference.errors(tune))
    assert sustained is cut, reference.messages(tune)


def sustained_tune(meter, music):
    header = f"M:{meter}\n" if meter else ""
    return f"X:1\nT:t\n{header}L:1/8\nK:G\n{music}\n"


WHOLE_STEPS = [
    ('D|eB2|"f""D":|', True, True),  # the repeat replays the short bars under the chord
    ('|:"G"c4 e4 d4 f4|g2B2 c2d2e|1 g4a2b:|', True, True),  # pass 2 ends on the 9/16 bar
    ('D2|"D"e2B2 c4 d4 e4|f4 :|', False, False),  # a pickup of one step, 1/8
    ('"D"D|e2B2 c4 d4 e4|', True, False),  # a pickup of 1/16, half a step
]


@pytest.mark.parametrize("music, off_the_steps, sustained", WHOLE_STEPS)
def test_sampled_tunes_keep_bars_to_whole_steps(music, off_the_steps, sustained):
    """The check judges the last bar as written, and lets the first two through; a
    sampled tune keeps every bar to whole steps of the accompaniment, as abc2midi's replay
    of repeats and endings may end the tune on another bar."""
    tune = f"X:1\nT:t\nM:C\nL:1/16\nK:G\n{music}\n"
    problems = TuneReader(sampled=True).feed(tune).finish()
    assert any("whole number of steps" in p for p in problems) is off_the_steps, problems
    assert TuneReader().feed(tune).finish() == []


@pytest.mark.needs("abc2midi")
@pytest.mark.parametrize("music, off_the_steps, sustained", WHOLE_STEPS)
def test_abc2midi_sustains_notes_past_bars_off_the_steps(music, off_the_steps, sustained):
    errors = reference.errors(f"X:1\nT:t\nM:C\nL:1/16\nK:G\n{music}\n")
    assert any("Sustained notes" in e for e in errors) is sustained, errors
