"""Splitting ABC files into tunes, normalising them, joining them into training text."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from charrnn.errors import UserError
from charrnn.music.abc.tunes import SNIFF_CHARS, TUNE_END, corpus_from_abc, join_tunes, normalise_tune, read_abc_file, refuse_non_abc, split_tunes, tune_field

JIG = "X:3\nT:The Kerry Cobbler\nM:6/8\nL:1/8\nK:D\nA|d>ed fga|g>af ecA:|\n"
REEL = "X:4\nT:Ríl Mhór\nM:C|\nK:G\nBGGB AG G2|\n"


@pytest.mark.parametrize("text", ["", "\n\n", "no tunes here\nat all\n", "%abc-2.1\nT:x\n"])
def test_split_finds_no_tune_without_an_x_line(text):
    assert split_tunes(text) == []


def test_split_one_tune_without_final_newline():
    assert split_tunes("X:1") == ["X:1"]
    assert split_tunes(JIG.rstrip("\n")) == [JIG.rstrip("\n")]


def test_split_skips_the_file_header_and_splits_on_x_not_blank_lines():
    text = "%abc-2.1\nA file header\n\n" + JIG + REEL
    assert split_tunes(text) == [JIG, REEL]


def test_split_leaves_out_free_text_after_a_blank_line():
    text = JIG + "\n:1646\n\nSome notes on the tune.\n\n" + REEL + "\nthe end"
    assert split_tunes(text) == [JIG, REEL]


def test_split_keeps_music_that_carries_on_after_a_blank_line():
    more = "d>ed fga|g>af ecA|\n"
    text = JIG + "\n" + more + "\n% a closing comment\n" + REEL
    assert split_tunes(text) == [JIG + "\n" + more, REEL]


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_split_handles_crlf_and_cr_line_ends(newline):
    text = (JIG + "\n" + REEL).replace("\n", newline)
    assert split_tunes(text) == [JIG.replace("\n", newline), REEL.replace("\n", newline)]


def test_split_only_on_x_at_the_start_of_a_line():
    tune = "X:1\nT:Not X: a split\nK:G\nab|\n"
    assert split_tunes(tune + " X:2\n") == [tune + " X:2\n"]


def test_split_does_not_break_lines_on_latin1_control_characters():
    tune = "X:1\nT:Caf\x85\x0c\nK:G\nab|\n"
    assert split_tunes(tune) == [tune]


# The property test: random files built from a header, tunes and free text between them.
_line_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=12)
_music_line = _line_text.map(lambda s: s + "|").filter(lambda s: not s.startswith("X:"))
_tune = st.builds(
    lambda number, lines: f"X:{number}\n" + "".join(line + "\n" for line in lines),
    st.integers(0, 999), st.lists(_music_line.filter(str.strip), max_size=4),
)
_free_text = _line_text.filter(lambda s: "|" not in s and not s.startswith("X:"))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(_free_text, max_size=3),
    st.lists(st.tuples(_tune, st.lists(_free_text, max_size=2)), max_size=4),
)
def test_split_never_loses_or_duplicates_a_character_of_the_tunes(header, parts):
    text = "\n".join(header) + "\n\n" if header else ""
    tunes = []
    for tune, free in parts:
        tunes.append(tune)
        text += tune + "".join("\n" + line for line in free) + "\n"
    assert split_tunes(text) == tunes
    assert "".join(split_tunes(text)) == "".join(tunes)


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from("X:|\n\r ab")))
def test_split_pieces_are_slices_of_the_text_in_order(text):
    position = 0
    for piece in split_tunes(text):
        found = text.find(piece, position)
        assert found >= position and piece.startswith("X:")
        position = found + len(piece)


@pytest.mark.parametrize("raw, expected", [
    ("", ""),
    ("X:17\nT:a  \nK:G\nab|\n", "X:1\nT:a\nK:G\nab|\n"),
    ("X: 5\r\nT:a\r\n\r\nK:G\r\nab|  \r\n\r\n\r\n", "X:1\nT:a\nK:G\nab|\n"),
    ("X:2\rT:Ríl\rK:G\rab|", "X:1\nT:Ríl\nK:G\nab|\n"),
    ("T:no x line\nK:G\n", "T:no x line\nK:G\n"),
    # layout no player reads: comments and %% directives, I: instructions, blanks beyond
    # one and at a line's ends, backquotes
    ("X:1\nT:The  Boys\nI::: ::\n%Q:100\nK:G % key\n  |: A`B  cd\te2 |\n", "X:1\nT:The Boys\nK:G\n|: AB cd e2 |\n"),
    ("X:1\nT:a\nK:G\n%%MIDI program 1\nab 50\\% c|\n", "X:1\nT:a\nK:G\nab 50\\% c|\n"),
])
def test_normalise_tune(raw, expected):
    assert normalise_tune(raw) == expected


def test_normalise_is_idempotent():
    once = normalise_tune(REEL + "\n\n")
    assert normalise_tune(once) == once


def test_join_puts_one_blank_line_after_each_tune():
    tunes = [normalise_tune(JIG), normalise_tune(REEL)]
    text = join_tunes(tunes)
    assert text == tunes[0] + "\n" + tunes[1] + "\n"
    assert text.endswith(TUNE_END) and text.count(TUNE_END) == 2
    assert join_tunes([]) == ""


def test_corpus_from_abc_round_trips_through_split():
    text = "%abc\n\n" + JIG.replace("\n", "\r\n") + "\nfree text\n\n" + REEL
    corpus = corpus_from_abc(text)
    assert [normalise_tune(t) for t in split_tunes(corpus)] == [
        normalise_tune(JIG), normalise_tune(REEL)]
    assert corpus_from_abc(corpus) == corpus
    assert "free text" not in corpus and "\r" not in corpus


@pytest.mark.parametrize("name, expected", [
    ("T", "The Kerry Cobbler"), ("M", "6/8"), ("K", "D"), ("X", "3"), ("Q", None),
])
def test_tune_field(name, expected):
    assert tune_field(JIG, name) == expected


def test_tune_field_reads_only_the_header():
    tune = "X:1\nT:First\nT:Subtitle\nK:G\nT:Part B\nQ:1/4=120\nab|\n"
    assert tune_field(tune, "T") == "First"
    assert tune_field(tune, "Q") is None


@pytest.mark.parametrize("data, text", [
    ("X:1\nT:Ríl\n".encode("utf-8"), "X:1\nT:Ríl\n"),
    ("X:1\nT:Ríl\n".encode("latin-1"), "X:1\nT:Ríl\n"),
    (b"\xef\xbb\xbfX:1\n", "X:1\n"),
])
def test_read_abc_file_decodes_utf8_or_latin1(tmp_path, data, text):
    path = tmp_path / "tunes.abc"
    path.write_bytes(data)
    assert read_abc_file(path) == text


def test_normalise_drops_bibliographic_header_fields_only():
    tune = "X:7\nT: A Reel\nB: O'Neill's 7\nZ:someone\nR:reel\nM:4/4\nL:1/8\nK:D\nN:not a header\n|:ABcd efga:|\n"
    assert normalise_tune(tune) == "X:1\nT:A Reel\nR:reel\nM:4/4\nL:1/8\nK:D\nN:not a header\n|:ABcd efga:|\n"


LONG_TUNE = "X:1\nT:Reel\nM:4/4\nL:1/8\nK:D\n" + "ABcd efge|ABcd efge|\n" * 5000


@pytest.mark.parametrize("text", [
    LONG_TUNE, "% a long preamble\n" * 2000 + LONG_TUNE, "X:1\nT:a stray \x01\nM:4/4\nK:D\n" + "ABcd efge|" * 8 + "\n",
    "just a little text, left to the reader\n",
])
def test_refuse_non_abc_passes_abc_and_short_text(text):
    refuse_non_abc(text, "f.abc")


@pytest.mark.parametrize("text, message", [
    ("X:1\n" + "\x00\x01\x02abc" * 100, "binary"),
    ("X:1\nT:prose\n" + "words and more words\n" * (SNIFF_CHARS // 20), "no tune header"),
    ("text\n" * (SNIFF_CHARS // 5) + LONG_TUNE, "no tune header"),  # the header past 64 KB
])
def test_refuse_non_abc_refuses_what_is_mostly_not_abc(text, message):
    with pytest.raises(UserError, match=message):
        refuse_non_abc(text, "f.abc")
