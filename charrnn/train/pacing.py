"""How fast a run goes and how long it lasts, both from the run's own steps: the CPU
thread count (`--threads auto`, charrnn.model.threads) and a cosine sized to --max-time
(charrnn.train.sizing). The Trainer hands its loop to a Pace, one step at a time.

- The probe: the first steps of the run train as any other. With `--threads auto` on a
  CPU they are timed on 1 thread and on more (after a peek: a forward pass over a slice of
  a batch at each count, so that a count that collapses costs a fraction of a second, not
  a step of many seconds), and the fastest count is kept; a time-sized
  run goes on timing that count's steps (those of the trial count too, so nothing is timed
  twice), times one evaluation, and sizes its cosine.
- The watch: with `auto`, each step's time is compared with the trial's; when the rate
  stays far below it the counts are timed again (charrnn.model.threads.Watch says when).
- The budget: a time-sized run's cosine is sized again from the measured rate as it goes,
  evaluations and saves included, so the learning rate reaches its floor as the time runs
  out. Under torchrun the sizings fall at steps every rank knows, and rank 0's are used.
"""

import statistics

import torch

from charrnn.train import sizing
from charrnn.model import threads
from charrnn.model.device import to_device
from charrnn.run.config import AUTO

PEEK_CHARS = 20  # characters a stream of the forward pass that peeks at each thread count


