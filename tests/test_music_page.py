"""The tune report's page: one file, no network, every tune drawn and playable. Opened in the
system's headless Chromium (Debian's `chromium`), driven by Playwright."""

import base64
import hashlib
import re
import shutil
from importlib import resources

import pytest
from click.testing import CliRunner

from charrnn.cli import main
from charrnn.music.play import midi, render
from charrnn.music.report import page
from charrnn.music.abc.grammar import TuneReader
from conftest import needs
from report_tunes import write_corpus, write_tunes

pytestmark = pytest.mark.slow  # a tune report, and a browser
MIDI_LINK = re.compile(r'download="([^"]+)\.mid" href="data:audio/midi;base64,([^"]+)"')


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """(folder, page path, page text) of a report on three tunes, one with no notes."""
    folder = tmp_path_factory.mktemp("page")
    out = folder / "report.html"
    result = CliRunner().invoke(main, ["tune-report", str(write_tunes(folder / "tunes")),
                                       "--corpus", str(write_corpus(folder / "corpus.abc")),
                                       "-o", str(out)])
    assert result.exit_code == 1, result.output  # tune-03 has no notes: an error
    return folder, out, out.read_text(encoding="utf-8")


class Watched:
    """A browser tab and what a user cannot see of it: console errors (Chromium's own error
    log among them), uncaught exceptions, and every request the page makes."""

    def __init__(self, page):
        self.page, self.errors, self.requests = page, [], []
        page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "assert") else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("request", lambda request: self.requests.append(request.url))

    def open(self, url: str, ready: str = "true") -> "Watched":
        """Load a page and wait until `ready` (a JavaScript expression) is true."""
        self.page.goto(url)
        self.page.wait_for_function(f"document.readyState === 'complete' && !!({ready})")
        return self

    def evaluate(self, expression: str):
        return self.page.evaluate(expression)


@pytest.fixture(scope="module")
def chromium():
    """The system Chromium (Playwright downloads no browser of its own here)."""
    needs("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"))
        yield browser
        browser.close()


@pytest.fixture
def tab(chromium):
    """A fresh tab, in a context of its own."""
    context = chromium.new_context()
    yield Watched(context.new_page())
    context.close()


@pytest.fixture(scope="module")
def browser(chromium, made):
    context = chromium.new_context()
    yield Watched(context.new_page()).open(made[1].as_uri(), "document.body.dataset.ready")
    context.close()


def test_the_page_is_one_file(made):
    text = made[2]
    assert not re.search(r'<(script|img|audio|link)[^>]+(src|href)="(?!data:)', text)
    assert "@import" not in text and "abcjs_basic v" in text
    assert text.count('<article class="tune"') == 3


def test_the_embedded_midi_is_what_charrnn_abc2midi_writes(made, tmp_path):
    folder, _, text = made
    links = MIDI_LINK.findall(text)
    assert [name for name, _ in links] == ["tune-01", "tune-02"]  # tune-03 has no notes
    for name, data in links:
        ours = tmp_path / f"{name}-page.mid"
        ours.write_bytes(base64.b64decode(data))
        command = CliRunner().invoke(main, ["abc2midi", str(folder / "tunes" / f"{name}.abc"),
                                            "-o", str(tmp_path / f"{name}.mid")])
        assert command.exit_code == 0, command.output
        assert midi.note_sequence(ours) == midi.note_sequence(tmp_path / f"{name}.mid")


@pytest.mark.needs("fluidsynth")
def test_each_playable_tune_has_its_audio(made):
    assert made[2].count('<audio controls preload="none" src="data:audio/') == 2
    assert "No audio: music21 cannot play it: no notes" in made[2]


def test_without_a_renderer_the_page_says_so(monkeypatch):
    monkeypatch.setattr(render, "audio_tool", lambda *args, **kwargs: None)
    from charrnn.music.report.report import audio_note

    assert audio_note().startswith("No audio: playing the tunes here needs fluidsynth")


def test_every_tune_with_notes_is_drawn_with_staves_and_note_heads(browser):
    scores = browser.evaluate(
        "Array.from(document.querySelectorAll('.score')).map(s => [s.querySelectorAll('svg').length,"
        " s.querySelectorAll('svg .abcjs-staff').length, s.querySelectorAll('svg .abcjs-notehead').length])")
    assert len(scores) == 3
    for svgs, staff_lines, note_heads in scores[:2]:
        assert svgs == 1 and staff_lines > 0 and note_heads > 20
    assert scores[2] == [0, 0, 0]
    assert browser.evaluate("document.body.dataset.drawn") == "2"


