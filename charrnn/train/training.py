"""The training loop: truncated BPTT over contiguous streams, periodic validation, early
stopping and the limits that end a run, and resumption that continues exactly where a run
stopped. The Trainer only trains: the run directory (charrnn.run.rundir) keeps its files, a
Reporter (charrnn.train.reporting) shows its progress, charrnn.model.device picks where it runs, and a
Pace (charrnn.train.pacing) runs its steps on the thread count and for the length that fit.

Exact resume: the checkpoint carries the optimizer and schedule state, the data position,
the hidden state carried into the next batch, the RNG state (dropout) and the running loss
sums, so N steps straight and N/2 + N/2 with a resume between give the same weights.
"""

import math
import signal
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from charrnn.train import sizing, training_samples
from charrnn.model import threads
from charrnn.data.batches import training_streams
from charrnn.run.config import AUTO, parse_duration
from charrnn.data.corpus import sample_prime
from charrnn.model.device import autocast, check_precision, loss_scaling, resolve_device
from charrnn.errors import UserError
from charrnn.train.evaluation import evaluate
from charrnn.model.model import CharRNN, map_state
from charrnn.train.optim import build_optimizer, build_schedule
from charrnn.train.pacing import Pace
from charrnn.train.reporting import Reporter
from charrnn.run.rundir import RunDir
from charrnn.data.vocab import Vocabulary

