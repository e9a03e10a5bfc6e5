"""The ABC validity check, compared with abc2midi on real tunes, and `charrnn abc-check`."""

import random
import re
import string
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from charrnn.cli import main
from charrnn.music.abc import reference
from charrnn.music.abc.check import check_abc, check_tune, parse_problems
from charrnn.music.abc.music21_adapter import friendly_abc
from charrnn.music.abc.fields import is_key, is_meter, meter_fraction
from charrnn.music.abc.grammar import TuneReader, check_text
from charrnn.music.abc.tunes import read_abc_file

DATA = Path(__file__).parent / "data"
BAR_PROBLEM = re.compile(r"(voice \S+, )?bar \d+ has")
HEAD = "X:1\nT:Test\nM:6/8\nL:1/8\nK:G\n"

# One problem per tune of tests/data/invalid.abc, in order.
INVALID = [
    "no K: (key) field",
    "bar 3 has 7/8 in 6/8",
    "bar 2 has 5/8 in 6/8",
    "a chord holds something other than notes",
    "no notes",
    "K: is not the last header field (C: follows it)",
    "bar 3 has 5/8 in 6/8",
]


def test_valid_fixtures_pass():
    checks = check_abc(read_abc_file(DATA / "valid.abc"))
    assert len(checks) == 4
    assert [c.problems for c in checks] == [[]] * 4 and all(c.ok for c in checks)
    assert checks[1].title == "Tit For Tat (Ríl an Tít)"


@pytest.fixture(scope="module")
def invalid_checks():
    return check_abc(read_abc_file(DATA / "invalid.abc"))


@pytest.mark.parametrize("index, problem", list(enumerate(INVALID)))
def test_invalid_fixtures_fail_for_their_reason(invalid_checks, index, problem):
    check = invalid_checks[index]
    assert not check.ok
    assert len(check.problems) == 1 and check.problems[0].startswith(problem)


@pytest.mark.parametrize("missing, problem", [
    ("T", "no T: (title) field"), ("M", "no M: (meter) field"), ("X", "the first line is not X:"),
])
def test_missing_header_fields(missing, problem):
    tune = "".join(line + "\n" for line in HEAD.splitlines() if not line.startswith(missing))
    assert problem in check_tune(tune + "GAB cde|\n").problems


@pytest.mark.parametrize("value, ok", [
    ("D", True), ("Bbm", True), ("F#dor", True), ("Ador", True), ("G Mixolydian", True),
    ("E minor", True), ("D ^f _b", True), ("C clef=bass", True), ("none", True), ("HP", True),
    ("H", False), ("Dnn", False), ("Dm7", False), ("dmaj", False), ("X", False),
])
def test_is_key(value, ok):
    assert is_key(value) is ok


@pytest.mark.parametrize("value, ok", [
    ("6/8", True), ("C", True), ("C|", True), ("none", True), ("2+3/8", False), ("(2+3)/8", False),
    ("9/0", False), ("0/4", False), ("fast", False), ("FREI4/4", False),
])
def test_is_meter(value, ok):
    assert is_meter(value) is ok


@pytest.mark.parametrize("line, problem", [
    ("K:H", "K:H is not a key"), ("M:fast", "M:fast is not a meter"),
])
def test_header_values_that_are_not_abc(line, problem):
    field = line[0]
    head = "".join(f"{line}\n" if part.startswith(field) else part + "\n" for part in HEAD.splitlines())
    assert problem in check_tune(head + "GAB cde|\n").problems


@pytest.mark.parametrize("music, ok", [
    ('"G"GAB "D"cde|GAB cde|', True),
    ('GAB "D.D.~C2 cde|GAB cde|', False),  # abc2midi: "Guitar chord name not properly closed"
    ('GAB cde|GAB cde| % a "quoted" comment', True),
])
def test_an_open_chord_symbol_quote_is_a_problem(music, ok):
    problems = check_tune(HEAD + music + "\n").problems
    assert any("no closing" in p for p in problems) is not ok, problems


def test_a_comment_after_a_field_is_not_its_value():
    tune = HEAD.replace("M:6/8", "M:6/8 % barred in 3/4 elsewhere")
    assert check_tune(tune + "GAB cde|GAB cde|\n").ok


def test_default_note_length_comes_from_the_meter():
    # ABC 2.1: no L: and a meter of 3/4 or more means eighth notes.
    assert check_tune("X:1\nT:t\nM:6/8\nK:G\nGAB cde|fed cBA|]\n").ok
    assert check_tune("X:1\nT:t\nM:2/4\nK:G\nG2A2|B2c2|]\n").problems == []


