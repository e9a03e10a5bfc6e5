"""The ABC grammar: each construct's duration against hand-worked answers, verdicts on whole
tunes, reading one character at a time against reading the whole text, and completions."""

from fractions import Fraction as F

import pytest

from charrnn.music.abc import reference
from charrnn.music.abc.collections import load_tunes
from charrnn.music.steer.completion import completion
from charrnn.music.steer.constraint import TuneConstraint
from charrnn.music.abc.grammar import TuneReader, check_text
from charrnn.music.play.midi import tune_to_midi
from charrnn.music.steer.policy import SampledPolicy


def head(meter="4/4", unit="1/8", key="G"):
    lines = ["X:1", "T:Test", f"M:{meter}"] + ([f"L:{unit}"] if unit else []) + [f"K:{key}"]
    return "\n".join(lines) + "\n"


def bar_so_far(music, meter="4/4", unit="1/8"):
    """The length of the bar in progress after `music` (after a bar line, so that it is
    read as music, and with a space to end its last note)."""
    reader = TuneReader().feed(head(meter, unit) + "|" + music + " ")
    assert reader.alive, reader.verdict()
    return reader.voice.current.length


@pytest.mark.parametrize("music, length", [
    ("A", F(1, 8)), ("A2", F(1, 4)), ("A/", F(1, 16)), ("A//", F(1, 32)), ("A///", F(1, 64)),
    ("A3/2", F(3, 16)), ("A/4", F(1, 32)), ("A3//", F(3, 32)), ("A8", F(1)),
    ("z2", F(1, 4)), ("x2", F(1, 4)), ("A-A", F(1, 4)), ("^A=B_c", F(3, 8)), ("c'D,", None),
    ("A>B", F(1, 4)), ("A<B", F(1, 4)), ("A>>B", F(1, 4)), ("A2>B2", F(1, 2)), ("A> B", F(1, 4)),
    (".A>.B", F(1, 4)), ("z>A", F(1, 4)),
    ("(3ABc", F(1, 4)), ("(3:2:3ABc", F(1, 4)), ("(3ABcd", F(3, 8)), ("(2AB", F(3, 8)),
    ("(5ABcde", F(1, 4)), ("(3::2AB c", F(1, 4) * F(2, 3) + F(1, 8)), ("(3A2B2c2", F(1, 2)),
    ("[ceg]2", F(1, 4)), ("[c2e2]", F(1, 4)), ("[c2e2]3/2", F(3, 8)), ("[c/e/]2", F(1, 8)),
    ("{ab}c", F(1, 8)), ("{/a}c", F(1, 8)), ("{a}[ce]", F(1, 8)),
    ('"G"A', F(1, 8)), ('"^text"A', F(1, 8)), ("!trill!A", F(1, 8)), (".~A", F(1, 8)),
    ("[L:1/16]AB", F(1, 8)), ("A [L:1/4]B", F(3, 8)),
])
def test_durations_match_hand_worked_answers(music, length):
    if length is None:  # octave marks change no length
        length = F(1, 4)
    assert bar_so_far(music) == length


@pytest.mark.parametrize("meter, unit, music, length", [
    ("2/4", None, "A", F(1, 16)),  # ABC 2.1 3.1.7: a meter below 3/4 makes the unit 1/16
    ("3/4", None, "A", F(1, 8)),
    ("6/8", "1/8", "(5ABcde", F(3, 8)),  # in a compound meter (5 takes the time of 3
    ("6/8", "1/8", "(2AB", F(3, 8)),
])
def test_unit_and_tuplets_follow_the_meter(meter, unit, music, length):
    assert bar_so_far(music, meter, unit) == length


VALID = [
    head("6/8") + "ABc dcB|GAB c3|]\n",
    head("6/8") + "d|ABc dcB|GAB c2:|\n",  # a pickup, and a short last bar completing it
    head("6/8") + "|:ABc dcB|[1 GAB c3:|[2 GAB c2 d||\n",  # endings
    head("6/8") + "ABc dcB:|\n|:GAB c3::d3 e3:|\n",  # :| with no |: repeats from the start
    head("6/8") + "Z2|ABc dcB|]\n",
    head("none") + "ABcdefgabc'|]\n",  # free meter: no bar lengths
    head("6/8") + "A>Bc d2-d|e3 z3|\n",
    head("4/4") + '"Am"A2 "G"G2 {ag}f4|]\n',
    "X:1\nT:A\nR:hornpipe\nM:4/4\nL:1/8\nK:D\nA>B c>d e>f g>a|]\n",
    head("6/8") + "[V:1]ABc dcB|\n[V:2]GAB c3|\n",
]


