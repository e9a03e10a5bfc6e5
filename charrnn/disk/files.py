"""Writing files safely: a reader sees the old file or the new one, never half of one, and a
write that fails (no space, a read-only filesystem, an I/O error, the directory gone) leaves
what was there and becomes one line, errors.WriteError. Every file ends with the mode a
plain open() gives it (the user's umask), not the 0600 of the temporary file it began as."""

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from charrnn.errors import WriteError


def read_umask():
    """The process's umask. Linux (4.7 on) shows it in /proc without changing it; elsewhere
    it can only be read by setting it and setting it back, which would race a thread
    creating a file in between, so this is done once, at import (see UMASK)."""
    with contextlib.suppress(OSError, ValueError, StopIteration):
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            return int(next(line for line in status if line.startswith("Umask:")).split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


UMASK = read_umask()
NEW_FILE_MODE = 0o666 & ~UMASK  # what open(path, "w") gives a new file


def check_writable(path):
    """Fail now, before any work is done, if path cannot be written: its directory is missing
    or is a file, or path is a directory. Returns path."""
    path = Path(path)
    if path.is_dir():
        raise WriteError(f"cannot write {path}: it is a directory")
    if not path.parent.is_dir():
        problem = (f"{path.parent} is a file, not a directory" if path.parent.exists()
                   else f"directory {path.parent} does not exist")
        raise WriteError(f"cannot write {path}: {problem}")
    return path


def write_atomic(path, data):
    """Write bytes, or call data(handle) to write, into a temporary file beside path, fsync it,
    then rename it over path. A failure leaves whatever was at path untouched. Returns path."""
    path = check_writable(path)
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise write_error(path, error) from None
    watched = None
    try:
        with os.fdopen(handle, "wb") as out:
            keep_mode(out.fileno(), path)
            watched = Watched(out)
            data(watched) if callable(data) else watched.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
        sync_directory(path.parent)
    except BaseException as error:
        Path(temp).unlink(missing_ok=True)
        cause = failed_write(error, watched)
        if cause is None:
            raise
        raise write_error(path, cause) from None
    return path


def keep_mode(fd, path):
    """Give the temporary file (mkstemp makes it 0600) the mode a plain write of path would
    leave: the old file's, or a new file's under the umask."""
    if hasattr(os, "fchmod"):  # Windows has no modes to keep
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            mode = NEW_FILE_MODE
        os.fchmod(fd, mode)


def append_line(path, line):
    """Append one line (bytes ending in a newline). It goes in one write() when the disk has
    room, and a write that fails midway is cut back off, so the file never keeps part of a
    line. (A reader can still catch a line being written: it reads whole lines only.)"""
    path = check_writable(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    except OSError as error:
        raise write_error(path, error) from None
    try:
        size, written = os.fstat(fd).st_size, 0
        while written < len(line):  # a short write means the disk filled up midway
            written += os.write(fd, line[written:])
    except OSError as error:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, size)
        raise write_error(path, error) from None
    finally:
        os.close(fd)


class Watched:
    """A file that remembers the OSError its write() raised. torch.save reports a failed write
    as a RuntimeError of its own ("[enforce fail at inline_container.cc] unexpected pos"),
    which hides the cause: a full disk would look like a bug in torch."""

    def __init__(self, handle):
        self.handle, self.error = handle, None

    def write(self, data):
        try:
            return self.handle.write(data)
        except OSError as error:
            self.error = error
            raise

    def flush(self):
        try:
            self.handle.flush()
        except OSError as error:
            self.error = error
            raise

    def __getattr__(self, name):
        return getattr(self.handle, name)


def failed_write(error, watched):
    """The OSError behind a failed write: the error itself, or the one the file met while a
    writer such as torch.save wrote to it. None for anything else (a bug, Ctrl-C), which must
    go on as it is rather than be mistaken for a full disk."""
    if isinstance(error, OSError):
        return error
    if isinstance(error, Exception) and watched is not None:
        return watched.error
    return None


def write_error(path, error):
    return WriteError(f"cannot write {path}: {error.strerror or error}")


def sync_directory(directory):
    """fsync the directory so the rename itself survives a power cut (POSIX only)."""
    if hasattr(os, "O_DIRECTORY"):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
