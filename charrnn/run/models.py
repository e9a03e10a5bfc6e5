"""What a command's model argument names: a run directory, a checkpoint file, an exported
model file (charrnn.run.modelfile), or the name of a model shipped inside the package.

The shipped models are model files in charrnn/shipped/, installed with the package (a
wheel, a plain `pip install .` or a checkout alike), found here by their file's stem:
`charrnn sample folk` reads charrnn/shipped/folk.pt.
"""

import difflib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from charrnn.errors import UserError
from charrnn.run import checkpoint, modelfile, rundir

SHIPPED = "shipped"  # the package's folder of model files


@dataclass
class Loaded:
    """A model argument read from disk: the checkpoint-like payload, the file it came from, and
    where what its run learned of its corpus is kept (a RunDir, or the ModelFile itself)."""

    payload: dict
    path: Path
    learned: rundir.Learned


def shipped():
    """Shipped model name -> its file, sorted by name."""
    folder = resources.files("charrnn") / SHIPPED
    if not folder.is_dir():
        return {}
    files = [f for f in folder.iterdir() if f.name.endswith(modelfile.SUFFIX) and f.is_file()]
    return {f.name[: -len(modelfile.SUFFIX)]: Path(str(f)) for f in sorted(files, key=lambda f: f.name)}


def is_shipped_name(spec):
    """A bare name, not a path: `folk`, not `folk/` or `./folk` or `folk.pt`."""
    text = str(spec)
    return bool(text) and "/" not in text and "\\" not in text and "." not in text


def names_shipped(spec):
    """Whether a model argument is a shipped model's name: a bare name, with no file or
    directory of that name here."""
    return is_shipped_name(spec) and not Path(spec).exists()


def find(spec, which="best"):
    """The file a model argument names: a shipped model's (see names_shipped), a run
    directory's `which` checkpoint, or the file itself."""
    path = Path(spec)
    if names_shipped(spec):
        models = shipped()
        if spec in models:
            return models[spec]
        near = difflib.get_close_matches(str(spec), list(models), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        names = ", ".join(models) or "none in this install"
        raise UserError(f"no run directory, checkpoint or shipped model named {spec!r} "
                        f"(shipped models: {names}){hint}")
    return rundir.checkpoint_file(path, which)


def load(spec, which="best"):
    """What a model argument names (see find), read and checked."""
    path = find(spec, which)
    payload = checkpoint.read(path, "checkpoint")
    if isinstance(payload, dict) and payload.get("format") == modelfile.FORMAT:
        exported = modelfile.checked(payload, path)
        return Loaded(payload, path, exported)
    checkpoint.check_format(payload, path)
    return Loaded(payload, path, rundir.RunDir(rundir.run_directory(path)))


def corpus_named(spec):
    """The corpus spec a --corpus value names: a run directory, a checkpoint or a model
    file names the corpus its model learned from, and so does a shipped model's name;
    anything else is a corpus spec itself."""
    named = (names_shipped(spec) and spec in shipped()) or rundir.is_run(Path(spec))
    if not named:
        return spec
    return load(spec).payload["config"]["data"]["corpus"]
