"""The stage-one verdict: hand-written tunes against a hand-written corpus, one tune failing
each rule for its reason and one passing them all; the corpus's own tunes judged against
the rest of it; and a rule that cannot be judged said to be so."""

import shutil

import pytest

from charrnn.music.abc import reference
from charrnn.music.report import report, verdict
from charrnn.music.report.verdict import RULES, Facts, Norms, judge, tally

HEAD = "X:1\nT:{title}\nM:4/4\nL:1/8\nK:D\n"
# Four reels in D, each AABB of 4-bar parts ending on the tonic, between D4 and B5.
CORPUS_TUNES = [
    "|:DFAF dAFA|B2cB A2FA|DFAF dAFA|BAGF D4:|\n|:fefg afdf|g2fg e2cA|fefg afdf|gfec d4:|",
    "|:A2FA DAFA|G2BG EGBG|A2FA DAFA|GBAG F2D2:|\n|:d2fd Adfd|e2ge cege|d2fd Adfd|edcB A2D2:|",
    "|:FAdA FAdA|GBdB GBdB|FAdA FAdA|EFGA D4:|\n|:dcBA Bcde|fedc d2A2|dcBA Bcde|fedc d4:|",
    "|:D2ED FEDF|A2BA FAdA|D2ED FEDF|EDCE D4:|\n|:a2fa gfed|b2gb agfe|a2fa gfed|cdec d4:|",
]
# A tune of its own that passes every rule, and one failing each rule, changed from it.
OWN = "|:DEFG AFDF|G2BG F2AF|DEFG AFDF|GFEC D4:|\n|:fgaf gefd|edcB A2GF|fgaf gefd|edcA d4:|"
FAILING = {
    "plays": (OWN.replace("G2BG", "G2-A2"), "a tie (-) to a different note"),
    "bars": (OWN.replace("AFDF|G2BG", "AFDFA|G2BG"), "bar 1 has 9/8 in 4/4"),
    "skeleton": (OWN.replace(":|\n|:", "||\n").replace("|:", "").replace("d4:|", "d4|]"),
                 "no corpus tune is AB 4+4"),
    "ending": (OWN[:-4] + "e4:|", "ends on degree 2, as none of the corpus's 4 major tunes do"),
    "range": (OWN.replace("DEFG AFDF|G2BG", "A,EFG AFDF|G2BG", 1), "notes A3 to A5, the corpus's C#4 to B5"),
    "copy": (CORPUS_TUNES[0].split("\n")[0] + "\n" + OWN.split("\n")[1],
             "copies 4 bars in a row from a corpus tune"),
}
needs_abc2midi = pytest.mark.skipif(shutil.which("abc2midi") is None, reason="abc2midi is not installed")


def tune(body: str, title: str = "Test") -> str:
    return HEAD.format(title=title) + body + "\n"


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.abc"
    path.write_text("\n".join(tune(body, f"Reel {n}") for n, body in enumerate(CORPUS_TUNES, 1)),
                    encoding="utf-8")
    return report.corpus_report(str(path), path.read_text(encoding="utf-8"), checks=len(CORPUS_TUNES), progress=False)


@needs_abc2midi
def test_a_tune_of_its_own_passes_every_rule(corpus):
    judged = report.report_on_tune("own", tune(OWN), corpus)
    assert judged.skeleton == "AABB 4+4"
    assert [(o.rule, o.passed) for o in judged.verdict.outcomes] == [(rule, True) for rule in RULES]
    assert judged.verdict.passed is True and judged.verdict.summary() == "pass"


@needs_abc2midi
@pytest.mark.parametrize("rule", list(FAILING))
def test_each_rule_fails_its_tune_for_its_reason_alone(corpus, rule):
    body, reason = FAILING[rule]
    judged = report.report_on_tune(rule, tune(body), corpus).verdict
    assert [o.rule for o in judged.failures] == [rule], judged.failures
    assert judged.outcome(rule).reason.startswith(reason), judged.outcome(rule).reason
    assert judged.passed is False and judged.summary() == f"fail: {rule}"