@pytest.mark.parametrize("body, problems", [
    ("GAB cde|fed cBA|]", []),
    ("D|GAB cde|fed cB:|", []),  # pickup + closing partial bar = one bar
    ("|:GAB cde|fed cBA|[1 GAB cBA:|[2 GAB c3|]", []),  # variant endings
    ("GAB cde|fed cBA|1 GAB cBA:|2 GAB c3||", []),
    ("GAB cd|fed cBA|GAB cde|]", []),  # a short first bar is a pickup
    ("GAB cdef|fed cBA|]", ["bar 1 has 7/8 in 6/8"]),  # a long one never is
    ("GAB cde|fed c|fed cBA|]", ["bar 2 has 4/8 in 6/8"]),
    ("GAB cde|fed cB||d|gfe dcB|AGF G2:|", []),  # partial before || completed by a pickup
    ("GAB cde|fed cB||gfe dcB|AGF G3:|", ["bar 2 has 5/8 in 6/8"]),
    ("(3GAB (3cde c2|{g}f>ed c2B|]", []),  # tuplets, grace notes, broken rhythm
    ("G3 (3{a}gfe|x6|Hc6|]", []),  # music21 alone would lose the grace, x and H notes
    ("GAB cde|[M:2/4] cd ef|gf ed|]", []),  # inline meter change
    ("GAB cde|[M:2/4] cd ef g|gf ed|]", ["bar 2 has 5/8 in 2/4"]),
])
def test_bar_lengths_against_the_meter(body, problems):
    assert check_text(HEAD + body + "\n") == problems


def test_free_meter_has_no_bar_lengths():
    assert check_text("X:1\nT:t\nM:none\nL:1/8\nK:G\nGAB|c|defgab|]\n") == []


def test_voices_are_checked_apart():
    tune = "X:1\nT:t\nM:2/4\nL:1/8\nK:G\nV:1\nGABc|def|]\nV:2\nGABc|def|gabc|]\n"
    assert check_text(tune) == ["voice 2, bar 2 has 3/8 in 2/4"]


def test_many_bad_bars_are_summarised():
    problems = check_text(HEAD + "GA|" + "GAB cdef|" * 8 + "]\n")
    assert len(problems) == 6 and problems[-1] == "and 3 more bars that misfit"


@pytest.mark.parametrize("meter, length", [
    ("6/8", Fraction(3, 4)), ("C", Fraction(1)), ("C|", Fraction(1)), (" 3/4 ", Fraction(3, 4)),
    ("12/8", Fraction(3, 2)), ("none", None), ("", None), ("waltz", None), ("3/0", None),
])
def test_bar_length(meter, length):
    assert meter_fraction(meter) == length


@pytest.mark.parametrize("music, friendly", [
    ("Hc2 x2|", "!fermata!c2 z2|"),
    ('"Hx"c !trill!x [K:mix] x', '"Hx"c !trill!z [K:mix] z'),
    ("(3{c}BAB (3:2:3{d}cBA|", "{c}(3BAB {d}(3:2:3cBA|"),
    ("K:Hx\nw:x\n% x", "K:Hx\nw:x\n% x"),
])
def test_friendly_abc_rewrites_what_music21_drops(music, friendly):
    assert friendly_abc(music) == friendly


def test_a_bad_tune_does_not_stop_the_others():
    good = HEAD + "GAB cde|]\n"
    checks = check_abc(good + "\n" + HEAD.replace("T:Test", "T:Bad") + "ab/0c|\n\n" + good)
    assert [c.ok for c in checks] == [True, False, True]
    assert checks[1].problems[0] == "'0' is not ABC music" and checks[1].title == "Bad"


@settings(max_examples=25, deadline=None)
@given(st.text(st.sampled_from("ABCabc,'^=_z|:[]()123/<>{}\"!+-\n XTMLK"), max_size=60))
def test_check_never_raises_on_garbage(garbage):
    check = check_tune(HEAD + garbage)
    assert all(problem.strip() and "\n" not in problem for problem in check.problems)  # one line each


