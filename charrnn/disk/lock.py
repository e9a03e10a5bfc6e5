"""An exclusive lock one process holds on a lock file: an OS lock (flock(2)), which the
kernel releases when the process ends however it ends, so a killed process never leaves
a stale lock behind. The file holds the holder's process id, for the message others get.

flock is per open file, not per process: a second lock on the same file is refused even
within one process. Where the platform has no fcntl (Windows), nothing is locked.
"""

import contextlib
import os

from charrnn.errors import UserError, WriteError

ATTEMPTS = 5  # a lock file removed between our open and our lock is opened afresh


class Busy(UserError):
    """Another process holds the lock; `pid` says which (None if it had not written it yet)."""

    def __init__(self, message, pid):
        super().__init__(message)
        self.pid = pid


class FileLock:
    """`with FileLock(path, busy):` holds the lock on path, or at once raises Busy with the
    message busy(pid) gives. The lock file is removed when the lock is released."""

    def __init__(self, path, busy):
        self.path, self.busy, self.fd = path, busy, None

    def __enter__(self):
        try:
            import fcntl
        except ImportError:
            return self
        for _ in range(ATTEMPTS):
            fd = self.open()
            if self.locked(fd, fcntl):
                self.fd = fd
                with contextlib.suppress(OSError):  # only for messages: a full disk may refuse it
                    os.ftruncate(fd, 0)
                    os.write(fd, f"{os.getpid()}\n".encode())
                return self
            os.close(fd)  # the holder let go and removed the file between our open and our lock
        raise UserError(f"cannot lock {self.path}: it keeps being replaced")

    def locked(self, fd, fcntl):
        """Lock the open file: True if it is still the file at path, Busy if another holds it."""
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = holder(fd)
            os.close(fd)
            raise Busy(self.busy(pid), pid) from None
        except OSError as error:  # a filesystem without locks
            os.close(fd)
            raise UserError(f"cannot lock {self.path}: {error.strerror}") from None
        return self.is_ours(fd)

    def open(self):
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as error:
            raise WriteError(f"cannot write {self.path}: {error.strerror}") from None

    def is_ours(self, fd):
        """Whether path still names the file fd has open (a releasing holder removes it)."""
        try:
            here, ours = os.stat(self.path), os.fstat(fd)
        except FileNotFoundError:
            return False
        return (here.st_dev, here.st_ino) == (ours.st_dev, ours.st_ino)

    def __exit__(self, *exc):
        if self.fd is not None:
            # Removed while still held: whoever opened it before and locks it after finds it
            # gone from path (is_ours) and opens the file there now, as a newcomer does.
            if self.is_ours(self.fd):
                with contextlib.suppress(OSError):
                    os.unlink(self.path)
            os.close(self.fd)
            self.fd = None
        return False


def holder(fd):
    """The process id written in a lock file, or None."""
    with contextlib.suppress(OSError, ValueError):
        return int(os.pread(fd, 32, 0).decode().strip())
    return None
