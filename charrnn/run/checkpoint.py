"""The checkpoint format: one file holds everything to sample, evaluate or resume a run.

A checkpoint is a dict of plain tensors and Python values (config, vocabulary, weights,
optimizer and schedule state, step, data position, carried hidden state, RNG state, metrics)
so it loads with `torch.load(weights_only=True)`, which refuses pickled code. Files are
written atomically: a temporary file in the same directory, fsync, then rename. Where a
run keeps its checkpoints, and their names, is charrnn.run.rundir's business.
"""

import pickle
import re
import warnings
from pathlib import Path

import torch

from charrnn.run.config import RunConfig
from charrnn.errors import UserError
from charrnn.disk.files import write_atomic
from charrnn.data.vocab import Vocabulary

FORMAT = "charrnn-checkpoint"
VERSION = 1
# What torch's weights-only unpickler says when a file asks for a class or a function, that
# is, for code; every other unpickling error means a damaged file or not a checkpoint at all.
CODE_REFUSED = re.compile(r"GLOBAL|Can only (create|build)|call reduce")


def save(payload, path):
    """Write a checkpoint atomically (see charrnn.disk.files.write_atomic)."""
    payload = {"format": FORMAT, "version": VERSION, **payload}
    write_atomic(path, lambda handle: torch.save(payload, handle))


def load(path):
    """Load and check a checkpoint file; every way it can be wrong becomes one clear UserError."""
    payload = read(path, "checkpoint")
    check_format(payload, path)
    return payload


def read(path, kind):
    """The plain tensors and values a file written by torch.save holds, read with
    `weights_only=True`; a missing, damaged or code-carrying file is one UserError naming
    the `kind` of file it should have been ("checkpoint", "model file")."""
    if not Path(path).is_file():
        raise UserError(f"no such {kind}: {path}")
    try:
        with warnings.catch_warnings():
            # torch warns about pickle protocols it does not write; the checks judge the file.
            warnings.filterwarnings("ignore", message="Detected pickle protocol")
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        if CODE_REFUSED.search(str(error)):
            raise UserError(f"refusing to load {path}: it holds pickled objects beyond plain "
                            "tensors, which could run code; it was not written by charrnn") from None
        raise UserError(f"{path} is not a readable {kind}; it may be truncated or corrupt "
                        "(not a pickle of plain tensors)") from None
    except Exception as error:  # torch raises many kinds on a damaged file; all mean the same
        raise UserError(f"{path} is not a readable {kind}; it may be truncated or corrupt "
                        f"({first_line(error)})") from None


def check_format(payload, path, kind="checkpoint", mark=FORMAT, newest=VERSION,
                 keys=("config", "vocab", "model"), maker=""):
    """Refuse, in one line, a payload that is not a `kind` of file (its format `mark`, a
    version no newer than `newest`, every one of `keys`): a checkpoint, or a model file
    (charrnn.run.modelfile). `maker`: what writes such files, said when it is not one."""
    if not isinstance(payload, dict) or payload.get("format") != mark:
        raise UserError(f"{path} is not a charrnn {kind}{maker}")
    version = payload.get("version")
    if not isinstance(version, int) or version > newest:
        raise UserError(f"{path} uses {kind} format {version!r}, newer than this charrnn "
                        f"reads ({newest}); upgrade charrnn")
    missing = [k for k in keys if k not in payload]
    if missing:
        raise UserError(f"{path} is an incomplete {kind} (missing {', '.join(missing)})")


def first_line(error):
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def restore_model(payload, device="cpu"):
    """The model, vocabulary and run config a checkpoint describes, weights loaded."""
    from charrnn.model.model import CharRNN

    config = RunConfig.from_dict(payload["config"])
    vocab = Vocabulary(payload["vocab"])
    model = CharRNN(len(vocab), config.model)
    model.load_state_dict(payload["model"])
    return model.to(device), vocab, config
