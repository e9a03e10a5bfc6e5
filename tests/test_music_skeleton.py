"""A written tune's skeleton (parts, bars per part, endings, pickup), on hand-written tunes
whose answers are known, and the skeletons of a small hand-written corpus."""

from collections import Counter

import pytest

from charrnn.music.abc.skeleton import Skeleton, corpus_skeletons, skeleton, tune_kind

BAR = "CDEF GABc"  # one full bar of 4/4 at L:1/8


def tune(body: str, meter: str = "4/4", rhythm: str = "") -> str:
    head = f"R:{rhythm}\n" if rhythm else ""
    return f"X:1\nT:Known\nM:{meter}\nL:1/8\n{head}K:C\n{body}\n"


def bars(count: int, last: str = BAR) -> str:
    return " | ".join([BAR] * (count - 1) + [last])


AABB_PICKUP = f"G |: {bars(8, 'CDEF G3')} :|\nG |: {bars(8, 'CDEF G3')} :|"
AABB_ENDINGS = f"|: {bars(7)} |1 {BAR} :|2 {BAR} ||\n|: {bars(7)} |1 {BAR} :|2 {BAR} |]"


@pytest.mark.parametrize("body, label, endings, pickup", [
    (AABB_PICKUP, "AABB 8+8", (False, False), True),  # the closing short bar counts, the pickup not
    (AABB_ENDINGS, "AABB 8+8", (True, True), False),  # one pass: the body and its first ending
    (f"{bars(8)} || {bars(8)} || {bars(8)} |]", "ABC 8+8+8", (False,) * 3, False),
    (f"{bars(32)} |]", "A 32", (False,), False),
    (f"|: {bars(4)} :| {bars(8)} |]", "AAB 4+8", (False, False), False),  # a reel as O'Neill writes it
    (f"{bars(8)} :: {bars(8)} :: {bars(8)} :|", "AABBCC 8+8+8", (False,) * 3, False),
    (f"{bars(8)} || {bars(8)} :|", "ABAB 8+8", (False, False), False),  # abc2midi repeats from the start
    (f"|: {bars(8)} :| G2 | {bars(8)} |]", "AAB 8+8", (False, False), False),  # B's pickup left out
])
def test_skeleton_of_a_written_tune(body, label, endings, pickup):
    found = skeleton(tune(body))
    assert (found.label, found.endings, found.pickup) == (label, endings, pickup)


def test_parts_and_bars_are_the_fields_the_label_shows():
    found = skeleton(tune(AABB_PICKUP))
    assert (found.parts, found.bars) == (("A", "A", "B", "B"), (8, 8))


def test_a_tune_under_free_meter_has_no_skeleton():
    assert skeleton(tune(bars(4), meter="none")) is None


def test_a_skeleton_round_trips_through_a_dict():
    found = skeleton(tune(AABB_ENDINGS))
    assert Skeleton.from_dict(found.to_dict()) == found


def test_corpus_skeletons_are_counted_per_meter_and_rhythm():
    jig_bar = "GAB cBA"
    jig = f"|: {' | '.join([jig_bar] * 8)} :|\n|: {' | '.join([jig_bar] * 8)} :|"
    corpus = [tune(jig, "6/8", "Jig"), tune(jig, "6/8", "jig"), tune(jig, "6/8"),
              tune(f"{bars(8)} || {bars(8)} |]", rhythm="Reel"), tune(bars(4), meter="none")]
    table = corpus_skeletons(corpus)
    labels = {kind: Counter({s.label: n for s, n in counts.items()}) for kind, counts in table.items()}
    assert labels == {("6/8", "jig"): Counter({"AABB 8+8": 2}), ("6/8", ""): Counter({"AABB 8+8": 1}),
                      ("4/4", "reel"): Counter({"AB 8+8": 1})}


def test_tune_kind_reads_meter_and_rhythm_from_the_header():
    assert tune_kind(tune(BAR, "C|", " Hornpipe ")) == ("C|", "hornpipe")
