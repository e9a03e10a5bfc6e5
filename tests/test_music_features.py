"""A tune's features as music21 reads it, on hand-made tunes whose answers are known."""

import pytest

from charrnn.music.report.features import TuneFeatures, tune_features


def tune(body: str, meter: str = "4/4", unit: str = "1/8", key: str = "C") -> str:
    return f"X:1\nT:Known\nM:{meter}\nL:{unit}\nK:{key}\n{body}\n"


@pytest.mark.parametrize("text, meter, key, mode", [
    (tune("ABc dcB|A3 A3|]", "6/8", key="Ador"), "6/8", "A dorian", "dorian"),
    (tune("d2fd Adfd|]", "C|", key="D"), "2/2", "D major", "major"),
    (tune("GABc|]", "C", key="Bbm"), "4/4", "Bb minor", "minor"),
    (tune("GABc|]", "none", key="Gmix"), None, "G mixolydian", "mixolydian"),
    (tune("GABc|]", key="none"), "4/4", None, None),
])
def test_meter_key_and_mode(text, meter, key, mode):
    features = tune_features(text)
    assert (features.meter, features.key, features.mode) == (meter, key, mode)


@pytest.mark.parametrize("body, form", [
    ("CDEF:|GABc:|", "AABB"),  # :| without |: repeats from the start, as abc2midi plays it
    ("|:CDEF|GABc:|", "AA"),
    ("CDEF|GABc||", "A"),
    ("CDEF||GABc||", "AB"),
    ("|:CDEF:|GABc||", "AAB"),
    ("|:CDEF|1 GABc:|2 cBAG||", "AA"),  # variant endings belong to their part
    ("|:CDEF|1 GABc:|2 cBAG||\n|:cdef|gfed:|", "AABB"),
    ("CDEF::GABc::cdef:|", "AABBCC"),
    ("G|:CDEF|GABc:|\nc|:cdef|gfed:|", "AABB"),  # a pickup before |: is no part of its own
    ("CDEF||GABc:|", "ABAB"),  # the :| goes back to the start, past the ||
])
def test_form_is_the_parts_as_played(body, form):
    assert tune_features(tune(body, unit="1/4")).form == form


@pytest.mark.parametrize("body, bars, anacrusis", [
    ("A|d2fd Adfd|e2ge c2A2||\nf|a2fa d2fd|e2ce d3||", 4, True),  # 33 eighths: 4 bars of 2/2
    ("d2fd Adfd|e2ge c2A2:|", 4, False),  # written twice: played twice
    ("d2fd|", 0, False),  # half a bar alone is no pickup
])
def test_bars_played_and_anacrusis(body, bars, anacrusis):
    features = tune_features(tune(body, "C|", key="D"))
    assert (features.bars, features.anacrusis) == (bars, anacrusis)


def test_free_meter_has_no_bars_and_no_pickup():
    features = tune_features(tune("A|Bcd|", "none"))
    assert (features.bars, features.anacrusis) == (None, None)


def test_pitches_degrees_intervals_and_range():
    features = tune_features(tune("G A B c|d2 G2|]", unit="1/4", key="G"))
    assert features.pitches == [67, 69, 71, 72, 74, 67]
    assert features.degrees == [0, 2, 4, 5, 7, 0]
    assert features.intervals == [2, 2, 1, 2, -7]
    assert features.pitch_range == 7
    assert features.ends_on_tonic is True


@pytest.mark.parametrize("body, key, pitches", [
    ("F G|]", "D", [66, 67]),  # the key signature applies
    ("^F F|F|]", "C", [66, 66, 65]),  # an accidental lasts to the bar line
    ("[CEG]2 [ce]|]", "C", [67, 76]),  # a chord is its top note
    ("{g}A z B|]", "C", [69, 71]),  # no grace notes, no rests
])
def test_melody_pitches(body, key, pitches):
    assert tune_features(tune(body, key=key)).pitches == pitches


@pytest.mark.parametrize("body, lengths", [
    ("A>B (3cde|]", ["3/16", "1/16", "1/12", "1/12", "1/12"]),  # broken rhythm, triplet
    ("A2-A2 B4|]", ["1/2", "1/2"]),  # a tie joins two notes into one
    ("A/B/ c2 d3/2|]", ["1/16", "1/16", "1/4", "3/16"]),
])
def test_note_lengths_in_whole_notes(body, lengths):
    assert tune_features(tune(body)).lengths == lengths


@pytest.mark.parametrize("body, higher", [
    ("CDEF:|cdef:|", True),
    ("cdef:|CDEF:|", False),
    ("CDEF:|", None),  # one part
])
def test_whether_the_b_part_is_higher(body, higher):
    assert tune_features(tune(body, unit="1/4")).b_higher is higher


@pytest.mark.parametrize("body, ends", [("GABc|d2 G2|]", True), ("GABc|d2 A2|]", False)])
def test_ending_on_the_tonic(body, ends):
    assert tune_features(tune(body, key="G")).ends_on_tonic is ends


def test_bars_are_compared_by_their_notes_not_their_spelling():
    spelt = [tune_features(tune(body, "2/4")).bar_keys for body in
             ("A>B c2|d4|]", "A3/2B/ c2|d4|]", "A3/2B/ c2|e4|]")]
    assert spelt[0] == spelt[1]
    assert spelt[0][0] == spelt[2][0] and spelt[0][1] != spelt[2][1]


def test_written_bars_leave_out_what_repeats_play_again():
    features = tune_features(tune("|:CD|EF|1 GA:|2 Bc|]", unit="1/4"))
    assert len(features.bar_keys) == 4  # CD EF GA Bc, not the second CD EF


@pytest.mark.parametrize("body, why", [
    ("z8|", "no notes"),
    ('"Am"x8|', "no notes"),
    ("^=F2 G2|", "music21 cannot read it"),
])
def test_a_tune_without_notes_to_read_says_why(body, why):
    with pytest.raises(ValueError, match=why):
        tune_features(tune(body))


def test_features_travel_through_json():
    features = tune_features(tune("|:CDEF|GABc:|", key="G"))
    assert TuneFeatures.from_dict(features.to_dict()) == features
