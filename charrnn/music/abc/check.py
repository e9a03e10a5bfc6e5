"""Is this ABC a valid tune? The grammar's verdict, and music21 reading it into notes.

The grammar (`charrnn.music.abc.grammar`) judges the text: header fields, bar lengths against
the meter, repeats as abc2midi plays them, and what makes abc2midi print an Error. Sampled
tunes are steered by the same grammar, so the check and the sampler agree on what valid
means. music21 then confirms that the tune turns into notes. A problem is an error where a
player cannot play the tune as written (abc2midi plays other notes or lengths, or none), a
warning where it plays but perhaps not as written (TuneReader.findings). Used to score
sampled tunes and by `charrnn abc-check`; music21 is imported lazily (it takes about a
second to load).
"""

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from charrnn.music.abc.grammar import TuneReader, judge_text
from charrnn.music.abc.music21_adapter import friendly_abc, read_abc
from charrnn.music.abc.tunes import normalise_tune, split_tunes, tune_field


@dataclass
class TuneCheck:
    """The verdict on one tune: valid (`ok`) with no errors and no warnings; playable
    (`plays`) with no errors."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    title: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and not self.warnings

    @property
    def plays(self) -> bool:
        return not self.errors

    @property
    def problems(self) -> list[str]:
        return self.errors + self.warnings

    def to_dict(self) -> dict:
        return {"title": self.title, "valid": self.ok, "plays": self.plays,
                "errors": self.errors, "warnings": self.warnings}


def check_tune(text: str, bar=None) -> TuneCheck:
    """Check one tune: the grammar's errors and warnings; for a tune with no errors,
    whether music21 reads it into notes (an error where it cannot). `bar`, a tqdm progress
    bar, counts the characters read."""
    tune = normalise_tune(text)
    errors, warnings = _grammar_findings(tune, bar)
    return TuneCheck(errors or parse_problems(tune), warnings, tune_field(tune, "T"))


def _grammar_findings(tune: str, bar) -> tuple[list[str], list[str]]:
    """judge_text, fed a piece at a time so that a progress bar moves through a long tune."""
    if bar is None:
        return judge_text(tune)
    reader = TuneReader()
    for start in range(0, len(tune), _PIECE):
        reader.feed(tune[start:start + _PIECE])
        bar.update(len(tune[start:start + _PIECE]))
    reader.finish()
    return reader.findings()


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
                                             initializer=_start_worker, initargs=(os.getpid(),))
        self._pending = {}

    def add(self, text: str):
        known_by = _after_x(text)
        if self._pool is not None and known_by not in self._pending:
            with _interrupts_held():  # the first tune starts the worker
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


@contextlib.contextmanager
def _interrupts_held():
    """Ctrl-C held back (not lost: it arrives after) while the worker is started, so that
    the worker starts with it blocked, as multiprocessing starts its resource tracker. Its
    own setting comes only once it has imported what it runs, and a Ctrl-C before that
    would print a traceback of the worker's."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _start_worker(parent):
    """Ctrl-C reaches the whole process group: the parent stops the pool, and the worker
    must not print a traceback of its own. And the worker ends with its parent, however
    that ends: a parent killed with SIGKILL stops no pool, and its worker would run on,
    re-parented, with the resource tracker beside it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not killed_with_parent():
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # it was gone before we asked
        os._exit(1)


def killed_with_parent():
    """Ask Linux to kill this process when its parent ends (prctl PR_SET_PDEATHSIG); False
    where that cannot be asked. To Linux the parent is the thread that started the process
    (the one that handed in the first tune); should that thread end first, the pool breaks
    and verdict() checks the tunes itself."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_PARENT_POLL_S = 0.5


def _watch_parent(parent):
    """Elsewhere: look for the parent twice a second; once it is gone, end at once."""
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_S)
    os._exit(1)


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
    try:
        score = read_abc(friendly_abc(tune))
    except Exception as error:  # music21's ABC reader raises many kinds; all mean "bad"
        message = f"{type(error).__name__}: {error}".splitlines()[0][:100]
        return [f"music21 cannot parse it ({message})"]
    if not any(True for _ in score.recurse().notes):
        return ["no notes"]
    return []
