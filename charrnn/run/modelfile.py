"""The exported model file (`charrnn export`): one small file to sample from, made from a run.

It holds what sampling needs and nothing a resume needs: the weights in half precision,
the vocabulary, the run's configuration, what the run learned of its corpus (the idiom,
the titles, the forms: the files charrnn.run.rundir keeps beside the checkpoints, under
their names), the training figures, and the version of charrnn that wrote it. Plain
tensors and Python values, so it loads with `torch.load(weights_only=True)` like a
checkpoint; its keys `config`, `vocab`, `model` and `progress` are a checkpoint's, so
whatever reads a checkpoint to sample or evaluate reads this file the same way.

A ModelFile answers what a run directory answers about its corpus (read_idiom, and
read_learned and read_titles through `kept`), and keeps nothing new: the file is read-only.
"""

import math
from pathlib import Path

import torch

from charrnn import __version__
from charrnn.disk.files import write_atomic
from charrnn.errors import UserError
from charrnn.run import checkpoint, rundir

FORMAT = "charrnn-model"
VERSION = 1
SUFFIX = ".pt"
# What a model file keeps of its run's progress (charrnn info and eval read these).
PROGRESS = ("step", "epoch", "elapsed", "best_val", "best_step")


def export(payload, learned, path):
    """Write the model file for a checkpoint's `payload` and what its run learned of its
    corpus (`learned`: rundir file name -> that file's JSON value); returns its size in
    bytes."""
    made = {
        "format": FORMAT,
        "version": VERSION,
        "charrnn": __version__,
        "config": payload["config"],
        "vocab": payload["vocab"],
        "model": {name: half(tensor) for name, tensor in payload["model"].items()},
        "progress": {key: payload["progress"][key] for key in PROGRESS if key in payload["progress"]},
        "last_eval": payload.get("last_eval", {}),
        "learned": learned,
    }
    write_atomic(Path(path), lambda handle: torch.save(made, handle))
    return Path(path).stat().st_size


def half(tensor):
    """Floating-point weights in half precision (half the file, and a change in the
    probabilities far below what sampling notices); other tensors as they are."""
    return tensor.detach().to("cpu", torch.float16) if tensor.is_floating_point() else tensor


def best_val(progress):
    """A run's best validation loss (nats per character) from its progress, or None
    without one (a run with no validation split keeps infinity)."""
    best = progress.get("best_val")
    return best if isinstance(best, float) and math.isfinite(best) else None


def load(path):
    """The ModelFile at `path`, checked; every way it can be wrong is one UserError."""
    return checked(checkpoint.read(path, "model file"), path)


def checked(payload, path):
    """The ModelFile a payload read from `path` makes, once checked."""
    checkpoint.check_format(payload, path, "model file", FORMAT, VERSION,
                            ("config", "vocab", "model", "learned"), " (`charrnn export` writes them)")
    if not isinstance(payload["learned"], dict):
        raise UserError(f"{path} is an incomplete model file (missing learned)")
    return ModelFile(path, payload)


class ModelFile(rundir.Learned):
    """An exported model: its payload, and what its run learned of its corpus."""

    def __init__(self, path, payload):
        self.path = Path(path)
        self.payload = payload
        self.learned = payload["learned"]

    def __str__(self):
        return str(self.path)

    @property
    def corpus(self):
        return self.payload["config"]["data"]["corpus"]

    @property
    def best_val(self):
        return best_val(self.payload.get("progress", {}))

    def describe(self):
        """The facts `charrnn models` lists: size, corpus, figures, maker."""
        config, progress = self.payload["config"], self.payload.get("progress", {})
        model = config["model"]
        return {"file": str(self.path), "megabytes": round(self.path.stat().st_size / 1e6, 1),
                "corpus": self.corpus, "val_loss": self.best_val,
                "model": f"{model['model']} {model['layers']}x{model['hidden']}",
                "step": progress.get("step"), "elapsed": progress.get("elapsed"),
                "charrnn": self.payload.get("charrnn")}

    # ---- what the run learned of its corpus, read as from a run directory ----------------

    def read_idiom(self):
        from charrnn.music.abc.idiom import Idiom

        data = self.learned.get(rundir.IDIOM)
        return None if data is None else Idiom.from_dict(data, source=f"{self.path}'s idiom")

    def has_idiom(self):
        return rundir.IDIOM in self.learned

    @property
    def idiom_file(self):
        return self.path

    def write_idiom(self, idiom):
        raise UserError(f"{self.path} is a model file, which is not written to")

    def kept(self, name):
        return self.learned.get(name)

    def write_learned(self, name, corpus, key, value):
        return False  # a model file keeps what it was exported with, and no more