@pytest.mark.parametrize("tune", VALID)
def test_valid_tunes_have_no_problems(tune):
    assert check_text(tune) == []


@pytest.mark.parametrize("tune, problem", [
    ("T:A\nX:1\nM:6/8\nK:G\nABc|\n", "the first line is not X:"),
    ("X:1\nM:6/8\nK:G\nABc|\n", "no T: (title) field"),
    ("X:1\nT:A\nM:6/8\nK:G\nC:Me\nABc|\n", "K: is not the last header field (C: follows it)"),
    ("X:1\nT:A\nM:9/0\nK:G\nABc|\n", "M:9/0 is not a meter"),
    ("X:1\nT:A\nM:6/8\nK:H\nABc|\n", "K:H is not a key"),
    (head("6/8") + "ABc dcB|ABc dc|ABc dcB|\n", "bar 2 has 5/8 in 6/8"),
    (head("6/8") + "ABc dcB|ABc|ABc dcB|\n", "bar 2 has 3/8 in 6/8"),
    (head("6/8") + "ABc dcB a|\n", "bar 1 has 7/8 in 6/8"),
    (head("6/8") + "|:ABc dcB|\n", "a |: repeat is never closed with :|"),
    (head("6/8") + "ABc dcB:|ABc dcB|[1ABc dcB:|\n", "a variant ending with no |: before it"),
    (head("6/8") + "ABc dcB-|A6|\n", "a tie (-) to a different note"),
    (head("6/8") + "A2>B c3|\n", "a broken rhythm (> or <) between notes of different lengths"),
    (head("6/8") + "{a{b}}A3 B3|\n", "grace notes inside grace notes"),
    (head("6/8") + '"Segno"A3 B3|\n', '"Segno" is neither a chord abc2midi knows'),
    (head("6/8") + "A3 #B3|\n", "'#' is not ABC music"),
    (head("6/8") + 'A3 "G B3|\n', 'line 6: a chord symbol or annotation has no closing "'),
    ("X:1\nT:A\nR:Hornpipe\nM:C|\nL:1/8\nK:D\nA8|\n", "R:Hornpipe is a hornpipe"),
    (head("6/8") + "z6|\n", "no notes"),
])
def test_invalid_tunes_say_why(tune, problem):
    assert any(p.startswith(problem) for p in check_text(tune)), check_text(tune)


def valid_bundled_tunes(count=8):
    tunes = [t for t in load_tunes("oneills1850")[::37] if not check_text(t)]
    return tunes[:count]


@pytest.mark.parametrize("tune", valid_bundled_tunes())
def test_a_valid_tune_stays_alive_char_by_char(tune):
    """Read one character at a time, with the sampler's lookahead, a valid tune is alive at
    every prefix: the incremental verdict agrees with the whole-text one."""
    reader = TuneReader(lookahead=True)
    for index, ch in enumerate(tune):
        reader.feed_char(ch)
        assert reader.alive, (index, tune[:index + 1], reader.doomed, reader.verdict())
    assert reader.finish() == check_text(tune) == []


@pytest.mark.parametrize("tune", [
    head("6/8") + "ABc dcB a|\n", head("6/8") + "|:ABc dcB|\n", head("6/8") + "ABc dcB-|A6|\n",
])
def test_an_invalid_tune_dies_and_stays_dead(tune):
    reader, alive = TuneReader(lookahead=True), []
    for ch in tune:
        reader.feed_char(ch)
        alive.append(reader.alive)
    reader.finish()
    assert not reader.alive and reader.verdict() == check_text(tune)
    first_dead = alive.index(False) if False in alive else len(alive)
    assert not any(alive[first_dead:])


@pytest.mark.parametrize("tune", valid_bundled_tunes(4))
def test_every_prefix_of_a_valid_tune_has_a_valid_completion(tune):
    reader = TuneReader(lookahead=True)
    for index, ch in enumerate(tune[:-1]):
        reader.feed_char(ch)
        if index % 7:
            continue
        text = completion(reader)
        assert text is not None, tune[:index + 1]
        assert check_text(tune[:index + 1] + text) == [], (tune[:index + 1], text)


