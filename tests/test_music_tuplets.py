"""One tuplet rule for the checker and the player: (p with no q written is timed as abc2midi
times it (charrnn.music.abc.fields.tuplet_time), a warning says where the ABC standard reads
the bar otherwise, and a sampled tune writes no tuplet the two readings disagree on."""

from fractions import Fraction

import pytest
from click.testing import CliRunner

from charrnn.cli import main
from charrnn.music.abc import fields, reference
from charrnn.music.abc.grammar import TuneReader, judge_text
from charrnn.music.play.playable import tune_to_stream

METERS = ["2/4", "3/4", "4/4", "C", "C|", "3/8", "6/8", "9/8", "12/8"]
NOTES = "CDEFGABcd"


def tuplet_tune(meter, p, q):
    """A full bar, a bar of (p eighth notes filled up with a rest as if they took the time of
    q eighths, and a full bar."""
    eighths = int(fields.meter_fraction(meter) * 8)
    fill = f" z{eighths - q}" if eighths > q else ""
    return (f"X:1\nT:Tuplet\nM:{meter}\nL:1/8\nK:C\n"
            f"c{eighths}|({p}{NOTES[:p]}{fill}|c{eighths}|]\n")


def read_text(tune):
    """The check's problems with a tune (its errors, and its warnings of bars of the wrong
    length), and its warnings where the ABC standard reads a tuplet otherwise."""
    errors, warnings = judge_text(tune)
    readings = [w for w in warnings if "the ABC standard" in w]
    return errors + [w for w in warnings if w not in readings], readings


def abc2midi_bar_warnings(tune):
    return [text for _, _, text in reference.messages(tune) if "time units" in text]


SWEEP = [(meter, p, q) for meter in METERS for p in range(2, 10)
         for q in sorted({fields.tuplet_time(p, fields.meter_top(meter)),
                          fields.standard_tuplet_time(p, meter)})]


@pytest.mark.needs("abc2midi")
@pytest.mark.parametrize("meter, p, q", SWEEP)
def test_the_check_times_a_tuplet_as_abc2midi_does(meter, p, q):
    tune = tuplet_tune(meter, p, q)
    problems, warnings = read_text(tune)
    assert bool(problems) == bool(abc2midi_bar_warnings(tune)), (problems, abc2midi_bar_warnings(tune))
    assert bool(warnings) == fields.tuplet_readings_differ(p, meter)


@pytest.mark.parametrize("meter, p", [("3/4", 5), ("3/8", 7), ("3/4", 9)])
def test_the_issue_bars(meter, p):
    """`M:3/4`, `(5ABcde A2 B2` is 7/2 units to abc2midi; the check said it was whole."""
    standard = fields.standard_tuplet_time(p, meter)
    problems, warnings = read_text(tuplet_tune(meter, p, standard))
    assert problems and warnings
    assert read_text(tuplet_tune(meter, p, 3)) == ([], warnings)


@pytest.mark.parametrize("meter", METERS)
@pytest.mark.parametrize("p", [5, 7, 9])
def test_the_player_times_a_tuplet_as_the_check_does(meter, p):
    q = fields.tuplet_time(p, fields.meter_top(meter))
    part = tune_to_stream(tuplet_tune(meter, p, q))
    bars = [Fraction(bar.duration.quarterLength).limit_denominator()
            for bar in part.recurse().getElementsByClass("Measure")]
    assert set(bars) == {4 * fields.meter_fraction(meter)}, bars


@pytest.mark.parametrize("written, refused", [("(5", True), ("(5:2", False), ("(5:3:5", False),
                                              ("(3", False), ("(7", True)])
def test_a_sampled_tune_writes_no_tuplet_the_readings_disagree_on(written, refused):
    reader = TuneReader(sampled=True).feed(f"X:1\nT:A\nM:3/4\nL:1/8\nK:C\nc6|{written}A")
    assert any("the ABC standard" in problem for problem in reader.problems) is refused


def test_abc_check_passes_abc2midis_reading_and_warns(tmp_path):
    path = tmp_path / "tune.abc"
    path.write_text(tuplet_tune("3/4", 5, 3), encoding="utf-8")
    result = CliRunner().invoke(main, ["abc-check", str(path)])
    assert result.exit_code == 0, result.output
    assert ("warning: (5 in 3/4: abc2midi plays 5 notes in the time of 3, "
            "the ABC standard in the time of 2") in result.output
