"""The reference ABC converter, abcMIDI's `abc2midi`, as an oracle: what it says of a tune.

abc2midi exits 0 even when it finds errors, so its verdict is read from its messages:
`Error in line-char 7-9 : Nested grace notes not allowed`. It is optional (Debian's
`abcmidi` package); every function here says so by returning None where it is missing.
"""

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

_MESSAGE = re.compile(r"^(Error|Warning) in line-char (\d+)-(\d+) : (.*)$", re.MULTILINE)
_TIMEOUT_S = 30
# Errors abc2midi prints and then plays every note as written (store.c): it ignores a
# text in quotes that is no chord it knows, and plays a hornpipe outside 2/4 and 4/4
# without its swing. Warnings in the sense of charrnn.music.grammar's TuneReader.findings.
PLAYS_ON = ("Guitar chord does not start with", "Unrecognized chord name",
            "Hornpipe must be in")


def installed() -> bool:
    return shutil.which("abc2midi") is not None


def messages(tune: str, *flags: str) -> list[tuple[str, int, str]] | None:
    """(kind, line, text) of each Error or Warning abc2midi prints for one tune, run with
    `-c` (check only, no MIDI written) and `flags`; None where abc2midi is not installed.
    Its messages quote the tune's bytes, which need not be UTF-8."""
    if not installed():
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tune.abc"
        path.write_text(tune, encoding="utf-8")
        try:
            done = subprocess.run(["abc2midi", str(path), "-c", *flags], capture_output=True,
                                  text=True, errors="replace", cwd=folder, timeout=_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return [("Error", 0, f"abc2midi took more than {_TIMEOUT_S} s")]
    found = _MESSAGE.finditer(done.stdout + done.stderr)
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
