"""Optimizers and learning-rate schedules, built from torch's own classes.

Both keep their state in plain `state_dict()`s, so a resumed run continues exactly.
"""

import warnings

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
    validation loss. `done` steps already taken (a schedule sized after a run began) are
    replayed, so the rate is where the sized schedule would have it."""

    def __init__(self, optimizer, train, total_steps, done=0):
        self.warmup = warmup_length(train, total_steps)
        self.per_step = per_step_schedule(optimizer, train, total_steps, self.warmup)
        self.on_plateau = lr_scheduler.ReduceLROnPlateau(
            optimizer, factor=train.decay_rate, patience=PLATEAU_EVALS - 1, threshold=0.0,
            min_lr=train.lr * train.min_lr_ratio) if train.schedule == "plateau" else None
        with warnings.catch_warnings():  # replayed steps come before any optimizer step
            warnings.filterwarnings("ignore", message="Detected call of `lr_scheduler.step")
            for _ in range(done):
                self.per_step.step()

    def step(self):
        self.per_step.step()

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
        self.per_step.load_state_dict(state["per_step"])
        if self.on_plateau is not None:
            self.on_plateau.load_state_dict(state["on_plateau"])


def build_schedule(optimizer, train, total_steps, done=0):
    return Schedule(optimizer, train, total_steps, done)


def warmup_length(train, total_steps):
    """The warm-up, inside a cosine's length; other schedules' limits may change on resume,
    and their warm-up with them would not."""
    if train.schedule == "cosine" and total_steps:
        return min(train.warmup_steps, max(total_steps - 1, 0))
    return train.warmup_steps


def per_step_schedule(optimizer, train, total_steps, warmup):
    """constant, step decay, or cosine to min_lr_ratio; any of them after a linear warmup.
    A cosine whose length is not known yet (a probe is sizing it) holds the peak: the
    start of a cosine is flat."""
    if train.schedule == "step":
        main = lr_scheduler.StepLR(optimizer, step_size=train.decay_every, gamma=train.decay_rate)
    elif train.schedule == "cosine" and total_steps:
        main = lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(total_steps - warmup, 1),
                                              eta_min=train.lr * train.min_lr_ratio)
    else:
        main = lr_scheduler.ConstantLR(optimizer, factor=1.0, total_iters=0)
    if not warmup:
        return main
    ramp = lr_scheduler.LinearLR(optimizer, start_factor=1.0 / (warmup + 1), total_iters=warmup)
    return lr_scheduler.SequentialLR(optimizer, [ramp, main], milestones=[warmup])
