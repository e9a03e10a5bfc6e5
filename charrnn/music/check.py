"""Is this ABC a valid tune? The grammar's verdict, and music21 reading it into notes.

The grammar (`charrnn.music.grammar`) judges the text: header fields, bar lengths against
the meter, repeats as abc2midi plays them, and what makes abc2midi print an Error. Sampled
tunes are steered by the same grammar, so the check and the sampler agree on what valid
means. music21 then confirms that the tune turns into notes. Used to score sampled tunes
and by `charrnn abc-check`; music21 is imported lazily (it takes about a second to load).
"""

import contextlib
import io
import multiprocessing
import os
import re
import signal
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from charrnn.music.fields import field_match
from charrnn.music.grammar import TuneReader, check_text
from charrnn.music.music21_linear import linear
from charrnn.music.tunes import normalise_tune, split_tunes, text_lines, tune_field


@dataclass
class TuneCheck:
    """The verdict on one tune: ok when `problems` is empty."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    title: str | None = None


def check_tune(text: str, bar=None) -> TuneCheck:
    """Check one tune: the grammar's problems; for a tune the grammar passes, whether
    music21 reads it into notes. `bar`, a tqdm progress bar, counts the characters read."""
    tune = normalise_tune(text)
    problems = _grammar_problems(tune, bar) or parse_problems(tune)
    return TuneCheck(ok=not problems, problems=problems, title=tune_field(tune, "T"))


def _grammar_problems(tune: str, bar) -> list[str]:
    """check_text, fed a piece at a time so that a progress bar moves through a long tune."""
    if bar is None:
        return check_text(tune)
    reader = TuneReader()
    for start in range(0, len(tune), _PIECE):
        reader.feed(tune[start:start + _PIECE])
        bar.update(len(tune[start:start + _PIECE]))
    return reader.finish()


_PIECE = 4096  # characters between progress-bar updates
# Input this long (characters) gets a progress bar, on a terminal: the grammar reads about
# 100,000 characters a second, so shorter input is done before a bar would say anything.
LONG_INPUT = 200_000


class ChecksAhead:
    """check_tune in a second process, on tunes handed in while sampling goes on: music21
    takes about a twentieth of a second a tune, a fifth of `sample --abc`'s time, and the
    sampler keeps to one core. `verdict(text)` waits for a tune's check (or makes it here,
    for a tune not handed in, or where no second core or process is to be had). A tune is
    known by its text after the X: line, as sampling renumbers tunes once they are all
    drawn, and the reference number has no part in a verdict."""

    def __init__(self):
        self._pool = None
        if _cores() > 1 and _main_reimportable():
            # spawned, not forked: the sampler's process holds torch's threads
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_leave_interrupts_to_the_parent)
        self._pending = {}

    def add(self, text: str):
        known_by = _after_x(text)
        if self._pool is not None and known_by not in self._pending:
            self._pending[known_by] = self._pool.submit(check_tune, text)

    def verdict(self, text: str) -> TuneCheck:
        future = self._pending.pop(_after_x(text), None)
        try:
            return future.result() if future else check_tune(text)
        except BrokenProcessPool:  # the second process died (out of memory, killed)
            return check_tune(text)

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()


def _cores():
    """The cores this process may run on (macOS and Windows have no affinity call)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _main_reimportable():
    """A spawned process imports the parent's main script again: not possible for one read
    from stdin (`python - < script.py`), whose path names no file."""
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    return path is None or os.path.exists(path)


def _leave_interrupts_to_the_parent():
    """Ctrl-C reaches the whole process group: the parent stops the pool, and the worker
    must not print a traceback of its own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _after_x(text):
    return text.partition("\n")[2] if text.startswith("X:") else text


def check_abc(text: str) -> list[TuneCheck]:
    """Check every tune of an ABC file; a bad tune never stops the others."""
    return list(iter_checks(text))


def iter_checks(text: str, progress: bool = False):
    """check_abc one tune at a time (a tune takes about 0.06 s), for progress as it goes.
    With `progress`, long text (LONG_INPUT) gets a bar of characters read on stderr, shown
    on a terminal only."""
    tunes = split_tunes(text)
    if not progress or len(text) < LONG_INPUT:
        yield from (check_tune(tune) for tune in tunes)
        return
    from tqdm.auto import tqdm

    with tqdm(total=sum(len(normalise_tune(tune)) for tune in tunes), unit="char",
              unit_scale=True, desc="checking", disable=None, leave=False,
              dynamic_ncols=True) as bar:
        for tune in tunes:
            yield check_tune(tune, bar)


def parse_problems(tune: str) -> list[str]:
    """What stops music21 turning the tune into notes: an exception, or no notes at all."""
    from music21 import converter

    try:
        with quietly(), linear():
            score = converter.parse(music21_friendly(tune), format="abc")
    except Exception as error:  # music21's ABC reader raises many kinds; all mean "bad"
        message = f"{type(error).__name__}: {error}".splitlines()[0][:100]
        return [f"music21 cannot parse it ({message})"]
    if not any(True for _ in score.recurse().notes):
        return ["no notes"]
    return []


@contextlib.contextmanager
def quietly():
    """Silence music21's reader: it writes a warning to stderr for every odd token, which
    would bury the check's own report."""
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def music21_friendly(tune: str) -> str:
    """The tune with spellings music21's ABC reader gets wrong rewritten into ones it reads
    right, so no note goes missing: the invisible rest `x` (dropped) becomes `z`, the
    fermata `H` (drops its note) becomes `!fermata!`, and a grace group just inside a
    tuplet, `(3{c}BAB` (counted as a tuplet note), moves before it. Quoted text,
    !decorations!, inline fields, comments and field lines are left alone."""
    return "\n".join(
        line if field_match(line) else _MUSIC21_GAPS.sub(_fill_gap, line)
        for line in text_lines(tune)
    )


_MUSIC21_GAPS = re.compile(
    r'("[^"]*"|![^!]*!|\+[^+\s]*\+|\[[A-Za-z]:[^\]]*\]|%.*)'  # left alone
    r"|(\(\d(?::\d*){0,2})(\{[^}]*\})"  # tuplet, then grace notes
    r"|([xH])"
)


def _fill_gap(match: re.Match) -> str:
    kept, tuplet, grace, letter = match.groups()
    if kept:
        return kept
    if tuplet:
        return grace + tuplet
    return {"x": "z", "H": "!fermata!"}[letter]
