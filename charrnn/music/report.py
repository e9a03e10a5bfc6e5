"""Are they good tunes? A set of tunes against the corpus a model learned from: each tune's
validity, features and nearest corpus tune, and the set's feature distributions beside the
corpus's (see distributions). With media, each tune's MIDI and audio for the page.

The corpus side is the slow part, so it is cached on disk by the corpus's content
(charrnn.cache): its tunes' features (music21, about 7 ms a tune) and the validity of a
fixed random sample of them (abc-check takes about 0.1 s a tune).
"""

import hashlib
import random
from dataclasses import dataclass, field
from pathlib import Path

from charrnn import cache
from charrnn.errors import UserError
from charrnn.music.check import TuneCheck, check_tune
from charrnn.music.distributions import Comparison, compare
from charrnn.music.features import FEATURES_VERSION, TuneFeatures, tune_features
from charrnn.music.novelty import BarIndex, Copy
from charrnn.music.tunes import read_abc_file, refuse_non_abc, split_tunes, tune_field


@dataclass
class TuneReport:
    """One tune: what the checks said, its features, and its nearest corpus tune."""

    name: str  # where it came from: the file's stem, with the tune's place in a file of several
    text: str
    check: TuneCheck
    abc2midi: list[str] | None  # abc2midi's Error lines; None where it is not installed
    features: TuneFeatures | None
    unreadable: str | None = None  # why there are no features
    copy: Copy | None = None
    nearest_title: str | None = None
    midi: bytes | None = None
    no_midi: str | None = None  # why there is no MIDI
    audio: tuple[bytes, str] | None = None  # (data, MIME type)
    no_audio: str | None = None

    @property
    def title(self) -> str:
        return tune_field(self.text, "T") or "(untitled)"


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


def report_on_tune(name: str, text: str, corpus: CorpusReport | None) -> TuneReport:
    """One tune checked, read and looked up in the corpus."""
    from charrnn.music import reference

    report = TuneReport(name, text, check_tune(text), reference.errors(text), None)
    try:
        report.features = tune_features(text)
    except ValueError as error:
        report.unreadable = str(error)
    if corpus is not None and report.features is not None:
        report.copy = corpus.index.nearest(report.features.bar_keys)
        if report.copy.nearest is not None:
            report.nearest_title = corpus.titles[report.copy.nearest]
    return report


def add_media(report: TuneReport, audio: bool = True) -> None:
    """The tune's MIDI (charrnn's own, as `charrnn abc2midi` writes it) and its audio."""
    from charrnn.music import render
    from charrnn.music.midi import checked_midi

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
def corpus_tunes(spec: str) -> list[str]:
    """The tunes of a corpus as `train` reads it (charrnn.corpus), or a UserError."""
    from charrnn.corpus import load_text

    tunes = split_tunes(load_text(spec))
    if not tunes:
        raise UserError(f"corpus {spec} holds no ABC tunes (no line starts with X:)")
    return tunes


def corpus_report(spec: str, checks: int, progress: bool = True) -> CorpusReport:
    """The corpus's features and the validity of `checks` of its tunes (a fixed random
    sample), from the cache where they are there."""
    tunes = corpus_tunes(spec)
    name = f"tune-report/{hashlib.sha256(''.join(tunes).encode()).hexdigest()[:24]}.json"
    stored = cache.load(name, FEATURES_VERSION) or {}
    features = stored.get("features") or _read_all(tunes, progress)
    verdicts = stored.get("checks", {})
    sample = sorted(random.Random(0).sample(range(len(tunes)), min(checks, len(tunes))))
    fresh = _check_sample(tunes, sample, verdicts, progress)
    if fresh or "features" not in stored:
        cache.save(name, FEATURES_VERSION, {"features": features, "checks": verdicts})
    return _corpus_from(spec, tunes, features, {i: verdicts[str(i)] for i in sample})


def _read_all(tunes: list[str], progress: bool) -> list[dict | None]:
    from tqdm.auto import tqdm

    features = []
    for tune in tqdm(tunes, desc="reading the corpus", unit="tune", disable=_hidden(progress),
                     leave=False, dynamic_ncols=True):
        try:
            features.append(tune_features(tune).to_dict())
        except ValueError:
            features.append(None)
    return features


def _check_sample(tunes: list[str], sample: list[int], verdicts: dict, progress: bool) -> bool:
    """Check the sampled tunes not checked yet into `verdicts`; whether any were."""
    from tqdm.auto import tqdm

    from charrnn.music import reference

    todo = [i for i in sample if str(i) not in verdicts
            or (verdicts[str(i)]["abc2midi"] is None and reference.installed())]
    for i in tqdm(todo, desc="checking corpus tunes", unit="tune", disable=_hidden(progress and todo),
                  leave=False, dynamic_ncols=True):
        verdicts[str(i)] = {"ok": check_tune(tunes[i]).ok, "abc2midi": reference.errors(tunes[i])}
    return bool(todo)


def _corpus_from(spec: str, tunes: list[str], features: list[dict | None],
                 verdicts: dict[int, dict]) -> CorpusReport:
    """The CorpusReport of features and the verdicts on the sample (tune index -> verdict);
    the sample's tunes are also looked up in the rest of the corpus, for its own novelty."""
    read = [None if f is None else TuneFeatures.from_dict(f) for f in features]
    index = BarIndex([[] if f is None else f.bar_keys for f in read])
    copied = sum(read[i] is not None and index.nearest(read[i].bar_keys, exclude=i).copied
                 for i in verdicts)
    clean = [v["abc2midi"] for v in verdicts.values()]
    return CorpusReport(
        spec, [tune_field(tune, "T") or "(untitled)" for tune in tunes], read, len(verdicts),
        sum(v["ok"] for v in verdicts.values()),
        None if None in clean else sum(errors == [] for errors in clean), copied, index)


# --- the report -------------------------------------------------------------------------
def build_report(source: str, tunes: list[tuple[str, str]], corpus: CorpusReport | None,
                 corpus_problem: str | None = None, media: bool = False, audio: bool = True,
                 progress: bool = True) -> Report:
    """The report on `tunes` ((name, ABC text) pairs from `source`) against `corpus`
    (None: the tunes alone, `corpus_problem` saying why). `media` adds MIDI, and audio
    unless `audio` is False."""
    from tqdm.auto import tqdm

    reports = []
    for name, text in tqdm(tunes, desc="tunes", unit="tune", disable=_hidden(progress),
                           leave=False, dynamic_ncols=True):
        reports.append(report_on_tune(name, text, corpus))
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
    from charrnn.music import render

    tool = render.audio_tool(small=True)
    if tool is None:
        return ("No audio: playing the tunes here needs fluidsynth and a General MIDI soundfont "
                "(apt-get install fluidsynth timgm6mb-soundfont) or timidity; the MIDI files "
                "download all the same.")
    made_by = f"fluidsynth with {Path(tool[-2]).name}" if tool[0] == "fluidsynth" else "timidity"
    return f"Audio rendered from charrnn's MIDI by {made_by} at {render.PAGE_AUDIO_RATE:,} Hz."
