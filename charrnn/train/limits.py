"""What ends a training run: --max-steps, --max-epochs, --max-time, --patience, a Ctrl-C
or SIGTERM (charrnn.train.signals), and a loss or weights that stop being finite, which end
it with one line of advice instead of a reason.
"""

from charrnn.errors import UserError
from charrnn.run.config import AUTO, parse_duration

MAX_BAD_STEPS = 5  # consecutive non-finite losses before training gives up


class Limits:
    """A run's limits, read from its train config as they are now (a time-sized run's
    max_steps is settled, and moved, as it goes: charrnn.train.pacing)."""

    def __init__(self, train, batches_per_epoch):
        self.train, self.batches_per_epoch = train, batches_per_epoch
        self.budget = parse_duration(train.max_time)  # seconds, or None

    def step_limit(self):
        """--max-steps, or 0 while a probe is still sizing it."""
        steps = self.train.max_steps
        return 0 if steps == AUTO else steps

    def total_steps(self):
        """The run's length in steps, for the cosine schedule and the progress bar (0: unknown)."""
        limits = [s for s in (self.step_limit(), self.train.max_epochs * self.batches_per_epoch) if s]
        return min(limits) if limits else 0

    def reason(self, progress, seconds, stop_signal):
        """Why a run at `progress`, `seconds` into this session, stops now; None to go on."""
        train = self.train
        if stop_signal:
            return "interrupted"
        if self.step_limit() and progress.step >= self.step_limit():
            return "max_steps"
        if train.max_epochs and progress.epoch >= train.max_epochs:
            return "max_epochs"
        if self.budget is not None and seconds >= self.budget:
            return "max_time"
        if train.patience and progress.bad_evals >= train.patience:
            return "patience"
        return None


def diverged(what, step, train, run_dir):
    """The one-line error for a run whose loss or weights stopped being finite at `step`:
    where its last good state is, and what to change."""
    kept_step = run_dir.kept_step("last")
    kept = (f"{run_dir.checkpoint('last')} holds step {kept_step}, the last good state"
            if kept_step is not None else "no checkpoint was saved before that")
    advice = ["a lower --lr", "a smaller --clip" if train.clip else "--clip 1 (clipping is off)"]
    if train.precision != "fp32":
        advice.append("--precision fp32")
    return UserError(f"{what} at step {step}; {kept}; start again (--overwrite) "
                     f"with {', '.join(advice[:-1])} or {advice[-1]}")
