"""The tune report in words: the rows of the tables that `charrnn tune-report` prints and
the page shows, and the notes that say how to read them. One place for both, so the
terminal and the page never disagree.
"""

from charrnn.music.report.distributions import Comparison
from charrnn.music.report.novelty import COPIED_BARS
from charrnn.music.report.report import Report, TuneReport
from charrnn.music.report.verdict import RULES, RULE_TITLES

SET_HEADER = ["feature", "tunes", "corpus", "distance", "corpus vs itself", ""]
TUNE_HEADER = ["tune", "title", "valid", "meter", "key", "bars", "skeleton", "range", "ends",
               "copies most from", "stage one"]


def share(count: int, total: int) -> str:
    return f"{count} of {total} ({count / total:.0%})" if total else "-"


def set_rows(report: Report) -> list[list[str]]:
    """The set against the corpus: validity, each feature and novelty, a row each."""
    features = [_feature_row(comparison) for comparison in report.comparisons]
    return _validity_rows(report) + _verdict_rows(report) + features + [_novelty_row(report)]


def _validity_rows(report: Report) -> list[list[str]]:
    tunes, corpus = report.tunes, report.corpus
    rows = [["abc-check: valid", share(sum(t.check.ok for t in tunes), len(tunes)),
             share(corpus.valid, corpus.checked) if corpus else "", "", "", ""],
            ["abc-check: no errors", share(sum(t.check.plays for t in tunes), len(tunes)),
             share(corpus.without_errors, corpus.checked) if corpus else "", "", "", ""]]
    if all(t.abc2midi is not None for t in tunes):
        known = corpus is not None and corpus.abc2midi_clean is not None
        clean = share(corpus.abc2midi_clean, corpus.checked) if known else ""
        rows.append(["abc2midi: no errors", share(sum(t.abc2midi == [] for t in tunes), len(tunes)),
                     clean, "", "", ""])
    read = len(report.readable)
    if read < len(tunes):
        rows.append(["music21 reads them", share(read, len(tunes)), "", "", "", ""])
    return rows


def _verdict_rows(report: Report) -> list[list[str]]:
    """Stage one's pass share, and the share failing each rule, beside the corpus's own."""
    mine = report.tally
    theirs = report.corpus.tally if report.corpus else None
    rows = [["stage one: pass", share(mine.passed, mine.tunes),
             share(theirs.passed, theirs.tunes) if theirs else "", "", "", ""]]
    for rule in RULES:
        if mine.fails[rule] or (theirs and theirs.fails[rule]):
            rows.append([f"  fails: {RULE_TITLES[rule]}", share(mine.fails[rule], mine.tunes),
                         share(theirs.fails[rule], theirs.tunes) if theirs else "", "", "", ""])
    return rows


def _feature_row(comparison: Comparison) -> list[str]:
    distance = "" if comparison.distance is None else f"{comparison.distance:.2f}"
    floor = "" if comparison.floor is None else f"{comparison.floor:.2f}"
    verdict = {True: "differs", False: "", None: ""}[comparison.differs]
    return [comparison.feature.title, describe(comparison, comparison.tunes, 0),
            "" if comparison.corpus is None else describe(comparison, comparison.corpus, 1),
            distance, floor, verdict]


def describe(comparison: Comparison, shares: dict, side: int) -> str:
    """A distribution in a few words: the two commonest categories, a share of yes, or a median."""
    feature = comparison.feature
    if not shares:
        return "-"
    if feature.kind == "yes/no":
        return f"{shares.get('yes', 0.0):.0%}"
    if feature.kind == "number":
        return f"median {comparison.medians[side]:g}"
    top = sorted(shares, key=lambda key: -shares[key])[:2]
    return ", ".join(f"{feature.label(key)} {shares[key]:.0%}" for key in top)


def _novelty_row(report: Report) -> list[str]:
    read = [t for t in report.tunes if t.copy is not None]
    corpus = report.corpus
    copied = share(sum(tune.copy.copied for tune in read), len(read))
    own = share(corpus.copied, corpus.checked) + " from another" if corpus else ""
    return [f"copies {COPIED_BARS}+ bars in a row", copied, own, "", "", ""]


def tune_rows(report: Report) -> list[list[str]]:
    return [_tune_row(tune) for tune in report.tunes]


def _tune_row(tune: TuneReport) -> list[str]:
    f = tune.features
    skeleton = tune.skeleton or "-"
    if f is None:
        return [tune.name, tune.title[:28], validity(tune), "-", "-", "-", skeleton, "-", "-", "",
                tune.verdict.summary()]
    return [tune.name, tune.title[:28], validity(tune), f.meter or "free", f.key or "none",
            str(f.bars or "-"), skeleton, str(f.pitch_range), _ends(f.ends_on_tonic),
            copy_text(tune), tune.verdict.summary()]


def validity(tune: TuneReport) -> str:
    """`OK`, or how many errors and warnings abc-check found: `1 error, 2 warnings`."""
    if tune.check.ok:
        return "OK"
    counts = [(len(tune.check.errors), "error"), (len(tune.check.warnings), "warning")]
    return ", ".join(f"{n} {what}{'s' if n > 1 else ''}" for n, what in counts if n)


