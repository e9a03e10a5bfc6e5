"""A training run's progress, and the bookkeeping of its steps and evaluations: the position
in the data, the training loss since the last evaluation, the steps skipped for a loss that
was not finite, the best validation loss and the patience it moves. Saved in every
checkpoint (charrnn.train.checkpoints), so a resumed run counts on as if it had never stopped.
"""

import math
from dataclasses import dataclass


@dataclass
class Progress:
    """Everything about a run that changes as it trains; saved in every checkpoint."""
    step: int = 0
    epoch: int = 0
    batch_index: int = 0
    best_val: float = math.inf  # best.pt's validation loss and step
    best_step: int = 0
    # The best scheduled validation loss, which alone moves patience: an interrupted run's
    # last evaluation may be kept as best.pt, but a resumed run goes on as if it had never
    # stopped. None in checkpoints from before it was kept apart: best_val then.
    scheduled_best: float | None = None
    bad_evals: int = 0
    loss_sum: float = 0.0  # training loss since the last evaluation
    loss_count: int = 0
    skipped_steps: int = 0
    elapsed: float = 0.0  # seconds of training, over all resumes

    def advance(self, batches_per_epoch):
        """One step on: the next window, and the next epoch after an epoch's last."""
        self.step += 1
        self.batch_index += 1
        if self.batch_index == batches_per_epoch:
            self.epoch, self.batch_index = self.epoch + 1, 0

    def count_loss(self, loss):
        """A step's loss, or None for a step skipped because it was not finite; the steps
        skipped in a row."""
        if loss is None:
            self.skipped_steps += 1
        else:
            self.skipped_steps = 0
            self.loss_sum, self.loss_count = self.loss_sum + loss, self.loss_count + 1
        return self.skipped_steps

    def evaluated(self, scores, lr, scheduled):
        """The metrics line of an evaluation with validation `scores` (none without a
        validation split). A scheduled evaluation starts the training loss afresh."""
        record = {"step": self.step, "epoch": self.epoch}
        if self.loss_count:
            record["train_loss"] = self.loss_sum / self.loss_count
        record.update({f"val_{k}": v for k, v in scores.items() if k != "chars"})
        record.update(lr=lr, elapsed=round(self.elapsed, 3), scheduled=scheduled)
        if scheduled:
            self.loss_sum, self.loss_count = 0.0, 0
        return record

    def judge(self, val, scheduled):
        """Count a validation loss: a scheduled one moves patience; any one may be the best
        so far (whether it is). Only scheduled evaluations move early stopping, so stopping
        and resuming does not change a run's course."""
        if scheduled:
            best = self.best_val if self.scheduled_best is None else self.scheduled_best
            self.bad_evals = 0 if val < best else self.bad_evals + 1
            self.scheduled_best = min(val, best)
        if not val < self.best_val:
            return False
        self.best_val, self.best_step = val, self.step
        return True