# The oracle: abc2midi, the reference ABC converter, on a fixed sample of O'Neill's tunes.
# abc2midi exits 0 even on errors, so its verdict is read from its messages: a tune is bad
# when it warns "Bar N has X time units while the time signature has Y"; check_tune's verdict
# here is whether it finds a bar that misfits. -NFER, because abc2midi otherwise lengthens
# fermata notes, which would count as bar errors.
# Measured: 35 of these 40 agree (87.5%; 89.7% on 400 random tunes). Every disagreement is
# abc2midi flagging a tune that check_tune passes: it plays repeats through, so a pickup
# written inside a variant ending, or a partial bar before :| completed by the next
# section's pickup, reads to it as a bar of the wrong length.
@pytest.mark.slow
@pytest.mark.needs("abc2midi")
def test_check_agrees_with_abc2midi_on_oneills_tunes(tmp_path):
    from charrnn.music.abc.collections import load_tunes

    tunes = load_tunes("oneills1850")[::46][:40]
    agree = 0
    for tune in tunes:
        said = reference.messages(tune, "-NFER")
        reference_ok = not any("time units while the time signature" in text for _, _, text in said)
        agree += not any(BAR_PROBLEM.match(p) for p in check_tune(tune).problems) == reference_ok
    print(f"check_tune agrees with abc2midi on {agree}/{len(tunes)} O'Neill's tunes")
    assert agree >= 0.8 * len(tunes)


def _run(*args, stdin=None):
    return CliRunner().invoke(main, ["abc-check", *args], input=stdin)


def test_abc_check_command_passes_valid_files():
    result = _run(str(DATA / "valid.abc"))
    assert result.exit_code == 0, result.output
    assert "The Kerry Cobbler" in result.output and result.output.count(" OK\n") == 4
    assert result.output.endswith("4 tunes, 4 valid, 0 with warnings only, 0 with errors\n")


def test_abc_check_command_reports_problems_and_exits_1():
    result = _run(str(DATA / "valid.abc"), str(DATA / "invalid.abc"))
    assert result.exit_code == 1
    assert "warning: bar 3 has 7/8 in 6/8" in result.output
    assert "error: no K: (key) field" in result.output
    assert result.output.endswith("11 tunes, 4 valid, 3 with warnings only, 4 with errors\n")


def test_abc_check_quiet_prints_only_the_summary():
    result = _run("-q", str(DATA / "invalid.abc"))
    assert result.output == "7 tunes, 0 valid, 3 with warnings only, 4 with errors\n"
    assert result.exit_code == 1


def test_abc_check_reads_standard_input():
    result = _run("-", stdin=HEAD + "GAB cde|]\n")
    assert result.exit_code == 0 and "1 tunes, 1 valid" in result.output


# A tune a player can play, perhaps not as written (warnings), against one abc2midi plays
# with other notes or lengths than written (errors): only errors fail the exit status.
WARNINGS_ONLY = {
    "a bar of the wrong length": (HEAD + "GAB cdef|fed cBA|]\n", "bar 1 has 7/8 in 6/8"),
    "a hornpipe in C|": ("X:1\nT:t\nR:hornpipe\nM:C|\nL:1/8\nK:G\nGABc dBGB|cBAG A4|]\n",
                         "R:hornpipe is a hornpipe, which abc2midi plays only in 2/4 or 4/4"),
    "a text in quotes": (HEAD + '"Horns"GAB cde|fed cBA|]\n', '"Horns" is neither a chord'),
}
ERRORS = {
    "a tie to another note": (HEAD + "G3- ABc|fed cBA|]\n", "a tie (-) to a different note"),
    "a broken rhythm it cannot apply": (HEAD + "G2>A B2c|fed cBA|]\n", "a broken rhythm"),
}


@pytest.mark.parametrize("tune, problem", WARNINGS_ONLY.values(), ids=list(WARNINGS_ONLY))
def test_a_tune_that_plays_not_as_written_has_warnings_and_exits_0(tune, problem):
    check = check_tune(tune)
    assert check.plays and not check.ok and check.errors == []
    assert any(w.startswith(problem) for w in check.warnings), check.warnings
    result = _run("-", stdin=tune)
    assert result.exit_code == 0 and f"warning: {problem}" in result.output
    assert result.output.endswith("1 tunes, 0 valid, 1 with warnings only, 0 with errors\n")


@pytest.mark.parametrize("tune, problem", ERRORS.values(), ids=list(ERRORS))
def test_a_tune_a_player_cannot_play_has_errors_and_exits_1(tune, problem):
    check = check_tune(tune)
    assert not check.plays and any(e.startswith(problem) for e in check.errors), check.errors
    result = _run("-", stdin=tune)
    assert result.exit_code == 1 and f"error: {problem}" in result.output


