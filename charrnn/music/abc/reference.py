"""The reference ABC converter, abcMIDI's `abc2midi`, as an oracle: what it says of a tune,
and the MIDI it plays it as. The one place charrnn, its tests and its benchmarks run it:
always on a copy of the tune in a scratch directory of its own, never in the user's
working directory, as abc2midi writes its files beside its input and where it runs.

abc2midi exits 0 even when it finds errors, so its verdict is read from its messages:
`Error in line-char 7-9 : Nested grace notes not allowed`. It is optional (Debian's
`abcmidi` package); every function here says so by returning None where it is missing.
"""

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

_MESSAGE = re.compile(r"^(Error|Warning) in line-char (\d+)-(\d+) : (.*)$", re.MULTILINE)
_TIMEOUT_S = 30
# Errors abc2midi prints and then plays every note as written (store.c): it ignores a
# text in quotes that is no chord it knows, and plays a hornpipe outside 2/4 and 4/4
# without its swing. Warnings in the sense of charrnn.music.abc.grammar's TuneReader.findings.
PLAYS_ON = ("Guitar chord does not start with", "Unrecognized chord name",
            "Hornpipe must be in")


@dataclass
class Converted:
    """What one run of abc2midi gave: what it printed, and the MIDI file it wrote (None
    where it wrote none: with -c, or where it gave up)."""

    output: str
    midi: bytes | None = None
    timed_out: bool = False


def installed() -> bool:
    return shutil.which("abc2midi") is not None


def convert(tune: str, *flags: str, check_only: bool = False,
            encoding: str = "utf-8") -> Converted | None:
    """abc2midi run on one tune with `flags`, in a scratch directory: with `check_only`
    it writes no MIDI (-c). The tune is written in `encoding` (abc2midi reads bytes, and
    quotes them in its messages, which need not be UTF-8). None where it is not installed."""
    if not installed():
        return None
    with tempfile.TemporaryDirectory(prefix="charrnn-abc2midi-") as folder:
        path, out = Path(folder) / "tune.abc", Path(folder) / "tune.mid"
        path.write_text(tune, encoding=encoding, errors="replace")
        command = ["abc2midi", str(path), *(["-c"] if check_only else ["-o", str(out)]), *flags]
        try:
            done = subprocess.run(command, capture_output=True, text=True, errors="replace",
                                  cwd=folder, timeout=_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return Converted(f"abc2midi took more than {_TIMEOUT_S} s", timed_out=True)
        return Converted(done.stdout + done.stderr, out.read_bytes() if out.exists() else None)


def messages(tune: str, *flags: str) -> list[tuple[str, int, str]] | None:
    """(kind, line, text) of each Error or Warning abc2midi prints for one tune, run with
    `-c` (check only, no MIDI written) and `flags`; None where abc2midi is not installed."""
    done = convert(tune, *flags, check_only=True)
    if done is None:
        return None
    if done.timed_out:
        return [("Error", 0, done.output)]
    found = _MESSAGE.finditer(done.output)
    return [(m.group(1), int(m.group(2)), m.group(4).strip()) for m in found]


def errors(tune: str) -> list[str] | None:
    """The Error messages abc2midi prints for a tune (empty: it reads the tune cleanly);
    None where abc2midi is not installed."""
    found = messages(tune)
    return None if found is None else [text for kind, _, text in found if kind == "Error"]


def judged(tune: str) -> tuple[list[str], list[str]] | None:
    """abc2midi's messages for a tune as errors (it plays other notes or lengths than
    written, or none) and warnings (it plays, perhaps not as written: its Warnings, and
    the Errors of PLAYS_ON); None where abc2midi is not installed."""
    found = messages(tune)
    if found is None:
        return None
    errors = [text for kind, _, text in found if kind == "Error" and not text.startswith(PLAYS_ON)]
    return errors, [text for kind, _, text in found if text not in errors]
