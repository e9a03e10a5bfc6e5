"""ABC rewritten for music21's reader: repeats in abc2midi's playing order, and note
runs with broken rhythms, tuplets and decorations written as music21 reads them."""

import re

import pytest

from charrnn.music.abc import repeats
from charrnn.music.play import playable


@pytest.mark.parametrize("body, played", [
    ("CD:|EF:|", "CDCDEFEF"),  # AABB without |:
    ("CD||EF:|", "CDEFCDEF"),  # the first :| goes back to the start, past ||
    ("CD:|EF||GA:|", "CDCDEFGAGA"),  # later ones to the last || or :|
    ("|:CD|1 EF:|2 GA|]", "CDEFCDGA"),
    ("|:CD|[1,3 EF:|[2 GA:|[4 Bc|]", "CDEFCDGACDEFCDBc"),
    ("CD::EF::GA:|", "CDCDEFEFGAGA"),
    ("|:CD|1 EF|2 GA|]", "CDEF"),  # no :| so no second pass; the 2nd ending is skipped
    # a lone colon is a dotted bar line, a section line as || is (repeats.BAR_LINES): what
    # abc2midi 4.84 plays
    ("|:CD:|EF:GA:|", "CDCDEFGAGA"),  # the second :| goes back to it
    ("|:CD|1EF:GA:|2Bc|]", "CDEFGACDGABc"),  # it closes the skipped first ending
    ("CD|1EF:|2GA:Bc:|", "CDEFCDGABcCDBc"),
    ("CD[|:EF:|", "CDEFEF"),  # [|: is [| then |:
])
def test_repeats_play_in_abc2midi_order(body, played):
    text = playable.playable_abc(f"X:1\nT:t\nM:4/4\nL:1/4\nK:C\n{body}\n")
    assert "".join(re.findall("[A-Gc]", text.split("K:C\n", 1)[1])) == played


@pytest.mark.parametrize("music, written", [
    ("d>-c", "vd3/2 c1/2"),  # music21 drops a broken rhythm beside a tie (v: see _broken_pair)
    ("G-<G", "G-G"),  # the same note: a tie
    ("G<B3", "G B3"),  # notes of different lengths: abc2midi plays them as written
    ("B>.A", "B .A"),  # one staccato note: as written
    ("(3cAG", "c2/3A2/3G2/3"),  # tuplets as lengths
    ("~(dcd) HA", "(dcd) MA"),  # a roll before a slur is lost; a fermata carried as M
])
def test_music_rewritten_for_music21(music, written):
    assert playable._carry_marks(music, playable.tune_header("X:1\nM:4/4\nL:1/8\nK:C\n")) == written


@pytest.mark.parametrize("body, marks", [
    ("CD:|EF:|", ["P:1", "P:1 again", "P:2", "P:2 again"]),
    ("CD||EF||", ["P:1", "P:2"]),
    ("|:CD|1 EF:|2 GA|]", ["P:1", "P:1 again", "P:1"]),  # the second ending: new music, same part
    ("|:CD|[1,2 EF:|[3 GA|]", ["P:1", "P:1 again", "P:1 again", "P:1"]),  # each pass is marked
    ("G|:CD|EF:|c|:de|fg:|", ["P:1", "P:1 again", "P:2", "P:2 again"]),  # pickups join their part
    ('"Am"CD|EF|]', ["P:1"]),  # a chord symbol is no music of its own
])
def test_part_marks_say_which_part_plays_and_whether_again(body, marks):
    text = playable.playable_abc(f"X:1\nT:t\nM:4/4\nL:1/4\nK:C\n{body}\n", parts=True)
    assert re.findall(r"^P:.*$", text, re.MULTILINE) == marks
    unmarked = playable.playable_abc(f"X:1\nT:t\nM:4/4\nL:1/4\nK:C\n{body}\n")
    # the marks go on lines of their own and change nothing else
    assert re.sub(r"^P:.*\n", "", text, flags=re.MULTILINE).replace("\n", "") == unmarked.replace("\n", "")


@pytest.mark.parametrize("part, again", [(1, False), (12, True)])
def test_a_part_mark_reads_back(part, again):
    assert playable.read_part_mark(playable.part_mark(part, again)[2:]) == (part, again)


@pytest.mark.parametrize("line", sorted(repeats.BAR_LINES))
def test_the_player_reads_each_bar_line_as_the_checkers_table_says(line):
    """The player splits a bar line as abc2midi's parser does (`||:` is || and :), the
    checker's grammar takes it whole; both read what it stands for from one table."""
    header = playable.tune_header("X:1\nM:4/4\nL:1/8\nK:C\n")
    tokens, _ = playable._music_tokens(f"CD{line}EF", header)
    signs = [playable._sign(token) for token in tokens]
    assert [sign for sign in signs if sign is not None] == list(repeats.BAR_LINES[line])
