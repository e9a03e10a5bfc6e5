"""Optimizers and learning-rate schedules, built from torch's own classes.

Both keep their state in plain `state_dict()`s, so a resumed run continues exactly.
"""

import math

import torch
from torch.optim import lr_scheduler

# plateau: the learning rate is lowered after this many evaluations without improvement
# (early stopping, --patience, waits longer: by default two lowerings that did not help).
PLATEAU_EVALS = 2


def build_optimizer(parameters, train):
    """One of torch's optimizers, named by --optimizer."""
    lr, decay = train.lr, train.weight_decay
    if train.optimizer == "sgd":
        return torch.optim.SGD(parameters, lr=lr, momentum=train.momentum, weight_decay=decay)
    if train.optimizer == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=lr, momentum=0.0, weight_decay=decay)
    kinds = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
             "adagrad": torch.optim.Adagrad, "adadelta": torch.optim.Adadelta}
    return kinds[train.optimizer](parameters, lr=lr, weight_decay=decay)


class Schedule:
    """The learning rate over a run: torch schedulers stepped after every optimizer step
    and, for the plateau schedule, torch's ReduceLROnPlateau told each scheduled
    validation loss."""

    def __init__(self, optimizer, train, total_steps):
        self.warmup = warmup_length(train, total_steps)
        self.per_step = per_step_schedule(optimizer, train, total_steps, self.warmup)
        self.on_plateau = lr_scheduler.ReduceLROnPlateau(
            optimizer, factor=train.decay_rate, patience=PLATEAU_EVALS - 1, threshold=0.0,
            min_lr=train.lr * train.min_lr_ratio) if train.schedule == "plateau" else None

    def step(self):
        self.per_step.step()

    def resize(self, step, total_steps):
        """A cosine's end moved to `total_steps` at `step` (charrnn.train.pacing): see Cosine."""
        self.per_step.lr_lambdas[0].resize(step, total_steps)

    def observe(self, val_loss, step):
        """A scheduled validation loss at `step` (those in the warm-up are ignored)."""
        if self.on_plateau is not None and step > self.warmup:
            self.on_plateau.step(val_loss)

    def state_dict(self):
        plateau = self.on_plateau.state_dict() if self.on_plateau is not None else {}
        return {"per_step": self.per_step.state_dict(), "on_plateau": plateau}

    def load_state_dict(self, state):
        if "per_step" not in state:  # saved before plateau existed: the per-step state alone
            state = {"per_step": state, "on_plateau": {}}
        if isinstance(self.per_step, lr_scheduler.LambdaLR) and "lr_lambdas" not in state["per_step"]:
            # A cosine saved before it could be re-sized, by torch's CosineAnnealingLR
            # (after a LinearLR warm-up): the same curve as a Cosine never re-sized.
            self.per_step.last_epoch = state["per_step"]["last_epoch"]
        else:
            self.per_step.load_state_dict(state["per_step"])
        if self.on_plateau is not None:
            self.on_plateau.load_state_dict(state["on_plateau"])


def build_schedule(optimizer, train, total_steps):
    return Schedule(optimizer, train, total_steps)


def warmup_length(train, total_steps):
    """The warm-up, inside a cosine's length; other schedules' limits may change on resume,
    and their warm-up with them would not."""
    if train.schedule == "cosine" and total_steps:
        return min(train.warmup_steps, max(total_steps - 1, 0))
    return train.warmup_steps


def per_step_schedule(optimizer, train, total_steps, warmup):
    """constant, step decay, or cosine to min_lr_ratio; any of them after a linear warmup."""
    if train.schedule == "cosine":
        return lr_scheduler.LambdaLR(optimizer, Cosine(warmup, total_steps, train.min_lr_ratio))
    if train.schedule == "step":
        main = lr_scheduler.StepLR(optimizer, step_size=train.decay_every, gamma=train.decay_rate)
    else:
        main = lr_scheduler.ConstantLR(optimizer, factor=1.0, total_iters=0)
    if not warmup:
        return main
    ramp = lr_scheduler.LinearLR(optimizer, start_factor=1.0 / (warmup + 1), total_iters=warmup)
    return lr_scheduler.SequentialLR(optimizer, [ramp, main], milestones=[warmup])


class Cosine:
    """The learning rate's factor at a step: a linear warm-up to 1, then half a cosine down
    to `floor` at step `end`, and the floor after it. While `end` is 0 (a probe is still
    sizing the run) it holds 1: the start of a cosine is flat.

    The end may move while the run goes (a time budget re-sized from the measured step
    rate): resize keeps the factor where it is and spreads the rest of the descent over the
    steps now left, so the rate never jumps, and reaches the floor at the new end. A
    callable object, so torch's LambdaLR keeps its fields in its state_dict and a resumed
    run continues the same curve."""

    def __init__(self, warmup, end, floor):
        self.warmup, self.end, self.floor = warmup, end, floor
        self.start, self.phase = warmup, 0.0  # where the descent (re)starts, and its phase there

    def __call__(self, step):
        if step < self.warmup:  # as torch's LinearLR from 1 / (warmup + 1)
            return (step + 1) / (self.warmup + 1)
        if not self.end:
            return 1.0
        done = min(max(step - self.start, 0) / max(self.end - self.start, 1), 1.0)
        return self.floor + (1 - self.floor) * (1 + math.cos(math.pi * self.at(done))) / 2

    def at(self, done):
        """The phase, 0 at the top and 1 at the floor, `done` of the way from start to end."""
        return self.phase + (1 - self.phase) * done

    def resize(self, step, end):
        if self.end and step > self.start:
            done = min((step - self.start) / max(self.end - self.start, 1), 1.0)
            self.start, self.phase = step, self.at(done)
        elif step > self.start:  # the flat top held so far: the descent starts here
            self.start = step
        self.end = max(end, self.start + 1)
