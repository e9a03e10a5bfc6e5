"""Are they good tunes? A set of tunes against the corpus a model learned from: each tune's
validity, features, skeleton, nearest corpus tune and verdict (charrnn.music.report.verdict), and
the set's feature distributions beside the corpus's (see distributions). With media, each
tune's MIDI and audio for the page.

The corpus side is the slow part, so it is cached on disk by the corpus's content
(charrnn.disk.cache): its tunes' features (music21, about 7 ms a tune) and skeletons (about
12 ms), and the validity of a fixed random sample of them (abc-check and abc2midi take
about 0.1 s a tune), on which the corpus's own verdicts are given.
"""

import hashlib
import random
from dataclasses import dataclass, field
from pathlib import Path

from charrnn.disk import cache
from charrnn.errors import UserError
from charrnn.music.abc.check import TuneCheck, check_tune
from charrnn.music.report.distributions import Comparison, compare
from charrnn.music.report.features import FEATURES_VERSION, TuneFeatures, tune_features
from charrnn.music.report.novelty import COPIED_BARS, BarIndex, Copy
from charrnn.music.abc.tunes import (corpus_tunes, read_abc_file, refuse_non_abc, split_tunes,
                                     tune_field)
from charrnn.music.report.verdict import Norms, Tally, Verdict, judge, judge_corpus, tally, tune_facts


@dataclass
class TuneReport:
    """One tune: what the checks said, its features, and its nearest corpus tune."""

    name: str  # where it came from: the file's stem, with the tune's place in a file of several
    text: str
    check: TuneCheck
    abc2midi: list[str] | None  # abc2midi's errors (reference.judged); None where it is not installed
    features: TuneFeatures | None
    unreadable: str | None = None  # why there are no features
    copy: Copy | None = None
    nearest_title: str | None = None
    abc2midi_warnings: list[str] = field(default_factory=list)
    skeleton: str | None = None  # "AABB 8+8"; None: no bars under a meter
    verdict: Verdict | None = None
    midi: bytes | None = None
    no_midi: str | None = None  # why there is no MIDI
    audio: tuple[bytes, str] | None = None  # (data, MIME type)
    no_audio: str | None = None

    @property
    def title(self) -> str:
        return tune_field(self.text, "T") or "(untitled)"

    def to_dict(self) -> dict:
        """What the report says of the tune, for scripts (`tune-report --json`)."""
        f = self.features
        read = {} if f is None else {"meter": f.meter, "key": f.key, "bars": f.bars,
                                     "form": f.form, "range": f.pitch_range,
                                     "ends_on_tonic": f.ends_on_tonic}
        copy = None if self.copy is None else {"run": self.copy.run, "nearest": self.nearest_title}
        return {"name": self.name, "title": self.title, "check": self.check.to_dict(),
                "abc2midi": None if self.abc2midi is None else
                {"errors": self.abc2midi, "warnings": self.abc2midi_warnings},
                "features": read or None, "unreadable": self.unreadable,
                "skeleton": self.skeleton, "copy": copy, "verdict": self.verdict.to_dict()}


@dataclass
class CorpusReport:
    """The corpus side: its tunes' features, and the validity of a sample of them."""

    spec: str
    titles: list[str]
    features: list[TuneFeatures | None]  # one per tune; None for a tune music21 cannot read
    checked: int  # tunes of the sample checked for validity
    valid: int
    abc2midi_clean: int | None  # None where abc2midi is not installed
    copied: int  # tunes of the sample copying 4 bars or more from another corpus tune
    index: BarIndex = field(repr=False, default=None)
    skeletons: list[str | None] = field(repr=False, default_factory=list)  # one per tune
    norms: Norms = field(repr=False, default_factory=Norms)
    verdicts: list[Verdict] = field(repr=False, default_factory=list)  # of the sample
    without_errors: int = 0  # tunes of the sample with no error (abc-check), warnings or not

    @property
    def tally(self) -> Tally:
        return tally(self.verdicts)

    @property
    def readable(self) -> list[TuneFeatures]:
        return [features for features in self.features if features is not None]


@dataclass
class Report:
    """Everything the table and the page show."""

    source: str
    tunes: list[TuneReport]
    corpus: CorpusReport | None
    corpus_problem: str | None  # why there is no corpus to compare with
    comparisons: list[Comparison]
    audio_note: str | None = None  # how audio was made, or why there is none

    @property
    def readable(self) -> list[TuneFeatures]:
        return [tune.features for tune in self.tunes if tune.features is not None]

    @property
    def tally(self) -> Tally:
        return tally([tune.verdict for tune in self.tunes])

    def to_dict(self) -> dict:
        """The report for scripts (`tune-report --json`): the tunes, their stage-one tally
        and the features' distances beside the corpus's."""
        corpus = self.corpus
        return {
            "source": self.source,
            "tunes": [tune.to_dict() for tune in self.tunes],
            "stage_one": self.tally.to_dict(),
            "corpus": None if corpus is None else {
                "spec": corpus.spec, "tunes": len(corpus.features), "checked": corpus.checked,
                "valid": corpus.valid, "abc2midi_clean": corpus.abc2midi_clean,
                "copied": corpus.copied, "stage_one": corpus.tally.to_dict()},
            "corpus_problem": self.corpus_problem,
            "features": [{"feature": c.feature.name, "distance": c.distance, "floor": c.floor,
                          "differs": c.differs} for c in self.comparisons]}


