"""Writing files atomically: a reader sees the old file or the new one, never half of one."""

import os
import tempfile
from pathlib import Path

from charrnn.errors import UserError


def write_atomic(path, data):
    """Write bytes, or call data(handle) to write, into a temporary file beside path, fsync it,
    then rename it over path. A failure leaves whatever was at path untouched. Returns path."""
    path = Path(path)
    if not path.parent.is_dir():
        problem = (f"{path.parent} is a file, not a directory" if path.parent.exists()
                   else f"directory {path.parent} does not exist")
        raise UserError(f"cannot write {path}: {problem}")
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            data(out) if callable(data) else out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except OSError as error:  # a full disk, a directory in the way: the old file stays
        Path(temp).unlink(missing_ok=True)
        raise UserError(f"cannot write {path}: {error.strerror or error}") from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    sync_directory(path.parent)
    return path


def sync_directory(directory):
    """fsync the directory so the rename itself survives a power cut (POSIX only)."""
    if hasattr(os, "O_DIRECTORY"):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
