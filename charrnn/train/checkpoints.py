"""What a training run's checkpoints hold, and when the periodic ones are due.

Exact resume: a checkpoint carries the optimizer and schedule state, the data position,
the hidden state carried into the next batch, the RNG state (dropout) and the running loss
sums (charrnn.train.progress), so N steps straight and N/2 + N/2 with a resume between give
the same weights. The file format is charrnn.run.checkpoint's; where checkpoints live and
their names, charrnn.run.rundir's.
"""

from dataclasses import asdict

import torch

from charrnn.model.model import map_state
from charrnn.train.progress import Progress


def payload(trainer):
    """Everything a Trainer needs to sample, evaluate or resume from, as plain tensors and
    Python values."""
    return {
        "config": trainer.config.to_dict(),
        "vocab": trainer.vocab.to_list(),
        "model": trainer.unwrapped().state_dict(),
        "optimizer": trainer.optimizer.state_dict(),
        "schedule": trainer.schedule.state_dict(),
        "scaler": trainer.scaler.state_dict(),
        "progress": asdict(trainer.progress),
        "hidden": map_state(trainer.state, lambda s: s.detach().cpu()),
        "rng": {"torch": torch.get_rng_state(),
                "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []},
        "last_eval": trainer.last_eval,
    }


def restore(trainer, payload):
    """Put a Trainer back as `payload` (made by `payload` above) left it."""
    trainer.unwrapped().load_state_dict(payload["model"])
    trainer.optimizer.load_state_dict(payload["optimizer"])
    trainer.schedule.load_state_dict(payload["schedule"])
    if payload["scaler"]:  # empty when the run so far had no fp16 loss scaling
        trainer.scaler.load_state_dict(payload["scaler"])
    trainer.progress = Progress(**payload["progress"])
    trainer.state = map_state(payload["hidden"], lambda s: s.to(trainer.device))
    torch.set_rng_state(payload["rng"]["torch"])
    if payload["rng"]["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(payload["rng"]["cuda"])
    trainer.last_eval = payload.get("last_eval", {})


def periodic_due(train, step, since_last_save):
    """Whether a periodic save is due at `step`, `since_last_save` seconds after the last:
    every --save-every steps, or --save-minutes."""
    by_steps = train.save_every and step % train.save_every == 0
    by_time = train.save_minutes and since_last_save >= train.save_minutes * 60
    return bool(by_steps or by_time)