@pytest.mark.parametrize("start, written", [
    ("ABc dcB,-|B", ","),  # the octave mark a tie waits for, after its letter
    ("ABc dcB,,-|B,", ","),
    ("ABc dcb'-|b", "'"),
    ("ABc dcB,-| ", "B,"),
    ("ABc dcB|\nABc\n", "\n"),  # a line ending mid-bar: the tune may end, its last bar short
])
def test_a_sampled_tune_is_finished_as_the_grammar_reads_it(start, written):
    reader = TuneReader(sampled=True, lookahead=True).feed(head("6/8") + start)
    text = completion(reader)
    assert text is not None and text.startswith(written), text
    assert TuneReader(sampled=True).feed(head("6/8") + start + text).finish() == []


@pytest.mark.parametrize("start", ["|:(3AB", "|:A>", 'AB"G', "[ce", "{ab", "ABc dcB|[1 A"])
def test_a_tune_steered_to_its_end_never_runs_out_of_room(start):
    """Near the length cap the sampler allows only characters whose completions still fit:
    even always taking the allowed character that leaves the longest way to the end, a
    tune ends within the characters the first count promised."""
    chars = sorted(set(head("6/8") + "ABCDEFGabcdefg|:[]{}()<>/23\"^ \n"))
    constraint = TuneConstraint(chars)
    reader = constraint.reader(head("6/8") + start)
    left = constraint.to_finish(reader) + 1
    while not reader.ended:
        allowed = [ch for ch, ok in zip(chars, constraint.allowed(reader, left)) if ok]
        assert allowed, reader.key()
        reader.feed_char(max(allowed, key=lambda ch: constraint.need_after(reader, ch)))
        left -= 1
    assert left >= 0 and reader.verdict() == []


def test_several_voices_have_their_own_bars():
    tune = head("6/8") + "V:1\nABc dcB|ABc dc|\nV:2\nABc dcB|ABc dc|ABc dcB|\n"
    assert check_text(tune) == ["voice 2, bar 2 has 5/8 in 6/8"]


def test_many_misfits_are_summarised():
    problems = check_text(head("6/8") + "ABc dcB a|" * 8 + "\n")
    assert problems[-1] == "and 3 more bars that misfit" and len(problems) == 6


@pytest.mark.parametrize("fixed, tune, ok", [
    ({"K": "Ador"}, "X:1\nT:A\nM:6/8\nK:Ador\nABc dcB|\n", True),
    ({"K": "Ador"}, "X:1\nT:A\nM:6/8\nK:D\nABc dcB|\n", False),
    ({"M": "6/8"}, "X:1\nT:A\nM:6/8\nK:D\n[M:3/4]ABc dcB|\n", False),
])
def test_fixed_fields_must_be_as_asked(fixed, tune, ok):
    assert (TuneReader(fixed=fixed).feed(tune).finish() == []) == ok


def test_a_vocabulary_without_a_character_cannot_write_it():
    caps = frozenset(head("6/8") + "ABCabc|\n")
    reader = TuneReader(caps, lookahead=True).feed(head("6/8") + "AB")
    assert reader.alive and completion(reader) is not None
    assert not reader.copy().feed("[").alive  # a chord needs a ] the model cannot write


_COMPLETE_IN_A_PROCESS = """
import sys
from charrnn.music.steer.completion import completion
from charrnn.music.abc.grammar import TuneReader
for text in sys.argv[1:]:
    print(repr(completion(TuneReader(lookahead=True).feed(text))))
"""


