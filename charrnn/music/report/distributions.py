"""The features of a set of tunes as distributions, and how far one set is from another:
the total variation distance per feature, read against a floor, the distance between two
random draws of the corpus itself.

Total variation is half the L1 distance between two distributions: the largest difference
in the probability they give any set of outcomes, 0 for the same distribution, 1 for
disjoint ones. Between samples it is above 0 even when both come from one distribution,
and the more so the smaller the samples, so the floor draws from the corpus a set the size
of the tune set and compares it with the rest of the corpus (with a tune set half the
corpus or more: two halves). Its median over many draws is the floor; a distance above
the draws' 95th percentile is one the corpus rarely shows against itself.
"""

from dataclasses import dataclass
from fractions import Fraction
from statistics import median
from typing import Callable

from charrnn.music.report.features import TuneFeatures

FLOOR_DRAWS = 50
# Semitones above the tonic, as a degree of the major scale is named
DEGREES = ("1", "b2", "2", "b3", "3", "4", "#4", "5", "b6", "6", "b7", "7")
_MAX_INTERVAL = 12  # a leap beyond an octave is counted as an octave: +12 is "+12 or more"


@dataclass(frozen=True)
class Feature:
    """One feature: how a tune's value is read, and how it is counted.

    kind: "category" (one value a tune: a meter), "yes/no", "number" (counted in bins of
    `width` from `start`, the last bin `cap` and above) or "notes" (a value per note: a tune is its
    histogram, and a set the mean of its tunes' histograms, so long tunes weigh no more).
    `get` returns None where the feature does not apply (a tune in free meter has no bars).
    """

    name: str
    title: str
    kind: str
    get: Callable[[TuneFeatures], object]
    width: int = 1
    start: int = 0
    cap: int = 0

    def shares(self, tune: TuneFeatures) -> dict:
        """The tune's share of each category: one category for a per-tune feature, a
        histogram for a per-note one; {} where it does not apply."""
        value = self.get(tune)
        if value is None:
            return {}
        if self.kind == "notes":
            return {key: count / len(value) for key, count in _counts(value).items()} if value else {}
        if self.kind == "yes/no":
            return {"yes" if value else "no": 1.0}
        if self.kind == "number":
            return {min(self.start + (value - self.start) // self.width * self.width, self.cap): 1.0}
        return {value: 1.0}

    def label(self, key) -> str:
        """How a category is written: `9-16` bars, `b3` above the tonic, `+2` semitones."""
        if self.kind == "number":
            return f"{key}+" if key >= self.cap else f"{key}-{key + self.width - 1}"
        if self.name == "degrees":
            return DEGREES[key]
        if self.name == "intervals":
            return f"{key:+d}" if key else "0"
        return str(key)

    def order(self, keys, corpus: dict) -> list:
        """Categories in reading order: numbers and lengths by size, others most common first."""
        if self.kind in ("number", "notes"):
            return sorted(keys, key=lambda k: Fraction(k) if isinstance(k, str) else k)
        if self.kind == "yes/no":
            return sorted(keys, reverse=True)
        return sorted(keys, key=lambda k: (-corpus.get(k, 0), str(k)))


def _counts(values) -> dict:
    counts: dict = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


FEATURES = (
    Feature("meter", "meter", "category", lambda t: t.meter),
    Feature("key", "key", "category", lambda t: t.key),
    Feature("mode", "mode", "category", lambda t: t.mode),
    Feature("bars", "bars played", "number", lambda t: t.bars, width=8, start=1, cap=65),
    Feature("form", "form (parts as played)", "category", lambda t: t.form),
    Feature("aabb", "AABB", "yes/no", lambda t: t.aabb),
    Feature("anacrusis", "anacrusis (pickup)", "yes/no", lambda t: t.anacrusis),
    Feature("range", "pitch range (semitones)", "number", lambda t: t.pitch_range, width=3, cap=30),
    Feature("b_higher", "B part higher than A", "yes/no", lambda t: t.b_higher),
    Feature("ends_on_tonic", "ends on the tonic", "yes/no", lambda t: t.ends_on_tonic),
    Feature("degrees", "pitch class above the tonic", "notes", lambda t: t.degrees),
    Feature("intervals", "interval (semitones)", "notes",
            lambda t: [max(-_MAX_INTERVAL, min(_MAX_INTERVAL, i)) for i in t.intervals]),
    Feature("lengths", "note length (whole notes)", "notes", lambda t: t.lengths),
)


@dataclass
class Comparison:
    """One feature of the tunes beside the corpus's (None: no corpus to compare with)."""

    feature: Feature
    tunes: dict  # category -> share, over the tunes the feature applies to
    counted: int  # how many tunes it applies to
    corpus: dict | None = None
    distance: float | None = None  # total variation between the two
    floor: float | None = None  # median distance between corpus draws of the same size
    floor_high: float | None = None  # their 95th percentile
    medians: tuple = (None, None)  # a "number" feature's median over the tunes, the corpus

    @property
    def differs(self) -> bool | None:
        """Whether the distance is one the corpus rarely shows against itself."""
        if self.distance is None or self.floor_high is None:
            return None
        return self.distance > self.floor_high


def distribution(feature: Feature, tunes: list[TuneFeatures]) -> tuple[dict, int]:
    """(category -> share, tunes counted): the mean of the tunes' shares, over the tunes
    the feature applies to."""
    rows = [shares for shares in (feature.shares(tune) for tune in tunes) if shares]
    total: dict = {}
    for row in rows:
        for key, share in row.items():
            total[key] = total.get(key, 0.0) + share
    return {key: share / len(rows) for key, share in total.items()}, len(rows)


def total_variation(p: dict, q: dict) -> float:
    """Half the L1 distance between two distributions over categories."""
    return 0.5 * sum(abs(p.get(key, 0.0) - q.get(key, 0.0)) for key in set(p) | set(q))


def compare(tunes: list[TuneFeatures], corpus: list[TuneFeatures] | None,
            draws: int = FLOOR_DRAWS, seed: int = 0) -> list[Comparison]:
    """Every feature of the tunes beside the corpus's, with its distance and floor; the
    tunes alone when `corpus` is None. The same seed draws the same floor."""
    return [compare_feature(feature, tunes, corpus, draws, seed) for feature in FEATURES]


def compare_feature(feature: Feature, tunes: list[TuneFeatures],
                    corpus: list[TuneFeatures] | None, draws: int, seed: int) -> Comparison:
    ours, counted = distribution(feature, tunes)
    comparison = Comparison(feature, ours, counted, medians=(_median(feature, tunes), None))
    if corpus is None:
        return comparison
    comparison.corpus, _ = distribution(feature, corpus)
    comparison.medians = (comparison.medians[0], _median(feature, corpus))
    if counted and comparison.corpus:
        comparison.distance = total_variation(ours, comparison.corpus)
    floors = floor_draws(feature, corpus, counted, draws, seed)
    if floors:
        comparison.floor = median(floors)
        comparison.floor_high = sorted(floors)[int(0.95 * (len(floors) - 1))]
    return comparison


def _median(feature: Feature, tunes: list[TuneFeatures]) -> float | None:
    values = [v for v in map(feature.get, tunes) if v is not None] if feature.kind == "number" else []
    return median(values) if values else None


def floor_draws(feature: Feature, corpus: list[TuneFeatures], size: int, draws: int,
                seed: int) -> list[float]:
    """Distances between `size` corpus tunes drawn at random (at most half the corpus) and
    the rest of the corpus, one per draw; [] when the corpus is too small to split."""
    import numpy as np

    rows = [shares for shares in (feature.shares(tune) for tune in corpus) if shares]
    size = min(size, len(rows) // 2)
    if size < 1:
        return []
    keys = {key: column for column, key in enumerate(sorted({k for row in rows for k in row}, key=str))}
    matrix = np.zeros((len(rows), len(keys)))
    for i, row in enumerate(rows):
        for key, share in row.items():
            matrix[i, keys[key]] = share
    total, generator = matrix.sum(axis=0), np.random.default_rng(seed)
    distances = []
    for _ in range(draws):
        drawn = matrix[generator.choice(len(rows), size, replace=False)].sum(axis=0)
        rest = (total - drawn) / (len(rows) - size)
        distances.append(float(0.5 * np.abs(drawn / size - rest).sum()))
    return distances