@pytest.mark.parametrize("tune, problem", list(WARNINGS_ONLY.values())[:1] + list(ERRORS.values())[:1])
def test_the_warnings_and_errors_agree_with_abc2midi(tune, problem):
    """What the grammar calls an error abc2midi calls one too; a warning it plays past."""
    from charrnn.music.abc import reference

    if not reference.installed():
        pytest.skip("abc2midi is not installed")
    errors, _ = reference.judged(tune)
    assert (errors == []) is check_tune(tune).plays, errors


def test_abc_check_json_gives_each_tune_and_the_counts():
    import json

    tunes = "\n".join(tune for tune, _ in [*WARNINGS_ONLY.values(), *ERRORS.values()])
    result = _run("--json", "-", stdin=tunes + "\n" + HEAD + "GAB cde|]\n")
    document = json.loads(result.output)
    assert result.exit_code == 1
    assert {k: document[k] for k in ("tunes", "valid", "warnings_only", "with_errors")} == \
        {"tunes": 6, "valid": 1, "warnings_only": 3, "with_errors": 2}
    tunes = document["files"][0]["tunes"]
    assert [t["plays"] for t in tunes] == [True, True, True, False, False, True]
    assert tunes[0]["warnings"] == ["bar 1 has 7/8 in 6/8"] and tunes[0]["errors"] == []
    assert tunes[3]["errors"][0].startswith("a tie (-) to a different note")
    assert [t["number"] for t in tunes] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("content, message", [
    (None, "cannot read"), ("just some text\n", "holds no tunes"),
])
def test_abc_check_rejects_bad_files_in_one_line(tmp_path, content, message):
    path = tmp_path / "tunes.abc"
    if content is not None:
        path.write_text(content)
    result = _run(str(path))
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert "Traceback" not in result.output


def _not_abc(kind):
    """A file that is mostly not ABC: random bytes, or an X: line and then random text."""
    chosen = random.Random(0)
    if kind == "binary":
        return bytes(chosen.randrange(256) for _ in range(20_000))
    return ("X:1\n" + "".join(chosen.choices(string.printable, k=100_000))).encode()


@pytest.mark.parametrize("kind, message", [
    ("binary", "is not ABC: it looks like binary data"),
    ("text", "is mostly not ABC: no tune header (an X: line, then a K: line) in its first 64 KB"),
])
@pytest.mark.parametrize("command", [["abc-check", "-q"], ["abc2midi"],
                                     ["tune-report", "--corpus", "music21:oneills1850"]])
def test_mostly_not_abc_is_refused_at_once_in_one_line(tmp_path, command, kind, message):
    path = tmp_path / "noise.abc"
    path.write_bytes(_not_abc(kind) if kind == "text" else b"X:1\n" + _not_abc(kind))
    result = CliRunner().invoke(main, [*command, str(path)])
    assert result.exit_code == 1
    assert result.output == f"Error: {path} {message}\n"
    assert list(tmp_path.iterdir()) == [path]  # nothing written


