"""A tune directory, what `charrnn sample --abc --out DIR` writes: the one module that knows
its files and their names, and keeps them as safe as a run directory's (charrnn.run.rundir).

    tune-01.abc, .mid    each tune and its MIDI, numbered so that the names sort (tune_name)
    tune-T0.8-01.abc     the same, a series for each of several temperatures
    index.html           the page of the tunes
    tunes.json           the manifest: marks the directory as sample's and lists its tunes
    .lock                there while a sampling process writes the directory (charrnn.disk.lock)

One process writes a tune directory at a time. A directory is taken only if it is new, empty
or sample's own; sample's own, holding tunes, is replaced whole or added to, as the user
says, never mixed. Each tune is written atomically (charrnn.disk.files) as soon as it is drawn,
and the page and the manifest at the end: an interrupted run keeps every tune it finished,
and its manifest says that it did not finish, which the next run reports.
"""

import contextlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from charrnn.errors import UserError, WriteError
from charrnn.disk.files import write_atomic
from charrnn.disk.lock import FileLock

MANIFEST, PAGE, LOCK = "tunes.json", "index.html", ".lock"
TUNE, MIDI = ".abc", ".mid"
MADE_BY, FORMAT = "charrnn sample --abc", 1
MIN_DIGITS = 2  # tune-01: as the names were before they were padded to the count
TUNE_STEM = re.compile(r"tune-(?:(T[^-]+)-)?(\d+)")  # the series (a temperature) and number
PARTIAL_WRITES = ".*.tmp"  # charrnn.disk.files.write_atomic's temporary files
EXISTING = ("overwrite", "append")  # what may become of the tunes a directory holds


def tune_name(number, last, label=""):
    """tune-07, or tune-T0.8-07 in the series of one of several temperatures: numbers padded
    to the digits of `last`, the highest the directory will hold, so that the names sort
    as the numbers do (tune-100 after tune-099, not before tune-11)."""
    digits = max(MIN_DIGITS, len(str(last)))
    return f"tune-{label}-{number:0{digits}d}" if label else f"tune-{number:0{digits}d}"


def tune_key(stem):
    """(series, number) of a tune file's stem, or None for a file that is not a tune."""
    match = TUNE_STEM.fullmatch(stem)
    return (match.group(1) or "", int(match.group(2))) if match else None


@dataclass
class Found:
    """The tunes a directory held when a run took it."""

    count: int
    finished: bool  # the run that wrote them ended, writing the page and the manifest

    def __str__(self):
        tunes = f"{self.count} tune{'s' if self.count != 1 else ''}"
        if self.finished:
            return f"{tunes} from charrnn sample"
        return f"{tunes} from a run of charrnn sample that stopped before it finished"


