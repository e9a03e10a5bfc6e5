"""Sampling speed: the packed Stepper against torch's fused recurrent kernel called per step.

Run from the repository root: `python -m benchmarks.bench_sampling [--quick] [--threads N]`.
Both sides run in one fresh process on the same model (a 2x384 LSTM, vocabulary 65,
embedding 64), draw each character with torch.multinomial, are warmed up, and keep the
best of a few interleaved repeats because the machine is shared and noisy. One stream
runs on one thread (as `charrnn sample` does on a CPU), 64 streams on --threads (2).
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import torch

from charrnn.run.config import ModelConfig
from charrnn.model.model import CharRNN
from charrnn.sample.stepper import Stepper

ROOT = Path(__file__).resolve().parent.parent
VOCAB = 65


def bench_model():
    torch.manual_seed(0)
    return CharRNN(VOCAB, ModelConfig(model="lstm", layers=2, hidden=384, embedding=64)).eval()


def fused_step(model):
    """The naive path: the whole model on a length-1 sequence per character."""

    def step(tokens, state):
        logits, state = model(tokens[:, None], state)
        return logits[:, 0], state

    return step


def generation_rate(step, batch, seconds):
    """Chars/s sampling `batch` streams for about `seconds` of wall time (a time budget
    rather than a length, so a loaded machine makes the run noisier but not longer)."""
    tokens = torch.zeros(batch, dtype=torch.long)
    state, count = None, 0
    with torch.no_grad():
        start = now = time.perf_counter()
        while now - start < seconds:
            logits, state = step(tokens, state)
            tokens = torch.multinomial(torch.softmax(logits, -1), 1)[:, 0]
            count += 1
            now = time.perf_counter()
    return batch * count / (now - start)


def best_rates(steps, batch, seconds, repeats):
    """Best chars/s of each step function, repeats interleaved so load hits both alike."""
    for step in steps:
        generation_rate(step, batch, seconds / 4)  # warm-up
    best = [0.0] * len(steps)
    for _ in range(repeats):
        for index, step in enumerate(steps):
            best[index] = max(best[index], generation_rate(step, batch, seconds))
    return best


def row(name, value, baseline, target, note):
    return {"name": name, "value": round(value, 1), "unit": "chars/s",
            "baseline": round(baseline, 1), "ratio": round(value / baseline, 2),
            "target": target, "note": note}


def measure(quick=False, threads=2):
    """The rows, measured in this process (see run for why that should be a fresh one)."""
    seconds, repeats = (0.5, 2) if quick else (2.0, 3)
    model = bench_model()
    # One stream on one thread, as `charrnn sample` runs it on a CPU.
    torch.set_num_threads(1)
    steps = [fused_step(model), Stepper(model).step]
    single = best_rates(steps, 1, seconds, repeats)
    # torch's CPU LSTM goes through oneDNN, whose set-up on every call is most of the naive
    # loop's cost; with oneDNN off, torch's own kernel makes the strongest naive baseline.
    torch.backends.mkldnn.enabled = False
    native = best_rates(steps[:1], 1, seconds, repeats)[0]
    torch.backends.mkldnn.enabled = True
    torch.set_num_threads(threads)
    batched = best_rates(steps, 64, seconds, repeats)
    return [
        row("sample 1 stream, Stepper vs per-char nn.LSTM", single[1], single[0], 20.0,
            "2x384 LSTM, vocab 65, multinomial, 1 thread; baseline model(x[:, None], state), "
            "torch's default CPU path (oneDNN), fresh process"),
        row("sample 1 stream, Stepper vs per-char nn.LSTM, oneDNN off", single[1], native, None,
            "same, with torch.backends.mkldnn.enabled = False for the baseline"),
        row("sample 64 streams, Stepper vs fused nn.LSTM per step", batched[1], batched[0], 1.0,
            f"same model, {threads} threads; chars/s summed over the 64 streams"),
    ]


def run(quick=False, threads=2):
    """Rows {name, value, unit, baseline, ratio, target, note} for the sampling paths.

    Measured in a fresh process: the naive loop's speed depends on what the process did
    before (after a training run, glibc's malloc keeps the large blocks oneDNN asks for on
    every call, and the same loop ran 5x faster), so a fresh process, like a new
    `charrnn sample`, makes the figure repeatable."""
    command = [sys.executable, "-m", "benchmarks.bench_sampling", "--json", "--threads", str(threads)]
    command += ["--quick"] if quick else []
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout)


def print_table(rows):
    header = f"{'benchmark':<60} {'value':>10} {'baseline':>10} {'ratio':>7} {'target':>7}  unit"
    print(header)
    print("-" * len(header))
    for r in rows:
        target = "-" if r["target"] is None else f"{r['target']:.1f}"
        print(f"{r['name']:<60} {r['value']:>10.1f} {r['baseline']:>10.1f} "
              f"{r['ratio']:>7.2f} {target:>7}  {r['unit']}")
        print(f"    {r['note']}")


def main(argv):
    threads = int(argv[argv.index("--threads") + 1]) if "--threads" in argv else 2
    rows = measure(quick="--quick" in argv, threads=threads)
    if "--json" in argv:
        print(json.dumps(rows))
    else:
        print_table(rows)


if __name__ == "__main__":
    main(sys.argv[1:])
