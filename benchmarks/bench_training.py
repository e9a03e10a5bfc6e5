"""Training-loop overhead: charrnn's Trainer against the bare fused training step.

Run from the repository root: `python -m benchmarks.bench_training [--quick] [--threads N]`.

Both sides train the same shape (an LSTM, vocabulary 65, embedding 64; 2x384 and 2x512
at batch 64 and 128 characters per stream per step) in the same process with one thread,
on the same windows, from the same initial weights:

- the Trainer side is `Trainer.run`'s whole loop: slicing and copying the batch, the
  autocast and GradScaler wrappers, gradient clipping and the finite check, the bookkeeping,
  the stop and save checks, the progress bar (drawn into a buffer) and its postfix;
  validation and checkpoints are excluded (no evaluation falls inside a measured stretch,
  and the end-of-run evaluation and save are skipped);
- the bare side is forward, cross-entropy, zero_grad, backward and Adam's step, with the
  hidden state carried across windows already on the device.

Stretches of steps alternate (A B, B A, ...) so that load on a shared machine hits both
alike, and each side's median rate is kept. On a CPU the clock is the process's CPU time
(one thread), which other load disturbs far less than wall time; on a GPU, wall time.
A third, tiny shape isolates the Trainer's fixed cost per step (mostly gradient clipping),
which is what the ratio comes to where steps are short, as on a GPU.
"""

import contextlib
import io
import random
import statistics
import string
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from charrnn.run.config import RunConfig, validate
from charrnn.model.model import CharRNN, map_state
from charrnn.train.training import Trainer

VOCAB, EMBEDDING = 65, 64
# One thread: on a shared machine two threads wait on each other at every barrier, and the
# stalls swamp the ratio (steps vary 1x-5x); one thread varies a few percent.
THREADS = 1


@dataclass
class Shape:
    layers: int
    hidden: int
    batch: int
    seq_len: int
    steps: int  # per measured stretch (full run; quick runs fewer)
    quick_steps: int
    target: float | None

    @property
    def chars(self):
        return self.batch * self.seq_len


SHAPES = (Shape(2, 384, 64, 128, 3, 1, 0.9), Shape(2, 512, 64, 128, 3, 1, 0.9),
          Shape(1, 32, 8, 16, 200, 50, None))


def write_corpus(folder, shape, batches=24):
    """Random text over 65 characters, `batches` training batches long (and a sliver to validate)."""
    alphabet = (string.ascii_letters + string.digits + " .,\n")[:VOCAB]
    rng = random.Random(0)
    path = Path(folder) / "corpus.txt"
    path.write_text("".join(rng.choices(alphabet, k=int(shape.chars * batches * 1.05) + 2)),
                    encoding="utf-8")
    return path


def bench_config(corpus, shape):
    config = RunConfig()
    config.data.corpus, config.data.val_fraction = str(corpus), 0.02
    config.data.batch_size, config.data.seq_len = shape.batch, shape.seq_len
    config.model.layers, config.model.hidden, config.model.embedding = shape.layers, shape.hidden, EMBEDDING
    config.train.eval_every, config.train.eval_batches, config.train.seed = 10**9, 1, 0
    config.train.threads = torch.get_num_threads()  # as run() set it: no trial in a stretch
    validate(config)
    return config


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def clock(device):
    """On a CPU, the process's CPU time: other load on a shared machine moves it far less than
    wall time, and with one thread and a quiet machine the two agree. On a GPU, wall time."""
    return time.perf_counter if device.type == "cuda" else time.process_time


def trainer_seconds(trainer, steps):
    """Seconds of `steps` passes of Trainer.run's loop, from the first step's start to the
    last step's bookkeeping."""
    stamps, step, after, now = [], trainer.train_step, trainer.after_step, clock(trainer.device)

    def timed_step():
        if not stamps:
            stamps.append(now())
        return step()

    def timed_after(loss):
        after(loss)
        synchronize(trainer.device)
        stamps.append(now())

    trainer.train_step, trainer.after_step = timed_step, timed_after
    trainer.config.train.max_steps = trainer.progress.step + steps
    with contextlib.redirect_stderr(io.StringIO()):  # the bar draws, into a buffer
        trainer.run()
    del trainer.train_step, trainer.after_step  # back to the class's methods
    return stamps[-1] - stamps[0]


def bare_seconds(model, optimizer, windows, steps):
    """Seconds of `steps` bare training steps on windows already on the device."""
    state, device = None, windows[0][0].device
    now = clock(device)
    start = now()
    for index in range(steps):
        inputs, targets = windows[index % len(windows)]
        logits, state = model(inputs, state)
        loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
        state = map_state(state, torch.Tensor.detach)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    synchronize(device)
    return now() - start


def both_sides(folder, shape):
    """The device, and a Trainer and beside it the same model (same initial weights) with a
    bare Adam, each as a function of a step count returning seconds."""
    trainer = Trainer(bench_config(write_corpus(folder, shape), shape), Path(folder) / "run")
    trainer.finish = lambda reason: reason  # skip the end-of-run evaluation and save
    model = CharRNN(len(trainer.vocab), trainer.config.model).to(trainer.device)
    model.load_state_dict(trainer.unwrapped().state_dict())
    optimizer = torch.optim.Adam(model.parameters(), lr=trainer.config.train.lr)
    stream = trainer.train_stream
    windows = [tuple(t.to(trainer.device) for t in stream.batch(i))
               for i in range(stream.batches_per_epoch)]
    return trainer.device, (lambda steps: trainer_seconds(trainer, steps),
                            lambda steps: bare_seconds(model, optimizer, windows, steps))


def median_seconds(sides, steps, rounds):
    """Median seconds per step of each side over `rounds` alternating stretches."""
    for side in sides:
        side(max(steps // 10, 1))  # warm-up: allocations, oneDNN/cuDNN plans
    seconds = [[] for _ in sides]
    for round_index in range(rounds):
        order = range(len(sides)) if round_index % 2 == 0 else reversed(range(len(sides)))
        for index in order:
            seconds[index].append(sides[index](steps) / steps)
    return [statistics.median(s) for s in seconds]


def measure(shape, quick, threads=THREADS):
    steps, rounds = (shape.quick_steps, 2) if quick else (shape.steps, 5)
    with tempfile.TemporaryDirectory() as folder:
        device, sides = both_sides(folder, shape)
        trainer_step, bare_step = median_seconds(sides, steps, rounds)
    return {
        "name": f"train {shape.layers}x{shape.hidden} LSTM, Trainer vs bare step",
        "value": round(shape.chars / trainer_step, 1), "unit": "chars/s",
        "baseline": round(shape.chars / bare_step, 1), "ratio": round(bare_step / trainer_step, 3),
        "target": shape.target,
        "note": f"{device.type}, batch {shape.batch}, seq-len {shape.seq_len}, fp32, {threads} thread(s); "
                f"Trainer costs {1e3 * (trainer_step - bare_step):+.2f} ms/step over "
                f"{1e3 * bare_step:.1f}; medians of {rounds} alternating stretches of {steps} steps"}


def run(quick=False, shapes=SHAPES, threads=THREADS):
    """Rows {name, value, unit, baseline, ratio, target, note}, one per shape, on `threads`
    CPU threads (a fixed count: the trainer's trial would time the counts, not the loop)."""
    torch.set_num_threads(threads)
    return [measure(shape, quick, threads) for shape in shapes]


if __name__ == "__main__":
    argv = sys.argv[1:]
    count = int(argv[argv.index("--threads") + 1]) if "--threads" in argv else THREADS
    for row in run(quick="--quick" in argv, threads=count):
        print(row)