def test_a_tune_that_cannot_be_drawn_says_why(browser):
    said = browser.evaluate("Array.from(document.querySelectorAll('.score-problem'))"
                            ".filter(p => !p.hidden).map(p => p.textContent)")
    assert said == ["The sheet music cannot be drawn: abcjs found no notes to draw"]


def test_the_page_logs_no_error_and_fetches_nothing(browser, made):
    assert browser.errors == []
    assert [url for url in browser.requests
            if not url.startswith("data:") and url != made[1].as_uri()] == []


def test_the_browser_check_sees_a_fetch_an_error_and_an_exception(tab, tmp_path):
    probe = tmp_path / "probe.html"
    probe.write_text('<script>fetch("http://192.0.2.1/x.png").catch(() => {});'
                     ' console.error("seen"); throw new Error("thrown")</script>', encoding="utf-8")
    tab.open(probe.as_uri())
    assert "http://192.0.2.1/x.png" in tab.requests
    assert "seen" in tab.errors and any("thrown" in error for error in tab.errors)


def test_the_vendored_abcjs_is_the_recorded_file():
    web = resources.files("charrnn.music.report") / "web"
    notes = (web / "README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256((web / page.ABCJS).read_bytes()).hexdigest()
    assert f"sha256 of the file: `{digest}`" in notes
    assert f"abcjs](https://abcjs.net) {page.abcjs_version()}," in notes
    assert "Permission is hereby granted" in (web / "abcjs-LICENSE.md").read_text(encoding="utf-8")


def test_abcjs_cannot_read_an_empty_slur_which_sampled_tunes_refuse(tab, tmp_path):
    """abcjs warns of an unknown character at the ) of (), which abc2midi and music21 pass
    over: so the grammar keeps sampled tunes from writing one."""
    music = ["ABcd e(){g}fga|", "ABcd e(f){g}ga|"]
    tunes = [f"X:{number}\nT:T\nM:4/4\nL:1/8\nK:G\n{body}\n" for number, body in enumerate(music, 1)]
    folder = tmp_path / "tunes"
    folder.mkdir()
    for number, tune in enumerate(tunes, 1):
        (folder / f"tune-{number:02d}.abc").write_text(tune, encoding="utf-8")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["tune-report", str(folder), "--corpus",
                                       str(write_corpus(tmp_path / "corpus.abc")), "-o", str(out),
                                       "--no-audio"])
    assert result.exit_code == 0, result.output
    said = tab.open(out.as_uri(), "document.body.dataset.ready").evaluate(
        "Array.from(document.querySelectorAll('.score-problem')).map(p => p.hidden ? '' : p.textContent)")
    assert "Unknown character ignored" in said[0] and said[1] == ""
    sampled = [TuneReader(sampled=True).feed(tune).finish() for tune in tunes]
    assert any("an empty slur" in problem for problem in sampled[0]) and sampled[1] == []


def test_the_tunes_and_their_verdicts_come_before_the_statistics(browser):
    """A musician opening the page sees the tunes first: each with its verdict above its
    sheet music, and the statistics below the last tune."""
    assert browser.evaluate("Array.from(document.querySelectorAll('section')).map(s => s.id)") == \
        ["tunes", "statistics"]
    top = "e => document.querySelector(e).getBoundingClientRect().top"
    tunes, verdict, score, statistics = browser.evaluate(
        f"['#tunes', '.tune .verdict', '.tune .score', '#statistics'].map({top})")
    assert tunes < verdict < score < statistics
    heads = browser.evaluate("Array.from(document.querySelectorAll('.tune .verdict'))"
                             ".map(v => [v.className, v.querySelector('strong').textContent])")
    assert heads == [["verdict fail", "Fails stage one"], ["verdict pass", "Passes stage one"],
                     ["verdict fail", "Fails stage one"]]
    reasons = browser.evaluate("Array.from(document.querySelectorAll('.tune')[0]"
                               ".querySelectorAll('.verdict li')).map(li => li.textContent)")
    assert reasons == ["ends as the corpus ends? No: ends on degree 2, as none of the corpus's 4 "
                       "major tunes do", "not a copy? No: copies 5 bars in a row from a corpus tune"]
