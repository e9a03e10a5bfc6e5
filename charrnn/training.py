"""The training loop: truncated BPTT over contiguous streams, periodic validation, early
stopping, checkpoints, and resumption that continues exactly where a run stopped.

Exact resume: the checkpoint carries the optimizer and schedule state, the data position,
the hidden state carried into the next batch, the RNG state (dropout) and the running loss
sums, so N steps straight and N/2 + N/2 with a resume between give the same weights.
"""

import json
import math
import signal
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from charrnn import checkpoint, corpus
from charrnn.batches import BatchStream, validation_stream
from charrnn.config import parse_duration, to_toml
from charrnn.errors import UserError
from charrnn.evaluation import evaluate
from charrnn.model import CharRNN, map_state
from charrnn.optim import build_optimizer, build_schedule
from charrnn.vocab import Vocabulary

# Keys that fix the model's shape or the data layout: a resumed run cannot change them.
FROZEN_ON_RESUME = ("model", "nonlinearity", "layers", "hidden", "embedding", "tie_weights",
                    "corpus", "val_fraction", "batch_size", "seq_len")
MAX_BAD_STEPS = 5  # consecutive non-finite losses before training gives up


@dataclass
class Progress:
    """Everything about a run that changes as it trains; saved in every checkpoint."""
    step: int = 0
    epoch: int = 0
    batch_index: int = 0
    best_val: float = math.inf
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
    last_eval: dict


def resolve_device(name):
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda asked for, but torch sees no CUDA GPU here")
    if name == "mps" and not torch.backends.mps.is_available():
        raise UserError("--device mps asked for, but this torch build or machine has no MPS")
    return torch.device(name)


