"""Titles for sampled tunes from the corpus's title words: never a corpus title, the same
for the same seed and tune, made of the corpus's words; kept in the run directory; and
`sample --abc` giving its tunes their titles, keeping a --title, and ending with its pass
line."""

import re

import pytest
from click.testing import CliRunner

from charrnn.run.learned import run_titles
from charrnn.cli import main
from charrnn.music.abc import titles
from charrnn.music.abc.collections import load_tunes
from charrnn.music.abc.titles import TitleModel, clean, corpus_titles, retitle
from charrnn.run.rundir import TITLES, RunDir
from test_music_sampling import train_tune_run


@pytest.fixture(scope="module")
def oneills():
    return corpus_titles(load_tunes("oneills1850"))


@pytest.mark.parametrize("written, cleaned", [
    ("Midnight Dance, The", "The Midnight Dance"),
    ("The Ranting Rake.", "The Ranting Rake"),
    ("  Paddy O'Rafferty  ", "Paddy O'Rafferty"),
    ("leim astea.c 'san uisge.", None),  # O'Neill's dotted spelling of Irish
    ("", None),
])
def test_a_title_is_cleaned_as_a_reader_writes_it(written, cleaned):
    assert clean(written) == cleaned


def test_titles_are_never_a_corpus_title_and_the_same_for_the_same_seed(oneills):
    model = TitleModel(oneills)
    known = {title.lower() for title in oneills}
    drawn = [model.title(seed, number) for seed in range(10) for number in range(1, 51)]
    assert not known & {title.lower() for title in drawn}
    assert drawn == [TitleModel(oneills).title(seed, number)
                     for seed in range(10) for number in range(1, 51)]
    assert len(set(drawn)) > 0.8 * len(drawn)  # seeds and numbers make different titles


def test_titles_are_made_of_the_corpus_words_in_its_spelling(oneills):
    model = TitleModel(oneills)
    words = {word for title in oneills for word in title.split(" ")}
    for number in range(200):
        title = model.title(7, number)
        assert 1 <= len(title.split(" ")) <= titles.MAX_WORDS and title[0].isupper()
        # the first word is capitalised; a word only in titles in capitals is capitalised
        unknown = [w for w in title.split(" ") if w.lower() not in {v.lower() for v in words}]
        assert unknown == [], title
        assert [w for w in title.split(" ")[1:] if w not in words and w.lower() in
                model.spelling] == [], title
        assert re.fullmatch(r"[A-Za-z][A-Za-z' ,!?-]*", title), title


def test_a_corpus_whose_every_draw_is_its_own_title_still_gets_a_new_one():
    model = TitleModel(["The Kesh"])
    assert model.title(1, 3) == "The Kesh No. 3"


def test_retitle_replaces_the_headers_titles_with_one():
    tune = "X:1\nT:6Kh tJgls\nT:C/:>\nM:6/8\nK:G\nT:a part's title\nGAB|\n"
    assert retitle(tune, "The Kesh") == "X:1\nT:The Kesh\nM:6/8\nK:G\nT:a part's title\nGAB|\n"
    assert retitle(tune, None) == "X:1\nM:6/8\nK:G\nT:a part's title\nGAB|\n"


def test_the_titles_are_kept_in_the_run_directory(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus.abc"
    corpus.write_text("X:1\nT:The Maid of the Glen\nM:2/4\nK:D\nDEFG|\n\n"
                      "X:2\nT:Reel, The\nT:Second Name\nM:2/4\nK:D\nDEFG|\n", encoding="utf-8")
    run = RunDir(tmp_path)
    first = run_titles(run, str(corpus))
    assert first.titles == ["The Maid of the Glen", "The Reel", "Second Name"]
    assert (tmp_path / TITLES).is_file()
    from charrnn.run import learned

    monkeypatch.setattr(learned, "load_corpus_tunes", lambda spec: pytest.fail("read again"))
    assert run_titles(run, str(corpus)).titles == first.titles
    monkeypatch.undo()
    assert run_titles(run, str(tmp_path / "moved.abc")) is None  # another corpus, unreadable


def test_a_read_only_run_directory_still_gets_titles(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus.abc"
    corpus.write_text("X:1\nT:The Maid of the Glen\nM:2/4\nK:D\nDEFG|\n", encoding="utf-8")
    monkeypatch.setattr(RunDir, "write_titles", lambda *args: False)
    assert run_titles(RunDir(tmp_path / "nowhere"), str(corpus)).titles == ["The Maid of the Glen"]


NAMES = ["The Humours of Glenmore", "The Boys of Ballysadare", "The Maid of the Glen",
         "The Rose of Ardee", "The Humours of Ballyloughlin", "The Banks of the Suir"]


@pytest.fixture(scope="module")
def titled_run(tmp_path_factory):
    return train_tune_run(tmp_path_factory.mktemp("titled"), NAMES, meters=("2/4",), keys=("D",))


def _titles(output):
    return re.findall(r"^T:(.*)$", output, re.MULTILINE)


def test_sampled_tunes_take_titles_from_the_corpus_and_say_how_many_pass(titled_run, tmp_path):
    """The same seed, the same titles, none the corpus's; a --title is kept. Without the
    corpus's figures cached, the last line says which checks were made; with the page,
    which reads the corpus, it gives the stage-one verdict."""
    args = ["sample", str(titled_run), "--abc", "-n", "3", "--seed", "5", "-t", "0.5"]
    quick = CliRunner().invoke(main, args)
    assert quick.exit_code == 0, quick.output
    drawn = _titles(quick.stdout)
    assert len(drawn) == 3 and not set(drawn) & set(NAMES)
    assert all(t.startswith("The ") for t in drawn) and (titled_run / TITLES).is_file()
    line = quick.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"3 tunes made: 3 valid, \d pass the checks made \(plays, bars\).*; the "
                        r"corpus's checks \(skeleton, ending, range, copy\) are left out: its "
                        r"figures are not cached yet.*", line), line

    given = CliRunner().invoke(main, args + ["--title", "Mary Ann"])
    assert _titles(given.stdout) == ["Mary Ann"] * 3

    paged = CliRunner().invoke(main, args + ["--out", str(tmp_path / "tunes")])
    assert paged.exit_code == 0, paged.output
    written = sorted((tmp_path / "tunes").glob("*.abc"))
    assert [_titles(path.read_text(encoding="utf-8"))[0] for path in written] == drawn
    line = [line for line in paged.stderr.splitlines() if "tunes made" in line][0]
    assert re.fullmatch(r"3 tunes made: 3 valid, \d pass stage one( \(\d fail: .*\))?", line), line