# --- the tunes --------------------------------------------------------------------------
def read_tunes(path) -> list[tuple[str, str]]:
    """(name, ABC text) of every tune in an .abc file or a directory of them (what
    `sample --abc --out` writes); none is a UserError."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".abc" and p.is_file())
    elif path.exists():
        files = [path]
    else:
        raise UserError(f"{path} does not exist: give an .abc file or a directory of them")
    tunes = []
    for file in files:
        text = read_abc_file(file)
        refuse_non_abc(text, file)
        found = split_tunes(text)
        tunes += [(file.stem if len(found) == 1 else f"{file.stem} {i}", text)
                  for i, text in enumerate(found, 1)]
    if not tunes:
        raise UserError(f"no tunes in {path}: an ABC tune starts with an X: line")
    return tunes


def report_on_tune(name: str, text: str, corpus: CorpusReport | None,
                   check: TuneCheck | None = None) -> TuneReport:
    """One tune checked (unless its `check` is given), read, looked up in the corpus and
    judged."""
    from charrnn.music.abc import reference
    from charrnn.music.abc.skeleton import skeleton

    judged = reference.judged(text)
    report = TuneReport(name, text, check or check_tune(text), None if judged is None else judged[0],
                        None, abc2midi_warnings=[] if judged is None else judged[1])
    try:
        report.features = tune_features(text)
    except ValueError as error:
        report.unreadable = str(error)
    if corpus is not None and report.features is not None:
        report.copy = corpus.index.nearest(report.features.bar_keys)
        if report.copy.nearest is not None:
            report.nearest_title = corpus.titles[report.copy.nearest]
    found = skeleton(text)
    report.skeleton = found.label if found else None
    facts = tune_facts(report.check, judged, report.features, report.skeleton, report.copy,
                       report.unreadable)
    report.verdict = judge(facts, corpus.norms if corpus else None)
    return report


def add_media(report: TuneReport, audio: bool = True) -> None:
    """The tune's MIDI (charrnn's own, as `charrnn abc2midi` writes it) and its audio."""
    from charrnn.music.play import render
    from charrnn.music.play.midi import checked_midi

    try:
        report.midi = checked_midi(report.text)
    except ValueError as error:
        report.no_midi = report.no_audio = f"music21 cannot play it: {error}"
        return
    if not audio or render.audio_tool() is None:
        return  # the page says once why there is no audio
    try:
        report.audio = render.page_audio(report.midi)
    except UserError as error:
        report.no_audio = str(error)


# --- the corpus -------------------------------------------------------------------------
def corpus_report(spec: str, text: str, checks: int, progress: bool = True,
                  cached_only: bool = False) -> CorpusReport | None:
    """The features and skeletons of the corpus `spec` names, whose text is `text`, and the
    validity and verdicts of `checks` of its tunes (a fixed random sample), from the cache
    where they are there. `cached_only`: None unless the features and skeletons are in the
    cache (the checks are made)."""
    tunes = corpus_tunes(spec, text)
    name = f"tune-report/{hashlib.sha256(''.join(tunes).encode()).hexdigest()[:24]}.json"
    stored = cache.load(name, FEATURES_VERSION) or {}
    if cached_only and not ("features" in stored and "skeletons" in stored):
        return None
    if "features" not in stored or "skeletons" not in stored:
        stored["features"], stored["skeletons"] = _read_all(tunes, progress)
        cache.save(name, FEATURES_VERSION, stored)
    verdicts = stored.setdefault("checks", {})
    sample = sorted(random.Random(0).sample(range(len(tunes)), min(checks, len(tunes))))
    if _check_sample(tunes, sample, verdicts, progress):
        cache.save(name, FEATURES_VERSION, stored)
    return _corpus_from(spec, tunes, stored["features"], stored["skeletons"],
                        {i: verdicts[str(i)] for i in sample})


class CorpusAtHand:
    """The corpus a model learned from (spec), for the verdicts on its sampled tunes: read,
    and cached, when `made` (a page will need it anyway), else taken only where the cache
    holds it, so that a plain `sample --abc` stays quick. `read(spec)` gives the corpus's
    text (charrnn.data.corpus reads it; the report room does not import it)."""

    def __init__(self, spec: str | None, checks: int, made: bool, read):
        self.spec, self.checks, self.made, self.read = spec, checks, made, read
        self._report, self.problem = None, None

    def report(self) -> CorpusReport | None:
        """The CorpusReport, or None (`problem` says why)."""
        if self._report is None and self.problem is None:
            if not self.spec:
                self.problem = "the run does not say what it learned from"
                return None
            try:
                self._report = corpus_report(self.spec, self.read(self.spec), self.checks,
                                             cached_only=not self.made)
            except UserError as error:
                self.problem = (f"the corpus the model learned from, {self.spec}, cannot be read "
                                f"({error})")
            else:
                if self._report is None:
                    self.problem = "its figures are not cached yet: `tune-report` or `--out` makes them"
        return self._report


def _read_all(tunes: list[str], progress: bool) -> tuple[list[dict | None], list[str | None]]:
    """Each tune's features (None where music21 cannot read it) and skeleton's label."""
    from tqdm.auto import tqdm

    from charrnn.music.abc.skeleton import skeleton

    features, skeletons = [], []
    for tune in tqdm(tunes, desc="reading the corpus", unit="tune", disable=_hidden(progress),
                     leave=False, dynamic_ncols=True):
        try:
            features.append(tune_features(tune).to_dict())
        except ValueError:
            features.append(None)
        found = skeleton(tune)
        skeletons.append(found.label if found else None)
    return features, skeletons


def _check_sample(tunes: list[str], sample: list[int], verdicts: dict, progress: bool) -> bool:
    """Check the sampled tunes not checked yet into `verdicts`; whether any were."""
    from tqdm.auto import tqdm

    from charrnn.music.abc import reference

    todo = [i for i in sample if str(i) not in verdicts
            or (verdicts[str(i)]["abc2midi"] is None and reference.installed())]
    for i in tqdm(todo, desc="checking corpus tunes", unit="tune", disable=_hidden(progress and todo),
                  leave=False, dynamic_ncols=True):
        check = check_tune(tunes[i])
        verdicts[str(i)] = {"errors": check.errors, "warnings": check.warnings,
                            "abc2midi": reference.judged(tunes[i])}
    return bool(todo)


def _corpus_from(spec: str, tunes: list[str], features: list[dict | None],
                 skeletons: list[str | None], checks: dict[int, dict]) -> CorpusReport:
    """The CorpusReport of features, skeletons and the checks of the sample (tune index ->
    check): the sample's tunes are looked up in the rest of the corpus, for its own
    novelty, and judged against the rest, for its own verdicts."""
    read = [None if f is None else TuneFeatures.from_dict(f) for f in features]
    index = BarIndex([[] if f is None else f.bar_keys for f in read])
    norms = Norms.of([tune_facts(TuneCheck(), None, f, label) for f, label in zip(read, skeletons)])
    sample = {}
    for i, check in checks.items():
        copy = None if read[i] is None else index.nearest(read[i].bar_keys, exclude=i)
        sample[i] = tune_facts(TuneCheck(check["errors"], check["warnings"]), check["abc2midi"],
                               read[i], skeletons[i], copy, None if read[i] else "music21 cannot read it")
    clean = [check["abc2midi"] for check in checks.values()]
    return CorpusReport(
        spec, [tune_field(tune, "T") or "(untitled)" for tune in tunes], read, len(checks),
        sum(not (c["errors"] or c["warnings"]) for c in checks.values()),
        None if None in clean else sum(judged[0] == [] for judged in clean),
        sum(facts.copied is not None and facts.copied >= COPIED_BARS for facts in sample.values()),
        index, skeletons, norms, judge_corpus(sample, norms),
        sum(not c["errors"] for c in checks.values()))


# --- the report -------------------------------------------------------------------------
def build_report(source: str, tunes: list[tuple[str, str]], corpus: CorpusReport | None,
                 corpus_problem: str | None = None, media: bool = False, audio: bool = True,
                 progress: bool = True, checks: list[TuneCheck] | None = None) -> Report:
    """The report on `tunes` ((name, ABC text) pairs from `source`) against `corpus`
    (None: the tunes alone, `corpus_problem` saying why). `media` adds MIDI, and audio
    unless `audio` is False; `checks`, the tunes' checks where they are already made."""
    from tqdm.auto import tqdm

    reports = []
    for number, (name, text) in enumerate(tqdm(tunes, desc="tunes", unit="tune",
                                               disable=_hidden(progress), leave=False,
                                               dynamic_ncols=True)):
        reports.append(report_on_tune(name, text, corpus, checks[number] if checks else None))
        if media:
            add_media(reports[-1], audio)
    readable = [tune.features for tune in reports if tune.features is not None]
    comparisons = compare(readable, corpus.readable if corpus else None)
    note = (audio_note() if audio else "Audio left out (--no-audio).") if media else None
    return Report(source, reports, corpus, corpus_problem, comparisons, note)


def _hidden(progress) -> bool | None:
    """tqdm's `disable` for a progress bar: shown on a terminal when `progress`, else not."""
    return None if progress else True


def audio_note() -> str:
    """How the page's audio is made, or why it has none."""
    from charrnn.music.play import render

    tool = render.audio_tool(small=True)
    if tool is None:
        return ("No audio: playing the tunes here needs fluidsynth and a General MIDI soundfont "
                "(apt-get install fluidsynth timgm6mb-soundfont) or timidity; the MIDI files "
                "download all the same.")
    made_by = f"fluidsynth with {Path(tool[-2]).name}" if tool[0] == "fluidsynth" else "timidity"
    return f"Audio rendered from charrnn's MIDI by {made_by} at {render.PAGE_AUDIO_RATE:,} Hz."
