"""What the commands that inspect runs share: option types, loading a run, and printing
tables and JSON."""

import json
import math

import click

from charrnn.cli.paramtypes import CommaList
from charrnn.run.config import DEVICES, MODEL_KINDS
from charrnn.errors import UserError
from charrnn.run.rundir import CHECKPOINTS

WIDE = {"max_content_width": 100}
CHECKPOINT_CHOICE = click.Choice(list(CHECKPOINTS))
DEVICE_CHOICE = click.Choice(DEVICES)
MODEL_KIND_LIST = CommaList(click.Choice(MODEL_KINDS), unique=True)  # rnn,lstm,gru


def load_run(run, which="best", device="cpu"):
    """(found, model, vocab, config) for a model argument: a run directory (its `which`
    checkpoint), a checkpoint, a model file or a shipped model's name; `found` is the
    charrnn.run.models.Loaded (its payload, its file, what its run learned)."""
    from charrnn.model.device import resolve_device
    from charrnn.run import checkpoint, models

    found = models.load(run, which)
    model, vocab, config = checkpoint.restore_model(found.payload, resolve_device(device))
    return found, model, vocab, config




def forget_bias_value(text):
    if text.strip().lower() == "torch":
        return None
    try:
        value = float(text)
    except ValueError:
        raise UserError(f"--forget-bias takes a number or `torch`; got {text!r}") from None
    if not math.isfinite(value):
        raise UserError(f"--forget-bias must be finite; got {text}")
    return value


def echo_json(data):
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def duration(seconds):
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return (f"{hours}h " if hours else "") + f"{rest // 60}m {rest % 60:02d}s"


def table(header, rows):
    """Left-aligned text columns, as wide as their widest cell."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    lines = [header] + rows
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip()
                     for line in lines)
