"""The tune report in words: the rows of the tables that `charrnn tune-report` prints and
the page shows, and the notes that say how to read them. One place for both, so the
terminal and the page never disagree.
"""

from charrnn.music.report.distributions import Comparison
from charrnn.music.report.novelty import COPIED_BARS
from charrnn.music.report.report import Report, TuneReport

SET_HEADER = ["feature", "tunes", "corpus", "distance", "corpus vs itself", ""]
TUNE_HEADER = ["tune", "title", "valid", "meter", "key", "bars", "form", "range", "ends",
               "copies most from"]


def share(count: int, total: int) -> str:
    return f"{count} of {total} ({count / total:.0%})" if total else "-"


def set_rows(report: Report) -> list[list[str]]:
    """The set against the corpus: validity, each feature and novelty, a row each."""
    features = [_feature_row(comparison) for comparison in report.comparisons]
    return _validity_rows(report) + features + [_novelty_row(report)]


def _validity_rows(report: Report) -> list[list[str]]:
    tunes, corpus = report.tunes, report.corpus
    rows = [["abc-check: valid", share(sum(t.check.ok for t in tunes), len(tunes)),
             share(corpus.valid, corpus.checked) if corpus else "", "", "", ""]]
    if all(t.abc2midi is not None for t in tunes):
        known = corpus is not None and corpus.abc2midi_clean is not None
        clean = share(corpus.abc2midi_clean, corpus.checked) if known else ""
        rows.append(["abc2midi: no errors", share(sum(t.abc2midi == [] for t in tunes), len(tunes)),
                     clean, "", "", ""])
    read = len(report.readable)
    if read < len(tunes):
        rows.append(["music21 reads them", share(read, len(tunes)), "", "", "", ""])
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
    count = len(tune.check.problems)
    valid = "OK" if tune.check.ok else f"{count} problem{'s' if count > 1 else ''}"
    f = tune.features
    if f is None:
        return [tune.name, tune.title[:28], valid] + ["-"] * 6 + [""]
    return [tune.name, tune.title[:28], valid, f.meter or "free", f.key or "none",
            str(f.bars or "-"), f.form, str(f.pitch_range), _ends(f.ends_on_tonic), copy_text(tune)]


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
             f"form {f.form}", "pickup" if f.anacrusis else "", f"range {f.pitch_range} semitones",
             {True: "ends on the tonic", False: "ends off the tonic", None: ""}[f.ends_on_tonic],
             {True: "B part higher", False: "B part lower", None: ""}[f.b_higher]]
    if tune.copy is not None:
        facts.append("shares no bar with the corpus" if tune.copy.nearest is None
                     else f"copies at most {copy_text(tune, 60)}")
    return [fact for fact in facts if fact]


def check_lines(tune: TuneReport) -> list[str]:
    """What the checks said of a tune: abc-check's problems, then abc2midi's errors."""
    lines = ["abc-check: OK"] if tune.check.ok else [f"abc-check: {p}" for p in tune.check.problems]
    if tune.abc2midi is not None:
        lines += [f"abc2midi: {e}" for e in tune.abc2midi] or ["abc2midi: no errors"]
    return lines


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
    if not any(t.abc2midi is not None for t in report.tunes):
        lines.append("abc2midi is not installed: its checks are left out (apt-get install abcmidi).")
    if report.audio_note:
        lines.append(report.audio_note)
    return lines
