"""The tune report: reading the tunes, the corpus side and its cache, the report's figures,
and `charrnn tune-report` with its bad input."""

import pytest
from click.testing import CliRunner

from charrnn.cli import main
from charrnn.cli.report import read_corpus
from charrnn.errors import UserError
from charrnn.music.report import report, summary
from report_tunes import CORPUS, EMPTY, OWN, write_corpus, write_tunes


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def read(path):
    return path.read_text(encoding="utf-8")


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "corpus.abc")


def test_tunes_are_read_from_a_directory_in_order(tmp_path):
    names = [name for name, _ in report.read_tunes(write_tunes(tmp_path / "tunes"))]
    assert names == ["tune-01", "tune-02", "tune-03"]


def test_a_file_of_several_tunes_numbers_them(tmp_path):
    (tmp_path / "set.abc").write_text(OWN + "\n" + EMPTY, encoding="utf-8")
    assert [name for name, _ in report.read_tunes(tmp_path / "set.abc")] == ["set 1", "set 2"]


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing", "does not exist"),
    (lambda p: p, "no tunes in"),  # a directory without .abc files
    (lambda p: (p / "prose.abc").write_text("no tunes here\n") and p / "prose.abc", "no tunes in"),
])
def test_no_tunes_is_a_user_error(tmp_path, make, message):
    with pytest.raises(UserError, match=message):
        report.read_tunes(make(tmp_path))


def test_the_corpus_against_itself_copies_everything_and_sits_at_its_floor(corpus):
    side = report.corpus_report(str(corpus), read(corpus), checks=6, progress=False)
    tunes = [(f"c{i}", text) for i, text in enumerate(report.corpus_tunes(str(corpus), read(corpus)))]
    made = report.build_report("corpus", tunes, side, progress=False)
    for tune in made.tunes:
        assert tune.copy.copied and tune.nearest_title == tune.title
        assert tune.copy.run == len(tune.features.bar_keys)
    for comparison in made.comparisons:
        assert comparison.distance == pytest.approx(0.0)
        assert comparison.differs is False
    assert summary.set_rows(made)[-1][1] == "6 of 6 (100%)"


def test_copying_is_found_and_a_tune_of_its_own_is_not(tmp_path, corpus):
    side = report.corpus_report(str(corpus), read(corpus), checks=6, progress=False)
    tunes = report.read_tunes(write_tunes(tmp_path / "tunes"))
    borrowed, own, empty = report.build_report("tunes", tunes, side, progress=False).tunes
    assert borrowed.copy.copied and borrowed.nearest_title == "The First Reel"
    assert borrowed.copy.run == 5  # the pickup bar and the four bars of the A part
    assert not own.copy.copied
    assert empty.features is None and empty.unreadable == "no notes"


def test_the_corpus_side_counts_validity_and_its_own_copying(corpus):
    side = report.corpus_report(str(corpus), read(corpus), checks=4, progress=False)
    assert (side.checked, side.valid, side.copied) == (4, 4, 0)
    assert len(side.features) == 6 and side.titles[0] == "The First Reel"


def test_the_corpus_is_read_once_then_from_the_cache(corpus, monkeypatch):
    first = report.corpus_report(str(corpus), read(corpus), checks=6, progress=False)

    def fail(_):
        raise AssertionError("read again")

    monkeypatch.setattr(report, "tune_features", fail)
    monkeypatch.setattr(report, "check_tune", fail)
    again = report.corpus_report(str(corpus), read(corpus), checks=6, progress=False)
    assert again.features == first.features and again.valid == first.valid


def test_a_changed_corpus_is_read_afresh(corpus):
    report.corpus_report(str(corpus), read(corpus), checks=2, progress=False)
    corpus.write_text(CORPUS.replace("The First Reel", "A Renamed Reel"), encoding="utf-8")
    again = report.corpus_report(str(corpus), read(corpus), checks=2, progress=False)
    assert again.titles[0] == "A Renamed Reel"


@pytest.mark.parametrize("spec, message", [
    ("music21:noSuchBook", "unknown collection"),
    ("missing.abc", "not found"),
])
def test_an_unknown_corpus_is_a_user_error(spec, message):
    with pytest.raises(UserError, match=message):
        read_corpus(spec, checks=1)


def test_a_corpus_without_tunes_is_a_user_error(tmp_path):
    (tmp_path / "prose.txt").write_text("It was a dark and stormy night.\n", encoding="utf-8")
    with pytest.raises(UserError, match="holds no ABC tunes"):
        read_corpus(str(tmp_path / "prose.txt"), checks=1)


def test_tune_report_prints_the_set_and_each_tune(tmp_path, corpus):
    result = run("tune-report", write_tunes(tmp_path / "tunes"), "--corpus", corpus)
    assert result.exit_code == 1, result.output  # tune-03 has no notes: an error
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["feature", "tunes", "corpus"]
    assert any(line.startswith("abc-check: valid") and "2 of 3 (67%)" in line for line in lines)
    assert any(line.startswith("copies 4+ bars in a row") and "1 of 2 (50%)" in line for line in lines)
    assert any(line.startswith("tune-01") and 'bars of "The First Reel"' in line for line in lines)
    assert "Corpus " in result.output and not (tmp_path / "report.html").exists()


@pytest.mark.slow
def test_tune_report_writes_the_page(tmp_path, corpus):
    out = tmp_path / "report.html"
    result = run("tune-report", write_tunes(tmp_path / "tunes"), "-c", corpus, "-o", out,
                 "--no-audio")
    assert result.exit_code == 1, result.output  # the page is written all the same
    page = out.read_text(encoding="utf-8")
    assert "Borrowed Reel" in page and "Audio left out" in page and "<audio" not in page


@pytest.mark.parametrize("case, message", [
    ("no tunes", "no tunes in"),
    ("unknown corpus", "corpus not found"),
    ("missing folder", "does not exist"),
    ("directory", "is a directory"),
])
def test_bad_input_is_one_line_and_leaves_the_page_alone(tmp_path, corpus, case, message):
    tunes, out = write_tunes(tmp_path / "tunes"), tmp_path / "report.html"
    out.write_text("the old page", encoding="utf-8")
    args = {"no tunes": [tmp_path / "empty", "-c", corpus, "-o", out],
            "unknown corpus": [tunes, "-c", tmp_path / "nowhere.abc", "-o", out],
            "missing folder": [tunes, "-c", corpus, "-o", tmp_path / "no" / "report.html"],
            "directory": [tunes, "-c", corpus, "-o", tmp_path]}[case]
    (tmp_path / "empty").mkdir()
    result = run("tune-report", *args)
    assert result.exit_code != 0
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert out.read_text(encoding="utf-8") == "the old page"


@pytest.mark.slow
def test_the_sample_page_without_its_corpus_says_why(tmp_path):
    from charrnn.cli.report import write_sample_page

    folder = write_tunes(tmp_path / "tunes")
    named = report.read_tunes(folder)
    write_sample_page(named, folder / "index.html", str(tmp_path / "moved-away.abc"))
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "No corpus comparison: the corpus the model learned from" in page
    assert "moved-away.abc" in page and "Borrowed Reel" in page
