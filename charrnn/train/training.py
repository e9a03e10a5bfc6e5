"""The training loop, as the story of a run: set up the data, the model and its optimizer
(or put them back from a checkpoint), then step through truncated BPTT over contiguous
streams, evaluating, saving and checking the limits after each step, until one ends the
run; a final evaluation and the last checkpoint close it.

The Trainer only trains and says when; its collaborators know the rest: the run directory
(charrnn.run.rundir) keeps its files, the checkpoints hold what an exact resume needs
(charrnn.train.checkpoints), the progress counts steps, losses, the best evaluation and
patience (charrnn.train.progress), the limits say when to stop (charrnn.train.limits), a
first Ctrl-C asks for an orderly stop (charrnn.train.signals), a Pace runs the steps on the
thread count and for the length that fit (charrnn.train.pacing), and a Reporter
(charrnn.train.reporting) shows the progress.
"""

import math
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from charrnn.data.batches import training_streams
from charrnn.data.vocab import Vocabulary
from charrnn.model import threads
from charrnn.model.device import autocast, check_precision, loss_scaling, resolve_device, to_device
from charrnn.model.model import CharRNN, map_state
from charrnn.run.rundir import RunDir
from charrnn.train import checkpoints, limits, sizing, training_samples
from charrnn.train.evaluation import evaluate
from charrnn.train.optim import build_optimizer, build_schedule
from charrnn.train.pacing import Pace
from charrnn.train.progress import Progress
from charrnn.train.reporting import Reporter
from charrnn.train.signals import StopOnSignal


@dataclass
class Outcome:
    run_dir: Path
    step: int
    epoch: int
    reason: str  # why training stopped: max_steps, max_epochs, max_time, patience, interrupted
    best_val: float
    best_step: int
    last_eval: dict