# Rules the grammar holds beyond ABC 2.1's text, each one an Error abc2midi prints (the
# kinds benchmarks/check_differences.md sorts the bundled tunes into): a sample pinned here,
# each in a tune whose bars all fit, against the reference converter where it is installed.
# (Some rules are stricter than abc2midi in cases it happens to survive; these are not.)
ABC2MIDI_RULES = [
    ("~ G3 ABc|", "between a decoration and its note", "Malformed note"),
    ('"H7"G3 ABc|', "neither a chord abc2midi knows", "Guitar chord"),
    ('"^a;x"G3 ABc|', "neither a chord abc2midi knows", "Guitar chord"),  # ; starts another
    ("G3- ABc|", "a tie (-) to a different note", "tied"),
    ("G2>A B2c|", "broken rhythm", "broken rhythm"),
    ("!breath!G>A B2c|", "broken rhythm", "broken rhythm"),  # a breath shortens as . does
    (".z>.A B2c|", "broken rhythm", "broken rhythm"),  # a staccato shortens no rest
    (".(.(GA)B) dBG|", "abc2midi reads .(.( as a malformed note", "Malformed note"),
    ("G3 ABc|\n G :d3 ABc|", "reads to abc2midi as a field", "Field not allowed"),
    ("T[GB]3 ABc|", "a trill or roll on a chord", "Rolls and trills"),
    ("G>(3ABc d2|", "a tuplet inside a broken rhythm", "broken rhythm"),
    (".(3GAB) dBG|", "abc2midi reads .( as a dotted slur", "Unrecognized character"),
    ("Ga-~a ABc|", "a roll (~) on a tied note", "tied"),  # (a long note's roll can hold it)
    ("|: G3 ABc :|2 d6|", "variant ending", "found"),
    ("G3 ABc-|\nK:A\nTc3 ABc|", "a K: while a tie (-) waits", "tied"),
    ("G3 ABc|\nK:Gmix Dor\nG3 ABc|", "K:Gmix Dor is not a key", "Unknown mode"),
    ('"D"G3 ABc|A/|', "stops partway into a chord of abc2midi's accompaniment", "Sustained notes"),
    (".G>T.A B2c d3|", "a broken rhythm (> or <) between notes of different lengths", "broken rhythm"),
    ("G3 ABc-|Z|c6|", "a multi-bar rest where a tie (-) waits", "tied"),
    ("G3 AB=f-|Tf3 ABc|", "a trill on a note tied across a bar line", "tied"),
    ("G3 ABT=f-|f3 ABc|", "a trill or roll on a note with an accidental, tied across", "tied"),
    ("G3 AB=f-|f3-Tf3|", "a trill on a note tied across a bar line from an accidental", "tied"),
    ("G3 ABc||:|1 G3 ABc:|2 G6||", "reads to abc2midi as || and :|", "found [1"),
    ("G3 ABc|\nT::v\nG3 ABc|", "whose value starts with : reads to abc2midi as music", "Malformed note"),
    ('"D"G3 ABc|' + "| " * 50 + "G3 ABc|", "bar lines with no note or rest between them", "Too many notes"),
    ("G3 ABc|\nV:1 clef\nG3 ABc|", "V:1 clef is not a voice", "clef must be followed by '='"),
]


@pytest.mark.parametrize("music, problem, error", ABC2MIDI_RULES)
def test_a_rule_beyond_abc_text_is_refused_by_the_check(music, problem, error):
    tune = HEAD + music + "\n"
    assert any(problem in found for found in check_tune(tune).problems), check_tune(tune).problems


@pytest.mark.needs("abc2midi")
@pytest.mark.parametrize("music, problem, error", ABC2MIDI_RULES)
def test_a_rule_beyond_abc_text_is_an_abc2midi_error(music, problem, error):
    tune = HEAD + music + "\n"
    assert any(error in message for message in reference.errors(tune)), reference.messages(tune)


ABC2MIDI_PASSES_OVER = [
    ("I::: || DC\n", "G3 ABc|"),  # a header line abc2midi cannot tell from a repeat: skipped
    ("I:|: :: ::\n", "G3 ABc|"),
    ("V:1\nV:2\n", "V:1\nG3 ABc|\nV:2\nG3 ABc|"),  # voices named in the header
    ("", "V:1 merge down\nG3 ABc|\nV:2 midi program 1 74\nG3 ABc|"),  # words it passes over
    ("P:AB\n", "P:A\nG3 ABc:|d3 ABc|[1 G3 ABc:|[2 G6||\nP:B\nG3 ABc|"),  # with parts, no |: patched
]


@pytest.mark.parametrize("header, body", ABC2MIDI_PASSES_OVER)
def test_what_abc2midi_passes_over_the_check_passes(header, body):
    tune = f"X:1\nT:Test\n{header}M:6/8\nL:1/8\nK:G\n{body}\n"
    assert check_tune(tune).problems == []


@pytest.mark.needs("abc2midi")
@pytest.mark.parametrize("header, body", ABC2MIDI_PASSES_OVER)
def test_abc2midi_passes_over_them(header, body):
    tune = f"X:1\nT:Test\n{header}M:6/8\nL:1/8\nK:G\n{body}\n"
    assert reference.errors(tune) == [], reference.messages(tune)


PARTS_WITH_A_TAB = [("P:AB", True), ("P:AB  ", True), ("P:AB\t", False)]


def parts_tune(parts):
    return f"X:1\nT:Test\n{parts}\nM:6/8\nL:1/8\nK:G\nP:A\nG3 ABc|\nP:B\nG3 ABc|\n"


