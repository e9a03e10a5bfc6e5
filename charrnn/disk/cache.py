"""Results kept on disk between runs, costly to compute and cheap to lose: JSON files under
the user's cache directory, `$XDG_CACHE_HOME/charrnn` (else `~/.cache/charrnn`), as the
XDG Base Directory specification puts them. A file that is missing, damaged or from
another version is simply computed again; a cache that cannot be written is skipped.
"""

import json
import os
from pathlib import Path

from charrnn.errors import UserError
from charrnn.disk.files import write_atomic


def cache_dir() -> Path:
    """Where charrnn keeps its cache: $XDG_CACHE_HOME/charrnn, else ~/.cache/charrnn."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "charrnn"


def load(name: str, version: int) -> dict | None:
    """The cached data saved as `name` with this `version`; None when there is none."""
    try:
        data = json.loads((cache_dir() / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != version:
        return None
    return data.get("data")


def save(name: str, version: int, data) -> bool:
    """Keep `data` (JSON-able) as `name`; False when the cache directory cannot be written."""
    path = cache_dir() / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps({"version": version, "data": data}).encode("utf-8"))
    except (OSError, UserError):
        return False
    return True
