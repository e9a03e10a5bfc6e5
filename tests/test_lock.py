"""charrnn.disk.lock: one holder at a time, named to the others; freed by the kernel when the
holder dies, however it dies; robust to the lock file being removed under a newcomer."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from charrnn.disk.lock import Busy, FileLock

REPO = Path(__file__).resolve().parent.parent


def busy(pid):
    return f"held by {pid}"


def test_one_holder_at_a_time_and_the_file_goes_with_the_lock(tmp_path):
    path = tmp_path / "lock"
    with FileLock(path, busy):
        assert path.read_text() == f"{os.getpid()}\n"
        with pytest.raises(Busy, match=f"^held by {os.getpid()}$"):
            with FileLock(path, busy):
                pytest.fail("two holders")
    assert not path.exists()
    with FileLock(path, busy):
        pass


def test_a_holder_killed_with_sigkill_leaves_the_lock_free(tmp_path):
    path = tmp_path / "lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom charrnn.disk.lock import FileLock\n"
         "FileLock(sys.argv[1], str).__enter__()\nprint('held', flush=True)\ntime.sleep(60)", str(path)],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(Busy) as error:
            FileLock(path, busy).__enter__()
        assert error.value.pid == holder.pid
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert path.read_text() == f"{holder.pid}\n"  # the file stays, the lock does not
    with FileLock(path, busy):
        assert path.read_text() == f"{os.getpid()}\n"


def test_a_lock_file_removed_between_open_and_lock_is_opened_afresh(tmp_path, monkeypatch):
    """As when the holder lets go and removes the file just after we opened it."""
    path, opened = tmp_path / "lock", []
    real_open = FileLock.open

    def open_then_lose_it(self):
        fd = real_open(self)
        if not opened:
            os.unlink(path)
        opened.append(fd)
        return fd

    monkeypatch.setattr(FileLock, "open", open_then_lose_it)
    with FileLock(path, busy) as lock:
        assert len(opened) == 2 and lock.fd == opened[1]
        assert path.read_text() == f"{os.getpid()}\n"
