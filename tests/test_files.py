"""charrnn.disk.files: atomic writes that leave the old file on any failure, a failed write told
apart from a bug (torch.save hides a full disk in a RuntimeError of its own), and appends
that never leave part of a line."""

import errno
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from charrnn.errors import WriteError
from charrnn.disk.files import append_line, check_writable, write_atomic
from conftest import fill_up

REPO = Path(__file__).resolve().parent.parent


def listing(directory):
    return sorted(p.name for p in directory.iterdir())


@pytest.mark.parametrize("data", [b"new bytes", lambda out: out.write(b"new bytes")])
def test_writes_bytes_or_whatever_a_writer_writes(tmp_path, data):
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")
    assert write_atomic(path, data) == path
    assert path.read_bytes() == b"new bytes" and listing(tmp_path) == ["f.bin"]


class FailingFile(io.FileIO):
    """A file whose writes fail as a disk does: full, read-only, or broken."""

    def __init__(self, fd, code):
        super().__init__(fd, "wb")
        self.code = code

    def write(self, data):
        raise OSError(self.code, os.strerror(self.code))


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EIO])
@pytest.mark.parametrize("writer", ["bytes", "torch.save"])
def test_a_failed_write_is_one_line_and_leaves_the_old_file(tmp_path, monkeypatch, code, writer):
    path = tmp_path / "last.pt"
    path.write_bytes(b"old")
    monkeypatch.setattr(os, "fdopen", lambda fd, *args, **kwargs: FailingFile(fd, code))
    data = b"x" * 100 if writer == "bytes" else (lambda out: torch.save({"w": torch.ones(3)}, out))
    with pytest.raises(WriteError) as error:
        write_atomic(path, data)
    assert str(error.value) == f"cannot write {path}: {os.strerror(code)}"
    assert path.read_bytes() == b"old" and listing(tmp_path) == ["last.pt"]


def test_torch_save_into_a_full_disk_is_a_failed_write(small_disk):
    (small_disk / "last.pt").write_bytes(b"old")
    fill_up(small_disk)
    with pytest.raises(WriteError, match=f"cannot write {small_disk}/last.pt: No space left on device$"):
        write_atomic(small_disk / "last.pt", lambda out: torch.save({"w": torch.ones(10_000)}, out))
    assert (small_disk / "last.pt").read_bytes() == b"old"
    assert listing(small_disk) == ["filler", "last.pt"]


@pytest.mark.parametrize("error", [RuntimeError("a bug in the writer"), KeyboardInterrupt()])
def test_anything_but_a_failed_write_goes_on_as_it_is(tmp_path, error):
    """A writer's own error is not a full disk: it is raised as it was, the old file kept."""
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")

    def broken(out):
        out.write(b"half")
        raise error

    with pytest.raises(type(error)):
        write_atomic(path, broken)
    assert path.read_bytes() == b"old" and listing(tmp_path) == ["f.bin"]


@pytest.mark.parametrize("target, message", [
    ("missing/f.txt", "cannot write {t}/missing/f.txt: directory {t}/missing does not exist"),
    ("file/f.txt", "cannot write {t}/file/f.txt: {t}/file is a file, not a directory"),
    ("dir", "cannot write {t}/dir: it is a directory"),
])
def test_a_path_that_cannot_be_written_is_refused_before_any_work(tmp_path, target, message):
    (tmp_path / "file").write_text("a file")
    (tmp_path / "dir").mkdir()
    for check in (check_writable, lambda path: write_atomic(path, b"x"),
                  lambda path: append_line(path, b"x\n")):
        with pytest.raises(WriteError) as error:
            check(tmp_path / target)
        assert str(error.value) == message.format(t=tmp_path)


def test_lines_are_appended_whole(tmp_path):
    path = tmp_path / "log"
    for text in (b"one\n", b"two\n"):
        append_line(path, text)
    assert path.read_bytes() == b"one\ntwo\n"


def test_an_append_into_a_full_disk_leaves_the_file_as_it_was(small_disk):
    if not os.path.ismount(small_disk):
        pytest.skip("needs a real filesystem to fill (a tmpfs, mounted as root)")
    path = small_disk / "log"
    append_line(path, b"first\n")
    fill_up(small_disk)
    with pytest.raises(WriteError, match="No space left on device"):
        append_line(path, b"x" * 10_000 + b"\n")  # more than its last page has room for
    assert path.read_bytes() == b"first\n"


WRITES = """
import sys
from pathlib import Path
from charrnn.disk.files import append_line, write_atomic
from charrnn.disk.lock import FileLock
folder = Path(sys.argv[1])
write_atomic(folder / "new.bin", b"new")
write_atomic(folder / "kept.bin", b"replaced")
append_line(folder / "log.jsonl", b"{}\\n")
with FileLock(folder / ".lock", busy=str):
    print(oct((folder / ".lock").stat().st_mode & 0o777))
"""


@pytest.mark.skipif(not hasattr(os, "fchmod"), reason="no file modes (Windows)")
@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_files_get_the_mode_a_plain_open_gives_under_the_umask(tmp_path, umask):
    """A new file gets 0666 less the umask (not the 0600 of the temporary file it began
    as); a replaced one keeps its own mode, as open(path, "w") leaves it."""
    (tmp_path / "kept.bin").write_bytes(b"old")
    os.chmod(tmp_path / "kept.bin", 0o640)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-c", WRITES, str(tmp_path)], env=env, capture_output=True,
                          text=True, timeout=60, preexec_fn=lambda: os.umask(umask))
    assert done.returncode == 0, done.stderr
    expected = 0o666 & ~umask
    assert done.stdout.strip() == oct(expected)  # the lock file
    modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()}
    assert modes == {"new.bin": expected, "log.jsonl": expected, "kept.bin": 0o640}
    assert (tmp_path / "kept.bin").read_bytes() == b"replaced"


def test_the_umask_is_read_without_changing_it():
    from charrnn.disk.files import read_umask

    mask = os.umask(0o027)
    try:
        assert read_umask() == 0o027 and os.umask(0o027) == 0o027
    finally:
        os.umask(mask)
