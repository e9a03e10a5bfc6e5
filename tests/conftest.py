"""Shared fixtures: a tiny corpus, a tiny, fast run configuration, a small disk, and the
system programs some tests need (`needs`)."""

import errno
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import torch

from charrnn.model import threads
from charrnn.run.config import RunConfig, validate

torch.set_num_threads(1)


# ---- system programs ------------------------------------------------------------------------

def _has_audio() -> bool:
    from charrnn.music.play import render

    return render.audio_tool(".oga") is not None


# What each program is, how a test tells it is there, and what installs it (Debian's names).
PROGRAMS = {
    "abc2midi": (lambda: shutil.which("abc2midi") is not None, "apt-get install abcmidi"),
    "abcm2ps": (lambda: shutil.which("abcm2ps") is not None, "apt-get install abcm2ps"),
    "chromium": (lambda: shutil.which("chromium") is not None, "apt-get install chromium"),
    "fluidsynth": (_has_audio, "apt-get install fluidsynth timgm6mb-soundfont"),
}


def needs(*programs: str) -> None:
    """Go on only where every one of `programs` is installed. Where one is missing the test
    is skipped on a user's machine, but fails in CI (CI=true), where a skipped oracle would
    let the suite pass without running it, saying what to install."""
    for program in programs:
        present, install = PROGRAMS[program]
        if not present():
            message = f"{program} is not installed: {install}"
            if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
                pytest.fail(f"CI=true and {message}", pytrace=False)
            pytest.skip(message)


def pytest_runtest_setup(item):
    for mark in item.iter_markers("needs"):
        needs(*mark.args)


@pytest.fixture
def corpus_file(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("the cat sat on the mat. " * 200, encoding="utf-8")
    return path


def tiny_config(corpus, **overrides):
    """A run small enough to train in a fraction of a second."""
    config = RunConfig()
    config.data.corpus = str(corpus)
    config.data.batch_size, config.data.seq_len = 4, 16
    config.model.hidden, config.model.embedding, config.model.layers = 16, 8, 1
    config.model.dropout = 0.0  # a tiny model learns tiny corpora without it,
    config.train.warmup_steps = 0  # and tens of steps, not warm-up
    config.train.eval_every, config.train.max_steps, config.train.lr = 10, 20, 1e-2
    config.train.threads = 1  # as this process runs (above): no trial, the same sums each run
    for key, value in overrides.items():
        for section in (config.model, config.data, config.train):
            if hasattr(section, key):
                setattr(section, key, value)
    validate(config)
    return config


@pytest.fixture(autouse=True, scope="session")
def session_cache(tmp_path_factory):
    """No test reads or writes the user's cache (charrnn.disk.cache), module fixtures included."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("session-cache")))
        yield


@pytest.fixture(autouse=True)
def own_cache(tmp_path_factory, monkeypatch):
    """Each test starts with an empty cache of its own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


# ---- a small, nearly full disk ------------------------------------------------------------

SMALL_DISK = 256 * 1024  # bytes: a few tiny checkpoints


@pytest.fixture
def small_disk(tmp_path, monkeypatch):
    """A directory on a filesystem of SMALL_DISK bytes: a tmpfs where this machine lets us
    mount one (as root on Linux), else a directory where a file opened with os.fdopen for
    writing (as charrnn.disk.files' atomic writes open theirs) fails with ENOSPC, as a full disk
    does, once the directory's files would grow past that size."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if mount_tmpfs(disk, SMALL_DISK):
        yield disk
        subprocess.run(["umount", "-l", str(disk)], capture_output=True, check=False)
        return
    monkeypatch.setattr(os, "fdopen", quota_fdopen(disk, SMALL_DISK))
    yield disk


def mount_tmpfs(directory, size):
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)],
                          capture_output=True, check=False)
    return done.returncode == 0


def fill_up(disk):
    """Fill the disk, so that any further write into it fails."""
    with open(disk / "filler", "wb", buffering=0) as out:
        try:
            while out.write(b"\0" * 4096):
                if disk_used(disk) >= SMALL_DISK:  # the simulated disk: os.fdopen alone is limited
                    break
        except OSError as error:
            assert error.errno == errno.ENOSPC


def disk_used(directory):
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


class QuotaFile(io.FileIO):
    """A file whose writes fail with ENOSPC once the files below `root` would pass `size`."""

    def __init__(self, fd, root, size):
        super().__init__(fd, "wb")
        self.root, self.size = root, size

    def write(self, data):
        if disk_used(self.root) + len(data) > self.size:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return super().write(data)


def quota_fdopen(root, size):
    real = os.fdopen

    def fdopen(fd, mode="r", *args, **kwargs):
        if "w" in mode and "b" in mode and opened_below(fd, root):
            return io.BufferedWriter(QuotaFile(fd, root, size))
        return real(fd, mode, *args, **kwargs)

    return fdopen


def opened_below(fd, root):
    try:
        return Path(os.readlink(f"/proc/self/fd/{fd}")).is_relative_to(root)
    except OSError:  # no /proc: count every file
        return True


def stop_at(trainer, step):
    """The trainer, set to stop at `step` as a first Ctrl-C there would (the step finished,
    saved, the run ended as interrupted)."""
    train_step = trainer.train_step

    def interrupt():
        loss = train_step()
        if trainer.progress.step == step:
            trainer.stop_signal = "SIGINT"
        return loss

    trainer.train_step = interrupt
    return trainer


class Machine:
    """A fake clock and fake threads: a step takes seconds(thread count, step), a
    validation eval_seconds. The thread count is only recorded (torch runs on as the tests
    do), so that a test of two collapsing threads does not collapse."""

    def __init__(self, seconds, eval_seconds=0.0, monkeypatch=None):
        self.now, self.seconds, self.eval_seconds, self.counts = 0.0, seconds, eval_seconds, []
        self.threads = 1
        if monkeypatch is not None:
            monkeypatch.setattr(threads, "cores", lambda: 2)
            monkeypatch.setattr(threads, "use", self.use)

    def use(self, count):
        self.threads = count

    def __call__(self):
        return self.now

    def drive(self, trainer):
        trainer.clock = self
        step, validate = trainer.train_step, trainer.validation_scores

        def timed_step():
            self.counts.append(self.threads)
            self.now += self.seconds(self.threads, trainer.progress.step)
            return step()

        def timed_validation():
            self.now += self.eval_seconds
            return validate()

        trainer.train_step, trainer.validation_scores = timed_step, timed_validation
        return trainer