class TuneDir:
    """The tunes of one directory, written by the one process holding it: `with
    TuneDir(path).writing(existing, counts) as tunes:` then tunes.add(...) and tunes.finish()."""

    def __init__(self, path):
        self.path = Path(path)
        self.names = []  # the stems of the directory's tunes, in order: found, then written
        self.last = {}  # series -> the highest number in it
        self.highest = 0  # the highest number the directory will hold: the names' width
        self.found = Found(0, True)

    def __str__(self):
        return str(self.path)

    # ---- reading -----------------------------------------------------------------------

    def tunes(self):
        """The stems of the tunes there, in series and number order."""
        keyed = sorted((key, p.stem) for p in self.path.glob(f"tune-*{TUNE}")
                       if (key := tune_key(p.stem)))
        return [stem for _, stem in keyed]

    def manifest(self):
        """The manifest's record, or None where there is none that sample wrote."""
        with contextlib.suppress(OSError, ValueError):
            record = json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))
            if isinstance(record, dict) and record.get("made_by") == MADE_BY:
                return record
        return None

    def is_foreign(self):
        """Something that is not a directory sample made, and holds more than a stale lock
        (the lock file of a killed run, whose lock the kernel released)."""
        if not self.path.exists():
            return False
        if not self.path.is_dir():
            return True
        return any(p.name != LOCK for p in self.path.iterdir()) and self.manifest() is None

    def check(self, existing):
        """Refuse now, without writing anything, what writing() would refuse but a busy
        lock: a directory not sample's, or tunes there that `existing` does not say what
        becomes of. Returns (what was found, the tunes' stems)."""
        self.refuse_foreign()
        names = self.tunes() if self.path.is_dir() else []
        record = self.manifest()
        found = Found(len(names), record is None or bool(record.get("finished")))
        if names and existing not in EXISTING:
            raise UserError(f"{self.path} already holds {found}; pass --overwrite to replace "
                            "them or --append to add to them")
        return found, names

    def refuse_foreign(self):
        if self.path.exists() and not self.path.is_dir():
            raise UserError(f"--out {self.path} is a file; with --abc it names a directory "
                            "for the tunes")
        if self.is_foreign():
            raise UserError(f"--out {self.path} is not empty and was not made by charrnn sample "
                            f"(it has no {MANIFEST}); choose a new or empty directory")

    # ---- holding the directory -----------------------------------------------------------

    @contextlib.contextmanager
    def writing(self, existing, counts):
        """Hold the directory for this process and ready it for `counts` ({series: tunes})
        more tunes: made if new; refused if another process holds it, if it is not sample's,
        or if it holds tunes and `existing` (overwrite or append) does not say what becomes
        of them. Nothing is written before those checks pass."""
        self.check(existing)  # before a lock file lands in someone else's directory
        created = not self.path.exists()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise WriteError(f"cannot create {self.path}: {error.strerror}") from None
        try:
            with self.lock(), self.undone_if_empty(created):
                self.take(existing, counts)
                yield self
        except BaseException:
            if created:  # a run that wrote no tune leaves no directory (rmdir: only if empty)
                with contextlib.suppress(OSError):
                    self.path.rmdir()
            raise

    @contextlib.contextmanager
    def undone_if_empty(self, created):
        """A directory this run made and wrote no tune to loses its manifest on a failure,
        while the lock is still held (after, it could be another run's)."""
        try:
            yield
        except BaseException:
            if created and not self.names:
                with contextlib.suppress(OSError):
                    (self.path / MANIFEST).unlink(missing_ok=True)
            raise

    def lock(self):
        return FileLock(self.path / LOCK, busy=self.busy_message)

    def busy_message(self, pid):
        holder = f"sampling process {pid}" if pid else "another sampling process"
        return (f"{self.path} is in use: {holder} is writing tunes to it; let it finish or "
                "stop it first")

    def take(self, existing, counts):
        """Check again, now that no other run can change the directory; clear what killed
        writes left, then replace the tunes there or add to them."""
        self.found, names = self.check(existing)
        self.remove(list(self.path.glob(PARTIAL_WRITES)))
        if existing == "append":
            self.names = names
            self.last = {}
            for series, number in map(tune_key, names):
                self.last[series] = max(number, self.last.get(series, 0))
        else:
            self.clear()
        ends = [self.last.get(series, 0) + count for series, count in counts.items()]
        self.highest = max([0, *self.last.values(), *ends])
        self.repad()
        self.remove([self.path / PAGE])  # the old page would not list the new tunes
        self.write_manifest(finished=False)

    def clear(self):
        """Remove the old tunes before the first new one is written. The directory then
        holds one run's tunes at every moment (the old ones, fewer as they go; then the new
        ones, more as they come), and an interruption leaves every new tune it finished
        where the user looks. Writing into a new directory beside it and swapping the two at
        the end would keep the old tunes whole until then, but two directories cannot be
        exchanged in one step (POSIX has no call for it), so a kill can fall between the
        two renames; the lock, held in the directory, would not move with it; and a killed
        run would leave its tunes in a stray directory of its own. The manifest is written
        first, so a kill while removing leaves the directory marked as sample's; the MIDI
        files go before the tunes, so none outlives its tune to sit beside a new one."""
        self.write_manifest(finished=False, names=[])
        for suffix in (MIDI, TUNE):
            self.remove([p for p in self.path.glob(f"tune-*{suffix}") if tune_key(p.stem)])
        self.names, self.last = [], {}

    def repad(self):
        """Appending past the digits of the names there: rename them to the new width, so
        that old and new sort together. A tune's MIDI first: a kill between the two leaves
        the tune under its old name, which the next run renames in its turn."""
        renamed = []
        for stem in self.names:
            new = tune_name(tune_key(stem)[1], self.highest, tune_key(stem)[0])
            for old, moved in ((self.path / f"{stem}{suffix}", self.path / f"{new}{suffix}")
                               for suffix in (MIDI, TUNE)):
                if old != moved and old.exists():
                    self.guarded(lambda: old.rename(moved))
            renamed.append(new)
        self.names = renamed

    # ---- writing -----------------------------------------------------------------------

    def add(self, text, series="", midi=None):
        """Write the next tune of a series, numbered on from the tunes there, its X: line
        set to that number, at once; and its MIDI with midi(text, path), if given. Returns
        (stem, text)."""
        from charrnn.music.steer.sampling import renumber

        number = self.last.get(series, 0) + 1
        stem = tune_name(number, self.highest, series)
        text = renumber(text, number)
        write_atomic(self.path / f"{stem}{TUNE}", text.encode("utf-8"))
        self.names.append(stem)
        self.last[series] = number
        if midi is not None:
            midi(text, self.path / f"{stem}{MIDI}")
        return stem, text

    def next_name(self, series=""):
        """The name the next tune of a series will have."""
        return tune_name(self.last.get(series, 0) + 1, self.highest, series)

    def named_tunes(self):
        """(stem, text) of every tune of the directory, for its page."""
        return [(stem, (self.path / f"{stem}{TUNE}").read_text(encoding="utf-8", errors="replace"))
                for stem in self.names]

    def finish(self, page=None):
        """The end of a run: the page (page(named_tunes, page_path), if given), then the
        manifest that says the run finished."""
        if page is not None:
            page(self.named_tunes(), self.path / PAGE)
        self.write_manifest(finished=True)

    def write_manifest(self, finished, names=None):
        record = {"made_by": MADE_BY, "format": FORMAT, "finished": finished,
                  "tunes": self.names if names is None else names}
        data = (json.dumps(record, indent=1) + "\n").encode("utf-8")
        write_atomic(self.path / MANIFEST, data)

    def remove(self, paths):
        for path in paths:
            self.guarded(lambda: Path(path).unlink(missing_ok=True))

    def guarded(self, change):
        try:
            return change()
        except OSError as error:
            raise WriteError(f"cannot change {self.path}: {error.strerror}") from None