@pytest.mark.parametrize("parts, valid", PARTS_WITH_A_TAB)
def test_a_tab_in_the_list_of_parts(parts, valid):
    """abc2midi: "illegal character '\\t' in part specification" (spaces it skips). The
    grammar reads the text as written (check_tune first strips the ends of lines)."""
    problems = TuneReader().feed(parts_tune(parts)).finish()
    assert (problems == []) is valid, problems


@pytest.mark.needs("abc2midi")
@pytest.mark.parametrize("parts, valid", PARTS_WITH_A_TAB)
def test_abc2midi_refuses_a_tab_in_the_list_of_parts(parts, valid):
    tune = parts_tune(parts)
    assert (reference.errors(tune) == []) is valid, reference.messages(tune)


@pytest.mark.parametrize("music", ["(3bA5/c|", "(3z5/bc|", "(3[ce]5/bc|", "(3b10c3 d4|",
                                   "(3bA3c d6|", "(3b6c3 d4|", "(2bA31/8 g/|", "(3bA7/4c d6|"])
def test_a_tuplet_holds_single_note_values_as_music21_reads_them(music):
    """music21 fails on a tuplet's note that no single note value writes (5/8: a half
    tied to an eighth): the grammar refuses exactly those, against music21 itself."""
    tune = f"X:1\nT:t\nM:C\nL:1/8\nK:C\n{music}\n"
    refused = any("in a tuplet" in p for p in TuneReader().feed(tune).finish())
    assert refused is any("complex" in p for p in parse_problems(tune))


@pytest.mark.parametrize("music, readable", [
    ('|:ABcd efga|[1 ABcd efga:|[3"E"ABcd efga||', False),  # [3 read as a chord
    ('|:ABcd efga|[1 ABcd efga:|[2"E"ABcd efga||', True),
    ('|:ABcd efga|1 ABcd efga:|3 ABcd efga||', True),
    ('"Gb#"ABcd efga|', False), ('"Gbb"ABcd efga|', True), ('"G##"ABcd efga|', True),
])
def test_what_music21_cannot_read_the_grammar_refuses(music, readable):
    tune = f"X:1\nT:t\nM:C\nL:1/8\nK:C\n{music}\n"
    assert (TuneReader().feed(tune).finish() == []) is readable
    assert (parse_problems(tune) == []) is readable


PARTS_IN_ORDER = [
    ("P:AB\n", "P:A\nG3 ABc|\nP:B\nG3 ABc|\nP:A\nG3 ABc|", True),
    ("P:AB\n", "P:A\nG3 ABc|\nP:B\nG3 ABc|", False),
    ("", "P:A\nG3 ABc|\nP:B\nG3 ABc|\nP:A\nG3 ABc|", False),  # no order: abc2midi plays on
]


@pytest.mark.parametrize("order, body, twice", PARTS_IN_ORDER)
def test_a_part_begins_once_where_the_header_orders_the_parts(order, body, twice):
    tune = f"X:1\nT:Test\n{order}M:6/8\nL:1/8\nK:G\n{body}\n"
    assert any("begins twice" in p for p in check_tune(tune).problems) is twice


@pytest.mark.needs("abc2midi")
@pytest.mark.parametrize("order, body, twice", PARTS_IN_ORDER)
def test_abc2midi_plays_a_part_once_where_the_header_orders_the_parts(order, body, twice):
    tune = f"X:1\nT:Test\n{order}M:6/8\nL:1/8\nK:G\n{body}\n"
    assert any("more than once" in e for e in reference.errors(tune)) is twice


@pytest.mark.parametrize("one_core", [False, True])
def test_checks_ahead_give_check_tunes_verdicts_whatever_the_reference_number(monkeypatch, one_core):
    """Checked in a second process as they are drawn (X:1), asked for once renumbered; a
    tune never handed in is checked on the spot, as all are where there is one core."""
    from charrnn.music.abc import check
    from charrnn.music.abc.check import ChecksAhead

    if one_core:
        monkeypatch.setattr(check, "_cores", lambda: 1)

    tunes = [HEAD + "GAB cde|]\n", HEAD + "GAB cdef|]\n", HEAD + "~ G3 ABc|]\n", HEAD + "G6|]\n"]
    with ChecksAhead() as checks:
        for tune in tunes[:-1]:
            checks.add(tune)
        verdicts = [checks.verdict(tune.replace("X:1", f"X:{n}", 1)) for n, tune in enumerate(tunes, 7)]
    assert verdicts == [check_tune(tune) for tune in tunes]
    assert [v.ok for v in verdicts] == [True, False, False, True]
