"""The TOML presets `--config NAME` names, found where charrnn is installed.

The files live once, in the repository's top-level configs/. A build maps that directory
into the package (setup.py), so a wheel or a plain `pip install .` holds them as
charrnn/configs/*.toml; running from a checkout or an editable install reads configs/.
"""

import difflib
from importlib import resources
from pathlib import Path

from charrnn.errors import UserError

DEFAULT = "default"  # what `charrnn train` runs with no --corpus and no --config
CHECKOUT = Path(__file__).resolve().parents[2] / "configs"


def directory():
    """The installed presets (a Traversable), else the checkout's configs/."""
    installed = resources.files("charrnn") / "configs"
    return installed if installed.is_dir() else CHECKOUT


def available():
    """Preset name -> its file, sorted by name (none when no presets are installed)."""
    where = directory()
    if not where.is_dir():
        return {}
    files = [f for f in where.iterdir() if f.name.endswith(".toml") and f.is_file()]
    return {f.name[: -len(".toml")]: f for f in sorted(files, key=lambda f: f.name)}


def find(name):
    """A TOML path as given, or the preset of that name; a UserError listing the presets."""
    path = Path(name)
    if path.suffix == ".toml" or path.exists():
        return path
    presets = available()
    if name in presets:
        return presets[name]
    close = difflib.get_close_matches(name, presets, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    known = ", ".join(presets) or "none found"
    raise UserError(f"no config file or preset named {name!r} (presets: {known}){hint}")