def test_a_misfit_bar_is_a_warning_that_fails_stage_one(corpus):
    judged = report.report_on_tune("bars", tune(FAILING["bars"][0]), corpus)
    assert judged.check.plays and judged.check.errors == []
    assert judged.verdict.outcome("bars").passed is False


def test_without_abc2midi_the_plays_rule_is_not_judged_unless_the_grammar_finds_an_error(
        corpus, monkeypatch):
    monkeypatch.setattr(reference, "installed", lambda: False)
    own = report.report_on_tune("own", tune(OWN), corpus).verdict
    assert own.outcome("plays").passed is None and own.passed is None
    assert "abc2midi is not installed" in own.outcome("plays").reason
    assert own.summary() == "pass?"
    tied = report.report_on_tune("tied", tune(FAILING["plays"][0]), corpus).verdict
    assert tied.outcome("plays").passed is False
    counted = tally([own, tied])
    assert (counted.passed, counted.failed, counted.open) == (0, 1, 1)
    assert "not judged: plays in abc2midi without an error (abc2midi is not installed" in counted.phrase()


def test_without_a_corpus_the_corpus_rules_are_not_judged():
    judged = report.report_on_tune("own", tune(OWN), None).verdict
    unjudged = {o.rule: o.reason for o in judged.unjudged}
    assert set(unjudged) >= {"skeleton", "ending", "range", "copy"}
    assert set(unjudged.values()) - {"no corpus to compare with"} <= {
        "abc2midi is not installed (apt-get install abcmidi)"}


@needs_abc2midi
def test_the_corpus_is_judged_tune_by_tune_against_the_rest(tmp_path):
    """Each corpus tune against the other three: an odd one out fails where it is alone."""
    odd = CORPUS_TUNES[0][:-4] + "e4:|"  # the only tune ending off the tonic
    path = tmp_path / "corpus.abc"
    path.write_text("\n".join(tune(body, f"Reel {n}") for n, body in
                              enumerate([odd] + CORPUS_TUNES[1:], 1)), encoding="utf-8")
    side = report.corpus_report(str(path), path.read_text(encoding="utf-8"), checks=4, progress=False)
    # the fourth reel is alone in reaching B5, so against the rest it leaves their range
    assert [v.summary() for v in side.verdicts] == ["fail: ending", "pass", "pass", "fail: range"]
    assert side.tally.phrase() == \
        "2 pass (2 fail: 1 end as the corpus does not, 1 leave the corpus's range)"


def test_ending_needs_a_share_of_the_corpus_in_the_mode():
    norms = Norms.of([Facts([], [], [], "AABB 8+8", "major", 0 if n < 97 else 7, 62, 83)
                      for n in range(100)])
    rare = Facts([], [], [], "AABB 8+8", "major", 7, 62, 83)  # on the fifth, as 3 of 100 end
    assert verdict.ends_as_corpus(rare, norms).passed is True
    against_the_rest = verdict.ends_as_corpus(rare, norms.without(rare))  # 2 of 99
    assert (against_the_rest.passed, against_the_rest.reason) == \
        (False, "ends on degree 5, as 2% of the corpus's 99 major tunes do")
    dorian = Facts([], [], [], "AABB 8+8", "dorian", 0, 62, 83)
    assert verdict.ends_as_corpus(dorian, norms).reason == "no corpus tune is in dorian"


def test_the_verdict_travels_as_json(corpus):
    judged = judge(Facts(["a tie (-) to a different note"], [], [], "AABB 4+4", "major", 0, 62, 83,
                         0), corpus.norms)
    data = judged.to_dict()
    assert data["passed"] is False
    assert data["outcomes"][0] == {"rule": "plays", "passed": False,
                                   "reason": "a tie (-) to a different note"}
