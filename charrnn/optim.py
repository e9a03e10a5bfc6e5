"""Optimizers and learning-rate schedules, built from torch's own classes.

Both keep their state in plain `state_dict()`s, so a resumed run continues exactly.
"""

import torch
from torch.optim import lr_scheduler


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


def build_schedule(optimizer, train, total_steps):
    """constant, step decay, or cosine to min_lr_ratio; any of them after a linear warmup."""
    warmup = min(train.warmup_steps, max(total_steps - 1, 0)) if total_steps else train.warmup_steps
    if train.schedule == "step":
        main = lr_scheduler.StepLR(optimizer, step_size=train.decay_every, gamma=train.decay_rate)
    elif train.schedule == "cosine":
        main = lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(total_steps - warmup, 1),
                                              eta_min=train.lr * train.min_lr_ratio)
    else:
        main = lr_scheduler.ConstantLR(optimizer, factor=1.0, total_iters=0)
    if not warmup:
        return main
    ramp = lr_scheduler.LinearLR(optimizer, start_factor=1.0 / (warmup + 1), total_iters=warmup)
    return lr_scheduler.SequentialLR(optimizer, [ramp, main], milestones=[warmup])