class Trainer:
    """Trains a model in a run directory (a RunDir or a path), from scratch or from a
    resumed checkpoint's payload; under torchrun, one of `world` processes (`rank`)."""

    clock = staticmethod(time.monotonic)  # what --max-time and the step-rate probes read

    def __init__(self, config, run_dir, resume=None, reporter=None, rank=0, world=1):
        self.config, self.rank, self.world = config, rank, world
        self.run_dir = run_dir if isinstance(run_dir, RunDir) else RunDir(run_dir)
        self.reporter = reporter or Reporter()
        self.device = resolve_device(config.train.device)
        check_precision(self.device, config.train.precision)
        torch.manual_seed(config.train.seed)
        vocab = Vocabulary(resume["vocab"]) if resume else None
        self.vocab, self.train_stream, self.val_stream = training_streams(config.data, vocab, rank, world)
        sizing.settle(config.train, self.train_stream.batches_per_epoch)
        self.limits = limits.Limits(config.train, self.train_stream.batches_per_epoch)
        self.model = CharRNN(len(self.vocab), config.model).to(self.device)
        self.optimizer = build_optimizer(self.model.parameters(), config.train)
        self.schedule = build_schedule(self.optimizer, config.train, self.limits.total_steps())
        self.scaler = loss_scaling(self.device, config.train.precision)
        self.progress, self.state, self.last_eval = Progress(), None, {}
        self.resumed, self.stop_signal = resume is not None, None
        if resume:
            self.restore(resume)

    @property
    def is_main(self):
        return self.rank == 0

    def unwrapped(self):
        return getattr(self.model, "module", self.model)

    # ---- the run -------------------------------------------------------------------------

    def run(self):
        if self.is_main:  # now that the data and the model have loaded
            self.run_dir.begin(self.config, self.progress.step if self.resumed else None)
            self.keep_idiom()
        self.started = self.last_save = self.clock()
        self.base_elapsed = self.progress.elapsed
        reason, pace = self.stop_reason(0.0), Pace(self)
        with StopOnSignal(self), self.reporter.start(self.limits.total_steps(), self.progress.step), \
                threads.kept():
            reason = reason or pace.start()
            while reason is None:
                reason = pace.step()
            # Still inside StopOnSignal: a first signal now changes nothing, a second stops at once.
            return self.finish(reason)

    def keep_idiom(self):
        """An ABC corpus's idiom, kept with the run for `sample --abc`."""
        from charrnn.run.learned import keep_idiom

        keep_idiom(self.run_dir, self.config.data.corpus, self.config.data.encoding_errors)

    def loop_once(self):
        """One step and what follows it (evaluation, saves); the reason to stop, or None."""
        before = self.clock()
        loss = self.train_step()
        now = self.clock()
        self.step_seconds = now - before
        self.progress.elapsed = self.base_elapsed + now - self.started
        self.after_step(loss)
        if self.periodic_save_due(self.last_save):
            self.save_periodically()
            self.last_save = self.clock()
        return self.stopping()

    def train_step(self):
        """One optimizer step on the next window; returns its loss, or None if it was skipped."""
        if self.progress.batch_index == 0:
            self.state = None  # a new epoch starts the streams afresh
        inputs, targets = to_device(self.device, *self.train_stream.batch(self.progress.batch_index))
        with autocast(self.device, self.config.train.precision):
            logits, state = self.model(inputs, self.state)
            loss = F.cross_entropy(logits.float().flatten(0, 1), targets.flatten())
        # Truncated BPTT: the state flows into the next window, its gradient does not.
        self.state = map_state(state, torch.Tensor.detach)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        loss = self.batch_loss(loss.detach())
        finite = self.clip_and_check(loss)
        if finite:
            self.scaler.step(self.optimizer)
        self.scaler.update()  # fp16: after an overflow, a lower loss scale for the next step
        self.schedule.step()
        self.progress.advance(self.train_stream.batches_per_epoch)
        return loss.item() if finite else None

    def clip_and_check(self, loss):
        """Clip the global gradient norm; False if the loss or the gradients are not finite."""
        self.scaler.unscale_(self.optimizer)
        clip = self.config.train.clip or math.inf
        norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), clip)
        return bool(torch.isfinite(loss) and torch.isfinite(norm))

    def after_step(self, loss):
        """Count the step; samples and an evaluation when due; the progress bar told."""
        p = self.progress
        if p.count_loss(loss) >= limits.MAX_BAD_STEPS:
            raise self.diverged(f"the loss became NaN or infinite {limits.MAX_BAD_STEPS} steps in a row")
        sample_every = self.config.train.sample_every
        if sample_every and p.step % sample_every == 0 and self.is_main:
            self.write_samples()  # before this step's checkpoint, so a resume never lacks them
        if p.step % self.config.train.eval_every == 0:
            self.evaluate_and_log(scheduled=True)
        chars = self.train_stream.batch_size * self.train_stream.seq_len * self.world * p.step
        self.reporter.update(loss, self.last_eval, chars / max(p.elapsed, 1e-9))

    def write_samples(self):
        """The --sample-every samples of this step, into the run directory and the reporter."""
        record = training_samples.record(self.unwrapped(), self.vocab, self.config, self.progress)
        self.run_dir.log_samples(record)
        self.reporter.sampled(record)

    def evaluate_and_log(self, scheduled):
        """Validate, log a metrics line and keep `last`/`best`. Any evaluation, a run's final
        one included, may be kept as best.pt: a cosine ends at its floor, where the model is
        often best, between two evaluations, and a run stopped with Ctrl-C keeps the model
        it stopped with if that is the best (issue 26). Only scheduled ones move patience
        and the plateau schedule (charrnn.train.progress.Progress.judge)."""
        scores = self.validation_scores() if self.val_stream is not None else {}
        record = self.progress.evaluated(scores, self.optimizer.param_groups[0]["lr"], scheduled)
        val = record.get("val_loss")
        if val is not None:
            if self.progress.judge(val, scheduled):
                self.save("best")
            if scheduled:
                self.schedule.observe(val, self.progress.step)
        self.last_eval = record
        if self.is_main:
            self.run_dir.log(record)
        if not math.isfinite(record.get("val_loss", 0.0)):
            raise self.diverged("the validation loss became NaN or infinite")
        self.save("last")

    def save_periodically(self):
        """last.pt, unless an evaluation just saved it, and the numbered checkpoint."""
        if self.last_eval.get("step") != self.progress.step:
            self.save("last")
        if self.config.train.save_every:
            self.save("numbered")  # on every rank: see save()
            if self.is_main:
                self.run_dir.prune(self.config.train.keep)

    def stopping(self):
        """The reason to stop now, or None."""
        return self.stop_reason(self.clock() - self.started)

    def finish(self, reason):
        """A final evaluation (unless one just ran) and the last checkpoint."""
        if self.last_eval.get("step") != self.progress.step:
            self.evaluate_and_log(scheduled=False)
        else:
            self.save("last")
        p = self.progress
        return Outcome(self.run_dir.path, p.step, p.epoch, reason, p.best_val, p.best_step,
                       self.last_eval)

    # ---- checkpoints ---------------------------------------------------------------------

    def save(self, kind):
        """Write the `last`, `best` or `numbered` checkpoint from rank 0. Called on every rank
        at the same points: under DDP it first gathers every rank's share of the carried
        state. Weights that are no longer finite are never saved over good ones, nor is
        anything during a run of bad steps."""
        if not all(torch.isfinite(p).all() for p in self.model.parameters()):
            raise self.diverged("the weights became NaN or infinite")
        if self.is_main and not self.progress.skipped_steps:
            self.run_dir.save(kind, self.payload())

    def payload(self):
        return checkpoints.payload(self)

    def restore(self, payload):
        checkpoints.restore(self, payload)

    def diverged(self, what):
        return limits.diverged(what, self.progress.step, self.config.train, self.run_dir)

    # ---- what every process does alike: here, one process's own (see DistributedTrainer) ---

    def batch_loss(self, loss):
        """The step's loss over the whole batch: this process's own here; under DDP, the mean
        over ranks (charrnn.train.distributed), so every rank logs it and skips bad steps alike."""
        return loss

    def validation_scores(self):
        return evaluate(self.unwrapped(), self.val_stream, self.device, self.config.train.eval_batches)

    def agreed(self, value):
        """A value every process uses alike: this process's own here; rank 0's under DDP."""
        return value

    def stop_reason(self, seconds):
        """The reason to stop `seconds` into this session, or None."""
        return self.limits.reason(self.progress, seconds, self.stop_signal)

    def periodic_save_due(self, last_save):
        return checkpoints.periodic_due(self.config.train, self.progress.step, self.clock() - last_save)
