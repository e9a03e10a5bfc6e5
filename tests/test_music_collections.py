"""The ABC collections bundled with music21, and the `charrnn corpus` command."""

import pytest
from click.testing import CliRunner

from charrnn.cli import main
from charrnn.errors import UserError
from charrnn.music.abc.collections import (
    COLLECTIONS,
    collection_stats,
    load_collection,
    load_tunes,
)
from charrnn.music.abc.tunes import split_tunes, tune_field

# Tune counts after dropping repeated transcriptions, measured with music21 10.5; a range,
# so a music21 release that fixes a tune or two does not break the test.
EXPECTED_TUNES = {
    "oneills1850": (1800, 1850),  # 1838 numbers of the book's 1850 are in music21's files
    "ryansMammoth": (1000, 1060),
    "essenFolksong": (8000, 8600),
    "airdsAirs": (1100, 1200),
    "miscFolk": (150, 200),
    "nottingham-dataset": (2, 2),  # music21 ships only a two-tune sample of it
}


@pytest.mark.parametrize("name", COLLECTIONS)
def test_each_collection_loads_a_plausible_number_of_normalised_tunes(name):
    tunes = load_tunes(name)
    low, high = EXPECTED_TUNES[name]
    assert low <= len(tunes) <= high
    for tune in tunes:
        assert tune.startswith("X:1\n") and tune.endswith("\n") and "\n\n" not in tune
    assert all(tune_field(tune, "K") is not None for tune in tunes)


@pytest.mark.parametrize("name", ["miscFolk", "airdsAirs"])
def test_collection_text_is_the_tunes_joined(name):
    text = load_collection(name)
    assert split_tunes(text) == load_tunes(name)
    assert text.endswith("\n\n") and not text.endswith("\n\n\n")


def test_oneills_keeps_one_transcription_of_each_tune():
    # Tunes 732-758 and 1116-1135 are transcribed twice in music21's files; the book
    # number (X:) identifies a tune, so each number is kept once.
    tunes = load_tunes("oneills1850")
    assert len(tunes) == 1838
    assert len(set(tunes)) == len(tunes)


def test_training_text_drops_bibliographic_fields():
    tune = load_tunes("oneills1850")[0]
    assert tune_field(tune, "T") == "The Enchanted Valley"
    assert tune_field(tune, "B") is None and tune_field(tune, "Z") is None


def test_collections_hold_no_exact_repeats():
    tunes = load_tunes("essenFolksong")
    assert len(set(tunes)) == len(tunes)


def test_unknown_collection_names_the_known_ones():
    with pytest.raises(UserError, match="oneills1850.*nottingham-dataset"):
        load_tunes("oneils1850")


def test_stats_count_tunes_and_characters():
    stats = {name: (tunes, chars) for name, tunes, chars in collection_stats()}
    assert list(stats) == list(COLLECTIONS)
    assert stats["miscFolk"] == (len(load_tunes("miscFolk")), len(load_collection("miscFolk")))


def test_corpus_command_lists_collections():
    result = CliRunner().invoke(main, ["corpus"])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split()[1:] for line in result.output.splitlines()}
    for name in COLLECTIONS:
        assert rows[name][0] == f"{len(load_tunes(name)):,}"


def test_corpus_command_exports_a_collection(tmp_path):
    out = tmp_path / "misc.abc"
    result = CliRunner().invoke(main, ["corpus", "miscFolk", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == load_collection("miscFolk")


@pytest.mark.parametrize("args, message", [
    (["corpus", "nope"], "unknown collection 'nope'"),
    (["corpus", "-o", "x.abc"], "--out needs a collection NAME"),
])
def test_corpus_command_rejects_bad_input_in_one_line(args, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert f"Error: {message}" in result.output
    assert "Traceback" not in result.output