class Trainer:
    def __init__(self, config, run_dir, resume=None, progress_bar=True, rank=0, world=1):
        self.config, self.run_dir = config, Path(run_dir)
        self.rank, self.world, self.progress_bar = rank, world, progress_bar
        self.device = resolve_device(config.train.device)
        torch.manual_seed(config.train.seed)
        vocab = Vocabulary(resume["vocab"]) if resume else None
        self.vocab, self.train_stream, self.val_stream = self.load_data(vocab)
        self.model = CharRNN(len(self.vocab), config.model).to(self.device)
        self.optimizer = build_optimizer(self.model.parameters(), config.train)
        self.schedule = build_schedule(self.optimizer, config.train, self.total_steps())
        self.scaler = torch.amp.GradScaler(enabled=config.train.precision == "fp16"
                                           and self.device.type == "cuda")
        self.progress, self.state, self.last_eval = Progress(), None, {}
        if resume:
            self.restore(resume)
        self.stop_signal = None

    @property
    def is_main(self):
        return self.rank == 0

    def load_data(self, vocab):
        data = self.config.data
        text = corpus.load_text(data.corpus, data.encoding_errors)
        if vocab is None:
            vocab = Vocabulary.from_text(text)
        elif vocab.unknown(text):
            raise UserError("the corpus has characters the resumed run's vocabulary lacks; "
                            "resume with the corpus the run was started on")
        ids = torch.tensor(vocab.encode(text), dtype=torch.long)
        train_ids, val_ids = corpus.split(ids, data.val_fraction)
        train = BatchStream(train_ids, data.batch_size, data.seq_len, self.rank, self.world)
        val = validation_stream(val_ids, data.batch_size, data.seq_len) if len(val_ids) else None
        return vocab, train, val

    def total_steps(self):
        """The run's length in steps, for the cosine schedule and the progress bar (0: unknown)."""
        train = self.config.train
        by_epochs = train.max_epochs * self.train_stream.batches_per_epoch
        return min(s for s in (train.max_steps, by_epochs) if s) if (train.max_steps or by_epochs) else 0

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
        self.scaler.load_state_dict(payload["scaler"])
        self.progress = Progress(**payload["progress"])
        self.state = map_state(payload["hidden"], lambda s: s.to(self.device))
        torch.set_rng_state(payload["rng"]["torch"])
        if payload["rng"]["cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(payload["rng"]["cuda"])
        self.last_eval = payload.get("last_eval", {})

    def save(self, name):
        if self.is_main:
            checkpoint.save(self.payload(), self.run_dir / name)

    def unwrapped(self):
        return getattr(self.model, "module", self.model)

    # ---- the loop ----------------------------------------------------------------------

    def run(self):
        if self.is_main:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            (self.run_dir / "config.toml").write_text(to_toml(self.config), encoding="utf-8")
        budget = parse_duration(self.config.train.max_time)
        started, last_save = time.monotonic(), time.monotonic()
        base_elapsed = self.progress.elapsed
        reason = self.stop_reason(0.0, budget)
        with self.signals(), self.progress_display() as bar:
            while reason is None:
                loss = self.train_step()
                self.progress.elapsed = base_elapsed + time.monotonic() - started
                self.after_step(loss, bar)
                if self.periodic_save_due(last_save):
                    self.save(checkpoint.LAST)
                    self.save_numbered()
                    last_save = time.monotonic()
                reason = self.stop_reason(time.monotonic() - started, budget)
        return self.finish(reason)

    def train_step(self):
        """One optimizer step on the next window; returns its loss, or None if it was skipped."""
        if self.progress.batch_index == 0:
            self.state = None  # a new epoch starts the streams afresh
        inputs, targets = self.train_stream.batch(self.progress.batch_index)
        inputs, targets = inputs.to(self.device, non_blocking=True), targets.to(self.device, non_blocking=True)
        with self.autocast():
            logits, state = self.model(inputs, self.state)
            loss = F.cross_entropy(logits.float().flatten(0, 1), targets.flatten())
        # Truncated BPTT: the state flows into the next window, its gradient does not.
        self.state = map_state(state, torch.Tensor.detach)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        finite = self.clip_and_check(loss)
        if finite:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        self.schedule.step()
        self.advance_position()
        return loss.item() if finite else None

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

    def after_step(self, loss, bar):
        p = self.progress
        if loss is None:
            p.skipped_steps += 1
            if p.skipped_steps >= MAX_BAD_STEPS:
                raise UserError(
                    f"the loss became NaN or infinite {MAX_BAD_STEPS} steps in a row (step {p.step}); "
                    f"{self.run_dir / checkpoint.LAST} still holds the last good state; "
                    "try a lower --lr, a smaller --clip, or --precision fp32")
        else:
            p.skipped_steps = 0
            p.loss_sum, p.loss_count = p.loss_sum + loss, p.loss_count + 1
        if p.step % self.config.train.eval_every == 0:
            self.evaluate_and_log(scheduled=True)
        chars = self.train_stream.batch_size * self.train_stream.seq_len * self.world * p.step
        bar.update(1)
        bar.set_postfix(self.postfix(loss, chars), refresh=False)

    def postfix(self, loss, chars):
        out = {"loss": f"{loss:.3f}" if loss is not None else "nan"}
        if "val_loss" in self.last_eval:
            out["val"] = f"{self.last_eval['val_loss']:.3f}"
        out["chars/s"] = f"{chars / max(self.progress.elapsed, 1e-9):,.0f}"
        return out

    def evaluate_and_log(self, scheduled):
        """Validate, log a metrics line and keep `last`/`best`. Only scheduled evaluations
        move early stopping, so stopping and resuming does not change a run's course."""
        p, record = self.progress, {"step": self.progress.step, "epoch": self.progress.epoch}
        if p.loss_count:
            record["train_loss"] = p.loss_sum / p.loss_count
        if self.val_stream is not None:
            scores = evaluate(self.unwrapped(), self.val_stream, self.device, self.config.train.eval_batches)
            record.update({f"val_{k}": v for k, v in scores.items() if k != "chars"})
        record.update(lr=self.optimizer.param_groups[0]["lr"], elapsed=round(p.elapsed, 3),
                      scheduled=scheduled)
        if scheduled:
            p.loss_sum, p.loss_count = 0.0, 0
            self.track_best(record)
        self.last_eval = record
        self.log(record)
        self.save(checkpoint.LAST)

    def track_best(self, record):
        p, val = self.progress, record.get("val_loss")
        if val is None:
            return
        if val < p.best_val:
            p.best_val, p.bad_evals = val, 0
            self.save(checkpoint.BEST)
        else:
            p.bad_evals += 1

    def log(self, record):
        if self.is_main:
            with (self.run_dir / "metrics.jsonl").open("a", encoding="utf-8") as out:
                out.write(json.dumps(record) + "\n")

    def periodic_save_due(self, last_save):
        train = self.config.train
        by_steps = train.save_every and self.progress.step % train.save_every == 0
        by_time = train.save_minutes and time.monotonic() - last_save >= train.save_minutes * 60
        return bool(by_steps or by_time)

    def save_numbered(self):
        if self.is_main and self.config.train.save_every:
            self.save(checkpoint.numbered_name(self.progress.step))
            checkpoint.prune_numbered(self.run_dir, self.config.train.keep)

    def stop_reason(self, seconds, budget):
        train, p = self.config.train, self.progress
        if self.stop_signal:
            return "interrupted"
        if train.max_steps and p.step >= train.max_steps:
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
            self.save(checkpoint.LAST)
        p = self.progress
        return Outcome(self.run_dir, p.step, p.epoch, reason, p.best_val, self.last_eval)

    # ---- context ------------------------------------------------------------------------

    def autocast(self):
        precision = self.config.train.precision
        if precision == "fp32":
            return torch.autocast(self.device.type, enabled=False)
        dtype = torch.bfloat16 if precision == "bf16" else torch.float16
        return torch.autocast(self.device.type, dtype=dtype)

    def progress_display(self):
        from tqdm.auto import tqdm

        total = self.total_steps() or None
        return tqdm(total=total, initial=self.progress.step, unit="step", dynamic_ncols=True,
                    disable=not (self.progress_bar and self.is_main), desc="train")

    def signals(self):
        return StopOnSignal(self)


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
