"""Novelty: the nearest corpus tune and the longest run of bars copied, through the bar index."""

import pytest

from charrnn.music.report.novelty import COPIED_BARS, BarIndex, Copy

CORPUS = [list("abcdefgh"), list("xyzabxyz"), list("pqrstuvw")]


@pytest.mark.parametrize("bars, expected", [
    (list("abcdq"), Copy(0, 4, 4)),  # the first four bars of tune 0
    (list("zabxy"), Copy(1, 5, 5)),  # five of tune 1; tune 0 shares only "ab"
    (list("hgfe"), Copy(0, 1, 4)),  # the same bars backwards: no run longer than one
    (list("mmmm"), Copy(None, 0, 0)),  # nothing shared
    ([], Copy(None, 0, 0)),
])
def test_the_longest_run_of_bars_and_where_from(bars, expected):
    assert BarIndex(CORPUS).nearest(bars) == expected


def test_ties_go_to_the_tune_sharing_more_bars():
    index = BarIndex([list("abqq"), list("abzzyy")])
    assert index.nearest(list("abyy")) == Copy(1, 2, 4)


def test_the_corpus_against_itself_copies_everything():
    index = BarIndex(CORPUS)
    for number, bars in enumerate(CORPUS):
        copy = index.nearest(bars)
        assert copy == Copy(number, len(bars), len(bars)) and copy.copied


def test_a_tune_left_out_of_the_corpus_is_found_only_in_the_others():
    index = BarIndex(CORPUS)
    assert index.nearest(CORPUS[0], exclude=0) == Copy(1, 2, 2)


@pytest.mark.parametrize("run, copied", [(COPIED_BARS - 1, False), (COPIED_BARS, True)])
def test_copying_counts_from_four_bars(run, copied):
    assert Copy(0, run, run).copied is copied