class Pace:
    """Runs a Trainer's steps: the probe first (start), then one step at a time (step)."""

    def __init__(self, trainer):
        self.trainer = trainer
        train = trainer.config.train
        self.sized = sizing.needs_probe(train)
        # On CUDA or MPS the CPU only feeds the device, and the count barely matters: no
        # trial. Under torchrun the processes share the cores, each its part.
        self.trial = (train.threads == AUTO and trainer.device.type == "cpu"
                      and trainer.world == 1 and threads.cores() > 1)
        self.watch, self.kept = None, None  # a threads.Watch and the count kept, after a trial
        self.next_sizing = None  # the step to size the run again at, once it is sized
        self.eval_seconds, self.overhead, self.steps, self.times = 0.0, 0.0, 0, []

    def start(self):
        """The probe, before the run's own steps; the reason to stop, or None."""
        train, trainer = self.trainer.config.train, self.trainer
        if train.threads != AUTO:
            threads.use(train.threads)
        elif trainer.device.type == "cpu" and trainer.world > 1:
            threads.use(max(1, threads.cores() // trainer.world))
        reason, timed = None, []
        if self.trial:
            reason = self.warm_up()
            if reason is None:
                reason, timed = self.choose_threads()
        if reason is None and self.sized:
            reason = self.size_to_budget(timed)
        return reason

    def step(self):
        """One step of the run (and a new trial or sizing when due); the reason to stop."""
        trainer = self.trainer
        before = trainer.clock()
        reason = trainer.loop_once()
        self.overhead += trainer.clock() - before - trainer.step_seconds
        self.steps += 1
        self.times.append(trainer.step_seconds)
        if self.next_sizing is not None and trainer.progress.step >= self.next_sizing:
            self.size_again()
            reason = trainer.stopping()  # the step limit moved
        if self.watch is not None and reason is None:
            self.watch.add(trainer.step_seconds)
            why = self.watch.due(trainer.clock())
            if why:
                reason = self.time_threads_again(why)
        return reason

    # ---- threads -----------------------------------------------------------------------

    def warm_up(self):
        """The run's first steps on one thread, untimed: they also set up kernels and
        buffers, and would make 1 thread look slow."""
        threads.use(1)
        reason = None
        for _ in range(sizing.PROBE_SKIP):
            reason = reason or self.trainer.loop_once()
        return reason

    def choose_threads(self, quietly=False):
        """Peek at each count and time those worth it (threads.Trial), keep the fastest and
        say so (`quietly`: only if it is not the count kept before); (the reason to stop or
        None, the kept count's step times)."""
        trainer = self.trainer
        trial = threads.Trial.after(threads.peek(self.slice_of_a_step(), threads.candidates(),
                                                 trainer.clock))
        while trial.count is not None:
            threads.use(trial.count)
            reason = trainer.loop_once()
            trial.add(trainer.step_seconds)
            if reason is not None:
                return reason, []
        if trial.best() != self.kept or not quietly:
            trainer.reporter.note(trial.describe())
        self.kept = trial.best()
        threads.use(self.kept)
        self.watch = threads.Watch(statistics.mean(trial.seconds_per_step()), trainer.clock(),
                                   fewer=self.kept < max(trial.counts))
        return None, trial.seconds_per_step()

    def slice_of_a_step(self):
        """A forward pass over the first PEEK_CHARS of the next batch, without dropout
        (whose draws would move the run's random stream) and without a gradient."""
        trainer = self.trainer
        inputs, _ = to_device(trainer.device, *trainer.train_stream.batch(trainer.progress.batch_index))
        inputs, model = inputs[:, :PEEK_CHARS], trainer.unwrapped()

        def forward():
            model.eval()
            with torch.no_grad():
                model(inputs, None)
            model.train()

        return forward

    def time_threads_again(self, why):
        """Time the counts again (threads.Watch says `why`); the reason to stop, or None.
        Steps that slowed are said; the regular look for a quiet machine is said only if
        it changes the count."""
        if why == "slowed":
            self.trainer.reporter.note(
                f"threads: steps slowed to {self.watch.rate():.3g}/s from the "
                f"{1 / self.watch.expected:.3g}/s measured; timing the thread counts again")
        reason, _ = self.choose_threads(quietly=why != "slowed")
        self.times = []  # the trial's steps are not the run's rate
        return reason

    # ---- the time budget ---------------------------------------------------------------

    def size_to_budget(self, timed):
        """Time steps (after `timed`, the trial's) until the probe has its share of the
        budget, time an evaluation, and size the cosine; the reason to stop, or None."""
        trainer = self.trainer
        skipped = sizing.PROBE_SKIP if self.trial else 0  # the trial's warm-up skipped them
        probe = sizing.Probe(trainer.limits.budget, skipped=skipped, times=list(timed))
        reason = None
        while reason is None and not trainer.agreed(probe.done(self.elapsed())):
            reason = trainer.loop_once()
            probe.add(trainer.step_seconds)
        if reason is None:
            self.eval_seconds = self.time_an_evaluation()
            self.resize_to(statistics.mean(probe.times))
        return reason

    def size_again(self):
        """Size the run from the steps since the last sizing, and what the run spends
        besides steps (evaluations, saves)."""
        if self.times:
            self.resize_to(statistics.mean(self.times))
        self.times = []

    def resize_to(self, step_seconds):
        """Size the run for steps of `step_seconds` and their share of everything else. The
        time of one evaluation is held back: the run ends with one (Trainer.finish)."""
        trainer = self.trainer
        per_step = step_seconds + self.eval_share()
        self.resize(*trainer.agreed(sizing.plan(trainer.progress.step,
                                                trainer.limits.budget - self.eval_seconds,
                                                self.elapsed(), per_step)))

    def eval_share(self):
        """Seconds a step spends outside training steps: as measured once the run has
        been through an evaluation, else the probe's timed one."""
        if self.steps >= self.trainer.config.train.eval_every:
            return self.overhead / self.steps
        return self.eval_seconds / self.trainer.config.train.eval_every

    def time_an_evaluation(self):
        trainer = self.trainer
        if trainer.val_stream is None:
            return 0.0
        start = trainer.clock()
        trainer.validation_scores()
        return trainer.clock() - start

    def resize(self, max_steps, next_sizing):
        """The run is now `max_steps` long: the cosine bent to end there from where it is
        (charrnn.train.optim.Cosine), the bar and the config that records it (a resumed run
        keeps it) told."""
        trainer = self.trainer
        trainer.config.train.max_steps, self.next_sizing = max_steps, next_sizing
        trainer.schedule.resize(trainer.progress.step, trainer.limits.total_steps())
        trainer.reporter.resize(trainer.limits.total_steps())
        if trainer.is_main:
            trainer.run_dir.write_config(trainer.config)

    def elapsed(self):
        return self.trainer.clock() - self.trainer.started