def _ends(on_tonic: bool | None) -> str:
    return {True: "tonic", False: "off", None: "-"}[on_tonic]


def copy_text(tune: TuneReport, width: int = 24) -> str:
    """`7 bars of "The Kesh"`: the longest run copied and where from."""
    if tune.copy is None:
        return ""
    if tune.copy.nearest is None:
        return "nothing"
    bars = "1 bar" if tune.copy.run == 1 else f"{tune.copy.run} bars"
    return f'{bars} of "{tune.nearest_title[:width]}"'


def tune_facts(tune: TuneReport) -> list[str]:
    """What the page says of a tune beside its sheet music, in short phrases."""
    f = tune.features
    if f is None:
        return [tune.unreadable]
    facts = [f.meter or "free meter", f.key or "no key", f"{f.bars} bars" if f.bars else "",
             f"skeleton {tune.skeleton}" if tune.skeleton else f"form {f.form}",
             "pickup" if f.anacrusis else "", f"range {f.pitch_range} semitones",
             {True: "ends on the tonic", False: "ends off the tonic", None: ""}[f.ends_on_tonic],
             {True: "B part higher", False: "B part lower", None: ""}[f.b_higher]]
    if tune.copy is not None:
        facts.append("shares no bar with the corpus" if tune.copy.nearest is None
                     else f"copies at most {copy_text(tune, 60)}")
    return [fact for fact in facts if fact]


def check_lines(tune: TuneReport) -> list[str]:
    """What the checks said of a tune: abc-check's errors and warnings, then abc2midi's."""
    check = tune.check
    lines = ["abc-check: OK"] if check.ok else \
        [f"abc-check error: {p}" for p in check.errors] + [f"abc-check warning: {p}" for p in check.warnings]
    if tune.abc2midi is not None:
        lines += [f"abc2midi error: {e}" for e in tune.abc2midi] or ["abc2midi: no errors"]
    return lines


def tune_problems(tune: TuneReport) -> list[str]:
    """A tune's errors and warnings, and the stage-one rules it fails beyond them."""
    check = tune.check
    said = [f"error: {p}" for p in check.errors] + [f"warning: {p}" for p in check.warnings]
    said += [f"abc2midi error: {e}" for e in tune.abc2midi or []]
    return said + [f"{o.rule}: {o.reason}" for o in tune.verdict.failures
                   if o.rule not in ("plays", "bars") or not said]


def verdict_lines(tune: TuneReport) -> list[str]:
    """The stage-one verdict in words: each failed rule with its reason, then the rules that
    could not be judged and why."""
    verdict = tune.verdict
    head = {True: "passes stage one", False: "fails stage one",
            None: "passes the rules judged"}[verdict.passed]
    return [head] + [f"{RULE_TITLES[o.rule]}? No: {o.reason}" for o in verdict.failures] + \
        [f"{RULE_TITLES[o.rule]}? Not judged: {o.reason}" for o in verdict.unjudged]


def pass_line(report: Report) -> str:
    """`3 of 10 tunes pass stage one; the corpus's own tunes: 61 of 100 (61%).`, with what
    could not be judged."""
    mine = report.tally
    line = f"{mine.passed} of {mine.tunes} tunes pass stage one"
    if report.corpus is not None:
        line += f"; the corpus's own tunes: {share(report.corpus.tally.passed, report.corpus.tally.tunes)}"
    if mine.unjudged:
        line += "; not judged: " + "; ".join(f"{RULE_TITLES[r]} ({why})" for r, why in mine.unjudged.items())
    return line + "."


def notes(report: Report) -> list[str]:
    """How to read the tables: what was compared with what, and what is missing."""
    lines = []
    if report.corpus is None:
        lines.append(f"No corpus comparison: {report.corpus_problem}")
    else:
        corpus = report.corpus
        lines.append(
            f"Corpus {corpus.spec}: {len(corpus.features):,} tunes; validity and its own copying "
            f"from {corpus.checked} of them (a fixed random sample), every other figure from all.")
        lines.append(
            "distance: total variation between the tunes' distribution and the corpus's "
            "(0 the same, 1 nothing in common). corpus vs itself: the median distance between "
            f"{min(len(report.readable), len(corpus.readable) // 2)} corpus tunes drawn at random "
            "and the rest of the corpus, the distance to expect by chance; "
            "differs: above 95% of those draws.")
    lines.append(
        "stage one: the first-stage rules of the 2022 AI Music Generation Challenge: "
        + ", ".join(RULE_TITLES.values()) + (f"; corpus tunes judged against the rest of the corpus, "
                                       f"on the same {report.corpus.checked}" if report.corpus else "")
        + ". abc-check: an error stops a player (abc2midi plays other notes or lengths, or none), "
        "a warning does not (it plays, perhaps not as written).")
    if not any(t.abc2midi is not None for t in report.tunes):
        lines.append("abc2midi is not installed: its checks are left out, and no tune is judged "
                     "to play (apt-get install abcmidi).")
    if report.audio_note:
        lines.append(report.audio_note)
    return lines
