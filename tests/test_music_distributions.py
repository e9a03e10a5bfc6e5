"""Feature distributions, total variation and the corpus's own floor."""

import pytest

from charrnn.music.report.distributions import FEATURES, compare, distribution, floor_draws, total_variation
from charrnn.music.report.features import TuneFeatures

BY_NAME = {feature.name: feature for feature in FEATURES}


def features(meter="6/8", bars=16, pitches=(60, 62, 64), degrees=(0, 2, 4), form="AABB",
             ends=True) -> TuneFeatures:
    return TuneFeatures(title="t", meter=meter, key="D major", mode="major", bars=bars,
                        form=form, anacrusis=False, pitches=list(pitches), degrees=list(degrees),
                        lengths=["1/8"] * len(pitches), part_means=[61.0, 63.0],
                        ends_on_tonic=ends, bar_keys=[])


@pytest.mark.parametrize("p, q, distance", [
    ({"a": 1.0}, {"a": 1.0}, 0.0),
    ({"a": 1.0}, {"b": 1.0}, 1.0),
    ({"a": 0.5, "b": 0.5}, {"a": 1.0}, 0.5),
    ({"a": 0.2, "b": 0.3, "c": 0.5}, {"a": 0.5, "b": 0.3, "c": 0.2}, 0.3),
])
def test_total_variation(p, q, distance):
    assert total_variation(p, q) == pytest.approx(distance)
    assert total_variation(q, p) == pytest.approx(distance)


@pytest.mark.parametrize("name, tune, shares", [
    ("meter", features(meter="2/2"), {"2/2": 1.0}),
    ("meter", features(meter=None), {}),  # free meter: the feature does not apply
    ("bars", features(bars=16), {9: 1.0}),  # the 9-16 bin
    ("bars", features(bars=17), {17: 1.0}),
    ("bars", features(bars=200), {65: 1.0}),  # 65 and more
    ("range", features(pitches=(60, 67)), {6: 1.0}),  # 6-8 semitones
    ("aabb", features(form="AB"), {"no": 1.0}),
    ("degrees", features(degrees=(0, 0, 7, 4)), {0: 0.5, 7: 0.25, 4: 0.25}),
    ("intervals", features(pitches=(60, 62, 90, 60)), {2: 1 / 3, 12: 1 / 3, -12: 1 / 3}),
])
def test_what_a_tune_contributes(name, tune, shares):
    assert BY_NAME[name].shares(tune) == pytest.approx(shares)


@pytest.mark.parametrize("name, key, label", [
    ("bars", 9, "9-16"), ("bars", 65, "65+"), ("degrees", 3, "b3"), ("intervals", 2, "+2"),
    ("intervals", -5, "-5"), ("intervals", 0, "0"), ("meter", "6/8", "6/8"),
])
def test_category_labels(name, key, label):
    assert BY_NAME[name].label(key) == label


def test_a_set_is_the_mean_of_its_tunes_so_long_tunes_weigh_no_more():
    tunes = [features(degrees=[0] * 100), features(degrees=[7])]
    shares, counted = distribution(BY_NAME["degrees"], tunes)
    assert shares == pytest.approx({0: 0.5, 7: 0.5}) and counted == 2


def test_tunes_the_feature_does_not_apply_to_are_not_counted():
    shares, counted = distribution(BY_NAME["meter"], [features(meter=None), features("3/4")])
    assert shares == {"3/4": 1.0} and counted == 1


def corpus(size=60):
    """A corpus with a spread: meters, lengths and pitches vary from tune to tune."""
    meters = ("6/8", "2/2", "3/4")
    return [features(meter=meters[i % 3], bars=8 * (1 + i % 4), pitches=(60, 62 + i % 5),
                     degrees=(0, i % 7), form=("AB", "AABB")[i % 2], ends=i % 4 != 0)
            for i in range(size)]


def test_the_corpus_against_itself_sits_at_or_below_its_floor():
    tunes = corpus()
    for comparison in compare(tunes, tunes):
        assert comparison.distance == pytest.approx(0.0)
        assert comparison.distance <= comparison.floor and comparison.differs is False


def test_tunes_unlike_the_corpus_are_above_its_floor():
    odd = [features(meter="9/8", bars=100, form="A") for _ in range(20)]
    by_name = {c.feature.name: c for c in compare(odd, corpus())}
    for name in ("meter", "bars", "form"):
        assert by_name[name].distance > by_name[name].floor_high and by_name[name].differs


def test_the_floor_draws_a_set_the_tunes_size_at_most_half_the_corpus():
    meter, tunes = BY_NAME["meter"], corpus(60)
    # drawing 1 tune against the rest is far noisier than two halves
    assert min(floor_draws(meter, tunes, 1, 20, 0)) > max(floor_draws(meter, tunes, 30, 20, 0))
    assert floor_draws(meter, tunes, 500, 5, 0) == floor_draws(meter, tunes, 30, 5, 0)
    assert floor_draws(meter, tunes[:1], 1, 5, 0) == []  # one tune cannot be split


def test_the_same_seed_draws_the_same_floor():
    meter, tunes = BY_NAME["meter"], corpus()
    assert floor_draws(meter, tunes, 5, 10, 3) == floor_draws(meter, tunes, 5, 10, 3)
    assert floor_draws(meter, tunes, 5, 10, 3) != floor_draws(meter, tunes, 5, 10, 4)


def test_without_a_corpus_the_tunes_stand_alone():
    comparison = compare([features()], None)[0]
    assert comparison.tunes == {"6/8": 1.0} and comparison.corpus is None
    assert comparison.distance is None and comparison.differs is None


def test_number_features_carry_medians():
    bars = next(c for c in compare([features(bars=8), features(bars=32)], corpus())
                if c.feature.name == "bars")
    assert bars.medians == (20, 20)