def test_completions_do_not_depend_on_the_process_hash_seed():
    """A seed makes the same tunes in any process: the completion, which the sampler's mask
    rests on, must not follow the order Python happens to hash strings in."""
    import os
    import subprocess
    import sys

    texts = [head("6/8") + start for start in ("ABc !", "ABc +", "ABc !t", 'ABc "', "|: AB")]
    outputs = {subprocess.run([sys.executable, "-c", _COMPLETE_IN_A_PROCESS, *texts],
                              capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
               for seed in (1, 2, 6)}
    assert len(outputs) == 1, outputs


def test_a_sampled_tune_ties_no_note_into_a_variant_ending():
    """abc2midi holds a note tied into an ending on the pass that skips it (to the end of
    the tune here); a check of the bundled tunes lets the tie through, as they write it."""
    tune = head() + "|:ABcd efga-|1a8:|\n"
    assert any("into a variant ending" in p for p in TuneReader(sampled=True).feed(tune).finish())
    assert not any("into a variant ending" in p for p in TuneReader().feed(tune).finish())


@pytest.mark.parametrize("collection", ["oneills1850", "ryansMammoth"])
def test_note_letters_of_one_case_lead_to_one_key_where_the_grammar_says(collection):
    """Where `letters_interchangeable` holds, the constraint asks about one letter of a
    case for all of them: each must lead to the same key, alive or not alike."""
    tunes = load_tunes(collection)[:25]
    constraint = TuneConstraint(sorted(set("".join(tunes)) | set("ABCDEFGabcdefg")))
    checked = 0
    for tune in tunes:
        reader = constraint.reader()
        for ch in tune:
            if reader.alive and reader.letters_interchangeable():
                for case in ("ABCDEFG", "abcdefg"):
                    after = {(trial.alive, trial.key() if trial.alive else None)
                             for trial in (reader.copy().feed(letter) for letter in case)}
                    assert len(after) == 1, (tune, reader.mode)
                    checked += 1
            reader.feed_char(ch)
    assert checked > 500


# Limits sampled tunes keep beyond validity (abc-check keeps none of them): a tune, what the
# sampled reader says of it, and whether it refuses it.
SAMPLED_LIMITS = [
    (head() + "ABcd efga|\\\nABcd efga|", "nothing but a \\", False),
    (head() + "ABcd efga|\\\n  \\\nABcd efga|", "nothing but a \\", True),
    (head() + "ABcd efga|\\\n\\\nABcd efga|", "nothing but a \\", True),
    (head() + "ABcd efga|\nT:Part two\nABcd efga|", "after the music has begun", True),
    (head() + "T:Part one\nABcd efga|", "after the music has begun", False),
    (head() + "ABcd efga|\nW:words", "after the music has begun", True),
    (head() + "ABcd efga|\nK:D\nABcd efga|", "after the music has begun", False),
    ("X:1\nT:t\nM:C\nK:G\nABcd efga|", "K: before the header's T: and M:", False),
    ("X:1\nK:G\nT:t\nM:C\nABcd efga|", "a field other than T: right after X:", True),
    ("X:1\nT:t\nK:G\nM:C\nABcd efga|", "K: before the header's T: and M:", True),
    (head() + "ABcd efga|\n|    |\nABcd efga|", "no note or rest on it", True),
    (head() + 'ABcd efga|\n"D" !fermata! \\\nABcd efga|', "no note or rest on it", True),
    (head() + "ABcd efga|\nZ2|", "no note or rest on it", False),
    (head() + "ABcd efga|\n   ABcd efga|", "no note or rest on it", False),
    # abc2midi times a chord by the length after ] alone where there is one ([E4]/2 lasts
    # half a unit to it, two units to music21 and ABC 2.1)
    (head("6/8") + "d3|A[E2]b F/|", "lengths both on its notes and after it", False),
    (head("6/8") + "d3|A[E]2b F/|", "lengths both on its notes and after it", False),
    (head("6/8") + "d3|A[E/]4b F/|", "lengths both on its notes and after it", True),
    (head("6/8") + "d3|A[E4]/2b F/|", "lengths both on its notes and after it", True),
    ("X:1\nR:reel\nT:t\nM:C\nK:G\nABcd efga|", "a field other than T: right after X:", True),
    ("X:1\nT:t\nR:reel\nM:C\nK:G\nABcd efga|", "a field other than T: right after X:", False),
    # a short bar mid-tune closed by a plain | can only be the tune's last
    (head() + "ABcd efga|ABcd|", "a short bar closed by a plain bar line", True),
    (head() + "ABcd efga|ABcd||", "a short bar closed by a plain bar line", False),
    (head() + "ABcd efga|ABcd|]", "a short bar closed by a plain bar line", False),
    (head() + "ABc|ABcd efga|ABcd efga|", "a short bar closed by a plain bar line", False),
    (head() + "|:ABcd efga|ABcd:|", "a short bar closed by a plain bar line", False),
    # a length before / only as a dotted note's, never 24/32 for 3/4
    (head() + "ABcd efA4/2|", "a sampled tune writes a number before /", True),
    (head() + "ABcd e[ce]4/2f|", "a sampled tune writes a number before /", True),
    (head() + "ABcd efA24/32A/4|", "a sampled tune writes a number before /", True),
    (head() + "ABcd e3/2f/A|", "a sampled tune writes a number before /", False),
    (head() + "ABcd efA//A3//A/4|", "a sampled tune writes a number before /", False),
    # a line that ends a full bar ends it with a bar line; one ending mid-bar need not
    (head() + "ABcd efga\n|ABcd efga|", "ends a full bar with no bar line", True),
    (head() + "ABcd efga|\nABcd efga|", "ends a full bar with no bar line", False),
    (head() + "ABcd\nefga|", "ends a full bar with no bar line", False),
    # a tempo a player plays
    ("X:1\nT:t\nM:C\nL:1/8\nQ:10\nK:G\nABcd efga|", "a tempo a sampled tune keeps to", True),
    (head() + "ABcd [Q:1/4=300]efga|", "a tempo a sampled tune keeps to", True),
    ("X:1\nT:t\nM:C\nL:1/8\nQ:1/4=120\nK:G\nABcd efga|", "a tempo a sampled tune keeps to", False),
    (head() + "ABcd [Q:3/8=40]efga|", "a tempo a sampled tune keeps to", False),
    # a header field but T: once
    ("X:1\nT:t\nT:u\nM:C\nL:1/8\nK:G\nABcd efga|", "a second", False),
    ("X:1\nT:t\nM:C\nL:1/8\nG:abc\nG:def\nK:G\nABcd efga|", "a second G: in the header", True),
    ("X:1\nT:t\nM:C\nM:C\nL:1/8\nK:G\nABcd efga|", "a second M: in the header", True),
    ("X:1\nT:t\nT:u\nT:v\nM:C\nL:1/8\nK:G\nABcd efga|", "a third T: in the header", True),
    # field values of at most 80 characters
    ("X:1\nT:" + "t" * 80 + "\nM:C\nL:1/8\nK:G\nABcd efga|", "a value over 80", False),
    ("X:1\nT:" + "t" * 81 + "\nM:C\nL:1/8\nK:G\nABcd efga|", "a value over 80", True),
    ("X:1\nT:t\nR:" + "reel " * 17 + "\nM:C\nL:1/8\nK:G\nABcd efga|", "a value over 80", True),
    # a slur over something: abcjs cannot read ()
    (head() + "ABcd e(){g}fga|", "an empty slur", True),
    (head() + "ABcd e(f(){g}g)a|", "an empty slur", True),
    (head() + "ABcd e((fg))a|", "an empty slur", False),
    # a ) closes a slur opened before it (abc2midi ignores one that closes none)
    (head() + "ABcd) efga|", "a ) that closes no slur", True),
    (head() + "A(Bcd)) efga|", "a ) that closes no slur", True),
    (head() + "A(Bcd | efg)a|", "a ) that closes no slur", False),
    (head() + "A(Bcd efg )a|", "a ) after a blank", True),
    (head() + "A(Bcd efg)a|", "a ) after a blank", False),
    (head() + "A(Bcd efga|)B4|", "a ) after a bar line", True),
    (head() + "A(Bcd efga|B)c4|", "a ) after a bar line", False),
    # a tie stands on its note: not after a blank, nor after a slur's )
    (head() + "ABcd efg2 -|g4|", "a tie (-) after a blank or a slur's )", True),
    (head() + "ABcd e(fg2)-|g4|", "a tie (-) after a blank or a slur's )", True),
    (head() + "ABcd e(fg2-)|g4|", "a tie (-) after a blank or a slur's )", False),
    (head() + "ABcd efg2-|g4|", "a tie (-) after a blank or a slur's )", False),
    # its slurs closed by its end (abcjs draws one left open to the last note)
    (head() + "A(Bcd efga|", "a slur left open at the end", True),
    (head() + "A(Bcd efg)a|", "a slur left open at the end", False),
]


@pytest.mark.parametrize("start", ["A(Bc", "A((Bc", "A(Bcd efga|", "A(Bc d{e}"])
def test_a_sampled_tune_s_completion_closes_its_slurs(start):
    reader = TuneReader(sampled=True, policy=SampledPolicy.hand_written()).feed(head() + start)
    text = completion(reader)
    assert text is not None and reader.copy().feed(text).finish() == [], text


@pytest.mark.parametrize("tune, problem, refused", SAMPLED_LIMITS)
def test_a_sampled_tune_keeps_to_the_collections_limits(tune, problem, refused):
    problems = TuneReader(sampled=True, policy=SampledPolicy.hand_written()).feed(tune + "\n").finish()
    assert any(problem in p for p in problems) is refused, problems
    assert not any(problem in p for p in TuneReader().feed(tune + "\n").finish())


def test_a_sampled_tune_trills_no_note_tied_across_a_bar_line():
    """The accidental abc2midi trills against may come from earlier in the bar (^B/ ... B-),
    which the reader does not keep: "Could not find note to be tied"."""
    tune = head("6/8", key="Dm") + "^B/B/c dB2-|TB6|\n"
    assert any("a trill on a note tied across" in p
               for p in TuneReader(sampled=True).feed(tune).finish())


def test_a_sampled_tune_orders_no_parts():
    """abc2midi plays parts in the header's order, and the meter in force with them: here
    only part B, under 6/8's accompaniment, though written after M:3/8, so its last bar
    cuts a chord. The check, reading in written order, lets the tune through."""
    tune = "X:1\nT:t\nP:B\nM:6/8\nK:D\nP:A\nM:3/8\nL:1/8\nABc|\nP:B\n\"D\"A/B/|A/|\n"
    assert any("a P: in the header" in p for p in TuneReader(sampled=True).feed(tune).finish())
    assert TuneReader().feed(tune).finish() == []


@pytest.mark.needs("abc2midi")
def test_abc2midi_plays_parts_in_the_headers_order_under_its_meter():
    tune = "X:1\nT:t\nP:B\nM:6/8\nK:D\nP:A\nM:3/8\nL:1/8\nABc|\nP:B\n\"D\"A/B/|A/|\n"
    assert any("Sustained notes" in e for e in reference.errors(tune)), reference.messages(tune)


@pytest.mark.needs("abc2midi")
@pytest.mark.parametrize("bar_lines", [":||]", ":|||]", ":|||", ":||", "|||]", "||]", ":|]", ":|:|]",
                                       ":||||]"])
def test_runs_of_bar_lines_are_read_as_abc2midi_reads_them(bar_lines):
    tune = "X:1\nT:t\nM:6/8\nL:1/8\nK:G\nGAB def" + bar_lines + "\n"
    errors = [m for kind, _, m in reference.messages(tune) if kind == "Error"]
    assert (TuneReader().feed(tune).finish() == []) is (errors == []), errors


@pytest.mark.needs("abc2midi")
@pytest.mark.parametrize("graces", ["{g}A/", "{ga}A/", "{gag}A", "{gagf}A", "{g}A//", "{g/a/}A/",
                                    "{gag}A3/4", "{ga}A<B", "{ga}A>B", "{gag}(3ABc", "{ga}(3ABc",
                                    "{ga}z A/", "{ga}[A/c/]", "{g2}A/", "{g2}A", "{g3}A",
                                    "~A", "~A/", "~A//", "~A/4", "~A3/8", "~A3", "{g}.A/",
                                    "{g}.A", "{ga}.A", "{ga}.A2", "{g/}.A/", ".~A", ".~A/"])
def test_a_sampled_tune_s_grace_notes_fit_their_note_as_abc2midi_finds(graces):
    """abc2midi drops grace notes that would take all of the note they lead to, each taking
    a quarter of its written length (after a rest, which takes them, it says nothing); a
    roll is a cut of one unit from the note above."""
    tune = "X:1\nT:t\nM:2/4\nL:1/8\nK:G\nB2 " + graces + " B2|\n"
    dropped = any("Grace sequence exceeds host note" in m for _, _, m in reference.messages(tune))
    refused = any("abc2midi drops them" in p for p in TuneReader(sampled=True).feed(tune).finish())
    assert refused is dropped
    assert not any("abc2midi drops them" in p for p in TuneReader().feed(tune).finish())


@pytest.mark.parametrize("length, converts", [("", True), ("/", True), ("6", True), ("31", True),
                                              ("5", False), ("22", False), ("63", False)])
def test_a_grace_note_is_valid_where_music21_converts_it(length, converts):
    """music21 writes a grace note only as one note value of at most four dots: {c5} (5/8)
    or {c63} (63/8, five dots) stops the MIDI conversion of the whole tune."""
    tune = head() + f"A{{c{length}}}B cdef ga|\n"
    assert (check_text(tune) == []) is converts
    if converts:
        assert tune_to_midi(tune)
    else:
        with pytest.raises(Exception, match="complex"):
            tune_to_midi(tune)
