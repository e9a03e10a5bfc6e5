"""What `auto` means: the keys a config may leave to charrnn (schedule, max_steps and
eval_every) settled when a run starts, from the corpus's size and, for a time budget, a
probe of this machine's step rate. The settled values go into the run's config and its
checkpoints, so a resumed run keeps them.

- eval_every: twice a pass over the training text, at most every EVAL_EVERY_MOST steps, so
  early stopping and the plateau schedule judge a small corpus as often as a large one
  (in passes over the data), and a large one still shows its curve. Patience is counted
  in evaluations, so a run that stops after 4 without improvement has spent two passes
  past its best: about a tenth of a run that peaks after twenty.
- schedule: a cosine when the run's length is a time budget, else plateau
  (charrnn.train.optim): a corpus of unknown size gets a schedule that needs no length, and a
  step limit stays a limit that a resumed run may raise.
- max_steps, with a cosine and --max-time: the first steps of the run are timed (they train
  as any other, at the peak learning rate, where a cosine starts flat), one evaluation is
  timed, and the cosine is sized so that its learning rate reaches the floor as the time
  runs out. As the run goes it is sized again from the steps' measured rate (a machine
  that gets busier or quieter, evaluations that take longer than the probe's), every
  RESIZE_SHARE of the budget and more often towards the end, so the learning rate reaches
  its floor when the time runs out (charrnn.train.pacing does it; charrnn.train.optim.Cosine bends
  the rest of the curve without a jump).
"""

import math
from dataclasses import dataclass, field

from charrnn.run.config import AUTO, EVAL_EVERY_MOST, parse_duration

PROBE_SHARE = 0.03  # of the time budget spent timing steps (at least PROBE_STEPS of them)
PROBE_SKIP = 2  # steps not timed: the first ones also set up kernels and buffers
PROBE_STEPS = 10
MARGIN = 0.97  # of the time left that the sized steps fill: checkpoints and jitter take the rest
RESIZE_SHARE = 0.02  # of the budget between two sizings, at most


def settle(train, batches_per_epoch):
    """Settle eval_every and schedule in place, and max_steps unless a probe must size it."""
    if train.eval_every == AUTO:
        train.eval_every = max(1, min(EVAL_EVERY_MOST, math.ceil(batches_per_epoch / 2)))
    if train.schedule == AUTO:
        train.schedule = "cosine" if time_sized(train) else "plateau"
    if train.max_steps == AUTO and not needs_probe(train):
        train.max_steps = 0


def time_sized(train):
    """Whether the run's length is a time budget: --max-time and max_steps auto."""
    return train.max_steps == AUTO and parse_duration(train.max_time) is not None


def needs_probe(train):
    """A cosine whose length is a time budget, in steps still unknown."""
    return time_sized(train) and train.schedule == "cosine"


@dataclass
class Probe:
    """The step rate from the first steps of a run: each step's time is added (the first
    PROBE_SKIP are not counted) until PROBE_STEPS are in and PROBE_SHARE of the budget has
    passed. Evaluations are timed apart (a run's evaluations are not where a probe's are)."""

    budget: float  # seconds
    skipped: int = 0
    times: list = field(default_factory=list)

    def add(self, seconds):
        if self.skipped < PROBE_SKIP:
            self.skipped += 1
        else:
            self.times.append(seconds)

    def done(self, elapsed):
        """Whether enough is timed, `elapsed` seconds into the budget."""
        return len(self.times) >= PROBE_STEPS and elapsed >= PROBE_SHARE * self.budget


def plan(step, budget, elapsed, per_step):
    """(max_steps, the step to size at next) for a run at `step`, `elapsed` seconds into a
    `budget`, whose steps now take `per_step` seconds with everything else included. The
    next sizing comes after RESIZE_SHARE of the budget or half the steps left, whichever
    is sooner, so the last steps are sized ever more closely."""
    # The mean step, not the median: the time left is a sum, which slow steps are part of.
    left = math.floor(max(budget - elapsed, 0) * MARGIN / max(per_step, 1e-9))  # 0: stop now
    every = min(RESIZE_SHARE * budget / max(per_step, 1e-9), left / 2)
    return step + left, step + max(1, math.floor(every))