MAX_BAD_STEPS = 5  # consecutive non-finite losses before training gives up


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
        self.model = CharRNN(len(self.vocab), config.model).to(self.device)
        self.optimizer = build_optimizer(self.model.parameters(), config.train)
        self.schedule = build_schedule(self.optimizer, config.train, self.total_steps())
        self.scaler = loss_scaling(self.device, config.train.precision)
        self.progress, self.state, self.last_eval = Progress(), None, {}
        self.resumed, self.stop_signal = resume is not None, None
        if resume:
            self.restore(resume)

    @property
    def is_main(self):
        return self.rank == 0

    def total_steps(self):
        """The run's length in steps, for the cosine schedule and the progress bar (0: unknown)."""
        limits = [s for s in (self.step_limit(), self.config.train.max_epochs
                              * self.train_stream.batches_per_epoch) if s]
        return min(limits) if limits else 0

    def step_limit(self):
        """--max-steps, or 0 while a probe is still sizing it."""
        steps = self.config.train.max_steps
        return 0 if steps == AUTO else steps

    # ---- checkpoints -------------------------------------------------------------------

    def payload(self):
        return {
            "config": self.config.to_dict(),
            "vocab": self.vocab.to_list(),
            "model": self.unwrapped().state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "schedule": self.schedule.state_dict(),
            "scaler": self.scaler.state_dict(),
            "progress": asdict(self.progress),
            "hidden": map_state(self.state, lambda s: s.detach().cpu()),
            "rng": {"torch": torch.get_rng_state(),
                    "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []},
            "last_eval": self.last_eval,
        }

    def restore(self, payload):
        self.unwrapped().load_state_dict(payload["model"])
        self.optimizer.load_state_dict(payload["optimizer"])
        self.schedule.load_state_dict(payload["schedule"])
        if payload["scaler"]:  # empty when the run so far had no fp16 loss scaling
            self.scaler.load_state_dict(payload["scaler"])
        self.progress = Progress(**payload["progress"])
        self.state = map_state(payload["hidden"], lambda s: s.to(self.device))
        torch.set_rng_state(payload["rng"]["torch"])
        if payload["rng"]["cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(payload["rng"]["cuda"])
        self.last_eval = payload.get("last_eval", {})

    def save(self, kind):
        """Write the `last`, `best` or `numbered` checkpoint from rank 0. Called on every rank
        at the same points: under DDP it first gathers every rank's share of the carried
        state. Weights that are no longer finite are never saved over good ones, nor is
        anything during a run of bad steps."""
        if not all(torch.isfinite(p).all() for p in self.model.parameters()):
            raise self.diverged("the weights became NaN or infinite")
        if self.is_main and not self.progress.skipped_steps:
            self.run_dir.save(kind, self.payload())

    def unwrapped(self):
        return getattr(self.model, "module", self.model)

    # ---- the loop ----------------------------------------------------------------------

    def run(self):
        if self.is_main:  # now that the data and the model have loaded
            self.run_dir.begin(self.config, self.progress.step if self.resumed else None)
            self.keep_idiom()
        self.budget = parse_duration(self.config.train.max_time)
        self.started = self.last_save = self.clock()
        self.base_elapsed = self.progress.elapsed
        reason, pace = self.stop_reason(0.0, self.budget), Pace(self)
        with StopOnSignal(self), self.reporter.start(self.total_steps(), self.progress.step), \
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

    def stopping(self):
        """The reason to stop now, or None."""
        return self.stop_reason(self.clock() - self.started, self.budget)

    def agreed(self, value):
        """A value every process uses alike: this process's own here; rank 0's under DDP."""
        return value

    def train_step(self):
        """One optimizer step on the next window; returns its loss, or None if it was skipped."""
        if self.progress.batch_index == 0:
            self.state = None  # a new epoch starts the streams afresh
        inputs, targets = self.to_device(*self.train_stream.batch(self.progress.batch_index))
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
        self.advance_position()
        return loss.item() if finite else None

    def to_device(self, *tensors):
        """Copy a batch to the device. A window is a strided slice of the streams, which torch
        would first copy into ordinary (pageable) memory and then copy synchronously; staged
        through page-locked (pinned) memory, the copy to a GPU runs asynchronously."""
        if self.device.type == "cuda":
            tensors = [torch.empty(t.shape, dtype=t.dtype, pin_memory=True).copy_(t) for t in tensors]
        return [t.to(self.device, non_blocking=True) for t in tensors]

    def batch_loss(self, loss):
        """The step's loss over the whole batch: this process's own here; under DDP, the mean
        over ranks (charrnn.train.distributed), so every rank logs it and skips bad steps alike."""
        return loss

    def clip_and_check(self, loss):
        """Clip the global gradient norm; False if the loss or the gradients are not finite."""
        self.scaler.unscale_(self.optimizer)
        clip = self.config.train.clip or math.inf
        norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), clip)
        return bool(torch.isfinite(loss) and torch.isfinite(norm))

    def advance_position(self):
        p = self.progress
        p.step += 1
        p.batch_index += 1
        if p.batch_index == self.train_stream.batches_per_epoch:
            p.epoch, p.batch_index = p.epoch + 1, 0

    def after_step(self, loss):
        p = self.progress
        if loss is None:
            p.skipped_steps += 1
            if p.skipped_steps >= MAX_BAD_STEPS:
                raise self.diverged(f"the loss became NaN or infinite {MAX_BAD_STEPS} steps in a row")
        else:
            p.skipped_steps = 0
            p.loss_sum, p.loss_count = p.loss_sum + loss, p.loss_count + 1
        sample_every = self.config.train.sample_every
        if sample_every and p.step % sample_every == 0 and self.is_main:
            self.write_samples()  # before this step's checkpoint, so a resume never lacks them
        if p.step % self.config.train.eval_every == 0:
            self.evaluate_and_log(scheduled=True)
        chars = self.train_stream.batch_size * self.train_stream.seq_len * self.world * p.step
        self.reporter.update(loss, self.last_eval, chars / max(p.elapsed, 1e-9))

    def write_samples(self):
        """The --sample-every samples of this step, into the run directory and the reporter."""
        prime = sample_prime(self.config.data.corpus)
        samples = training_samples.draw(self.unwrapped(), self.vocab, prime, self.config.train.seed)
        record = {"step": self.progress.step, "epoch": self.progress.epoch, "prime": prime,
                  "samples": samples}
        self.run_dir.log_samples(record)
        self.reporter.sampled(record)

    def diverged(self, what):
        """The one-line error for a run whose loss or weights stopped being finite."""
        train = self.config.train
        step = self.run_dir.kept_step("last")
        kept = (f"{self.run_dir.checkpoint('last')} holds step {step}, the last good state"
                if step is not None else "no checkpoint was saved before that")
        advice = ["a lower --lr", "a smaller --clip" if train.clip else "--clip 1 (clipping is off)"]
        if train.precision != "fp32":
            advice.append("--precision fp32")
        return UserError(f"{what} at step {self.progress.step}; {kept}; start again (--overwrite) "
                         f"with {', '.join(advice[:-1])} or {advice[-1]}")

    def evaluate_and_log(self, scheduled):
        """Validate, log a metrics line and keep `last`/`best`. Only scheduled evaluations
        move early stopping, so stopping and resuming does not change a run's course; any
        evaluation, a run's final one included, may be kept as best.pt."""
        p, record = self.progress, {"step": self.progress.step, "epoch": self.progress.epoch}
        if p.loss_count:
            record["train_loss"] = p.loss_sum / p.loss_count
        if self.val_stream is not None:
            scores = self.validation_scores()
            record.update({f"val_{k}": v for k, v in scores.items() if k != "chars"})
        record.update(lr=self.optimizer.param_groups[0]["lr"], elapsed=round(p.elapsed, 3),
                      scheduled=scheduled)
        if scheduled:
            p.loss_sum, p.loss_count = 0.0, 0
            self.track_best(record)
        else:
            self.kept_as_best(record)
        self.last_eval = record
        self.log(record)
        if not math.isfinite(record.get("val_loss", 0.0)):
            raise self.diverged("the validation loss became NaN or infinite")
        self.save("last")

    def validation_scores(self):
        return evaluate(self.unwrapped(), self.val_stream, self.device, self.config.train.eval_batches)

    def track_best(self, record):
        """A scheduled evaluation: best.pt, patience and the plateau schedule."""
        p, val = self.progress, record.get("val_loss")
        if val is None:
            return
        best = p.best_val if p.scheduled_best is None else p.scheduled_best
        p.bad_evals = 0 if val < best else p.bad_evals + 1
        p.scheduled_best = min(val, best)
        self.kept_as_best(record)
        self.schedule.observe(val, p.step)

    def kept_as_best(self, record):
        """Save best.pt if this evaluation beats the best so far; whether it did. Besides
        the scheduled evaluations, a run's final one counts: a cosine ends at its floor,
        where the model is often best, between two evaluations, and a run stopped with
        Ctrl-C keeps the model it stopped with if that is the best (issue 26)."""
        val = record.get("val_loss")
        if val is None or not val < self.progress.best_val:
            return False
        self.progress.best_val, self.progress.best_step = val, self.progress.step
        self.save("best")
        return True

    def log(self, record):
        if self.is_main:
            self.run_dir.log(record)

    def periodic_save_due(self, last_save):
        train = self.config.train
        by_steps = train.save_every and self.progress.step % train.save_every == 0
        by_time = train.save_minutes and self.clock() - last_save >= train.save_minutes * 60
        return bool(by_steps or by_time)

    def save_periodically(self):
        """last.pt, unless an evaluation just saved it, and the numbered checkpoint."""
        if self.last_eval.get("step") != self.progress.step:
            self.save("last")
        self.save_numbered()

    def save_numbered(self):
        if self.config.train.save_every:
            self.save("numbered")  # on every rank: see save()
            if self.is_main:
                self.run_dir.prune(self.config.train.keep)

    def stop_reason(self, seconds, budget):
        train, p = self.config.train, self.progress
        if self.stop_signal:
            return "interrupted"
        if self.step_limit() and p.step >= self.step_limit():
            return "max_steps"
        if train.max_epochs and p.epoch >= train.max_epochs:
            return "max_epochs"
        if budget is not None and seconds >= budget:
            return "max_time"
        if train.patience and p.bad_evals >= train.patience:
            return "patience"
        return None

    def finish(self, reason):
        """A final evaluation (unless one just ran) and the last checkpoint."""
        if self.last_eval.get("step") != self.progress.step:
            self.evaluate_and_log(scheduled=False)
        else:
            self.save("last")
        p = self.progress
        return Outcome(self.run_dir.path, p.step, p.epoch, reason, p.best_val, p.best_step,
                       self.last_eval)


class StopOnSignal:
    """First Ctrl-C or SIGTERM: finish the step, save, and stop. Second: stop at once
    (checkpoints are written atomically, so nothing on disk is half-written)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, trainer):
        self.trainer, self.previous = trainer, {}

    def __enter__(self):
        try:
            for sig in self.SIGNALS:
                self.previous[sig] = signal.signal(sig, self.handle)
        except ValueError:  # not the main thread: leave signals alone
            self.previous = {}
        return self

    def handle(self, signum, frame):
        if self.trainer.stop_signal:
            raise KeyboardInterrupt
        self.trainer.stop_signal = signal.Signals(signum).name

    def __exit__(self, *exc):
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        return False
