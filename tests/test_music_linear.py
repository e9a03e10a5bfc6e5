"""The ABC tools' work grows with a tune's length, not its square (issue 26), counted in
steps (lines of Python run), not seconds; and music21 made linear (charrnn.music.abc.music21_adapter)
reads and plays tunes exactly as music21 alone does."""

import contextlib
import re
import sys
from pathlib import Path

import pytest

from charrnn.music.play import playable
from charrnn.music.abc import music21_adapter
from charrnn.music.abc.grammar import TuneReader
from charrnn.music.play.midi import tune_to_midi
from charrnn.music.play.playable import parse

MUSIC = Path(music21_adapter.__file__).parent
HEADER = "X:1\nT:Long\nM:4/4\nL:1/8\nK:D\n"


def tune(line: str, lines: int) -> str:
    return HEADER + "\n".join([line] * lines) + "\n"


def steps(work, where) -> int:
    """Lines of Python run by `work()` in files under the folders `where`."""
    count = 0
    prefixes = tuple(str(folder) for folder in where)

    def trace(frame, event, _):
        nonlocal count
        if not frame.f_code.co_filename.startswith(prefixes):
            return None
        count += event == "line"
        return trace

    sys.settrace(trace)
    try:
        work()
    finally:
        sys.settrace(None)
    return count


def read(text, **options):
    reader = TuneReader(**options)
    for ch in text:
        reader.feed_char(ch)
        reader.key()  # as the sampler asks, every character
    return reader.finish()


def per_bar_growth(work, sizes, bars_a_line, where):
    """Steps a bar added by the last doubling of the tune over steps a bar by the first
    (after a first run, which fills caches)."""
    work(sizes[0])
    counts = [steps(lambda n=n: work(n), where) for n in sizes]
    first = (counts[1] - counts[0]) / ((sizes[1] - sizes[0]) * bars_a_line)
    last = (counts[-1] - counts[-2]) / ((sizes[-1] - sizes[-2]) * bars_a_line)
    return last / first


@pytest.mark.parametrize("line", [
    "ABcd efge|ABcd efge|ABcd efge|ABcd efge|",
    '"D"ABcd "G"efge|(3ABc d2 {g}f2 e>d|[DA]2 z2 ~e2 .f2|ABcd efge|',
    pytest.param("|:ABcd efge|ABcd efge:|ABcd efge|ABcd efge||", marks=pytest.mark.xfail(
        strict=True, reason="each repeat bar line replays every repeat sign before it")),
])
@pytest.mark.parametrize("options", [{}, {"sampled": True, "lookahead": True}],
                         ids=["check", "sampler"])
def test_the_readers_work_a_bar_does_not_grow_with_the_tune(line, options):
    def work(lines):
        assert read(tune(line, lines), **options) == []

    growth = per_bar_growth(work, (10, 20, 40), 4, [MUSIC])
    assert growth == pytest.approx(1, abs=0.01)


def test_a_tune_past_saving_is_read_in_linear_time():
    """Problems on every line, and a repeat sign in every bar: the reader stops trying
    what could still save the tune."""
    line = "Q|: ABcd efge :| ABcd efgeg :|"
    growth = per_bar_growth(lambda lines: read(tune(line, lines)), (10, 20, 40), 2, [MUSIC])
    assert growth == pytest.approx(1, abs=0.01)


def test_the_players_work_a_bar_does_not_grow_with_the_tune():
    """The player (playable, performance, midi) and music21 beneath it; music21's sorting
    adds a logarithm's growth, where a square would double the steps a bar."""
    import music21

    where = [MUSIC, Path(music21.__file__).parent]
    line = "ABcd efge|ABcd efge|ABcd efge|ABcd efge|"
    growth = per_bar_growth(lambda lines: tune_to_midi(tune(line, lines)), (2, 4, 8), 4, where)
    assert growth < 1.3


TUNES = [
    tune("ABcd efge|ABcd efge|ABcd efge|ABcd efge|", 4),
    tune("|:(3ABc d2 {g}f2 e>d|[DA]2 z2 ~e2 .f2:|2 TA4 Hd4|]", 2),
    tune("ABcd efge fga|ABcd efge|", 2),  # a bar too long: music21's reBar splits it
    HEADER.replace("M:4/4", "M:6/8") + "A3 B3|c6|ABc d2e|f6||\n",
    HEADER + 'V:1\n"D"A4 B4|c8|\nV:2\nD8|A,8|\n',
]


@pytest.mark.parametrize("text", TUNES)
def test_music21_made_linear_reads_and_plays_tunes_as_music21_does(text, monkeypatch):
    fast_score, fast_midi = _notes(parse(text)), tune_to_midi(text)
    monkeypatch.setattr(music21_adapter, "linear", lambda beams=False: contextlib.nullcontext())
    assert _notes(parse(text)) == fast_score
    assert tune_to_midi(text) == fast_midi


@pytest.mark.parametrize("text", TUNES)
def test_sheet_music_keeps_music21s_beams(text, monkeypatch):
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    def musicxml():
        data = GeneralObjectExporter(playable.tune_to_stream(text)).parse().decode()
        return re.sub(r'<encoding-date>.*?</encoding-date>| id="[^"]*"', "", data)

    fast = musicxml()
    monkeypatch.setattr(music21_adapter, "linear", lambda beams: contextlib.nullcontext())
    assert musicxml() == fast


def _notes(score):
    return [(type(n).__name__, n.offset, n.quarterLength,
             tuple(p.nameWithOctave for p in n.pitches),
             n.measureNumber, str(n.tie), [type(e).__name__ for e in n.expressions])
            for n in score.recurse().notesAndRests]

