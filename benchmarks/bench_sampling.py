"""Sampling speed: the packed Stepper against torch's fused recurrent kernel called per step.

Run from the repository root: `python -m benchmarks.bench_sampling [--quick] [--threads N]`.
Both sides run in the same process on the same model (a 2x384 LSTM, vocabulary 65,
embedding 64), draw each character with torch.multinomial, use 2 threads unless told
otherwise, are warmed up, and keep the best of a few interleaved repeats because the
machine is shared and noisy.
"""

import sys
import time

import torch

from charrnn.config import ModelConfig
from charrnn.model import CharRNN
from charrnn.stepper import Stepper

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


def run(quick=False, threads=2):
    """Rows {name, value, unit, baseline, ratio, target, note} for the sampling paths.

    Two threads is the target setting; on a 2-core machine that other jobs load, two
    OpenMP threads wait on each other at every small op and both paths collapse, so
    `threads=1` gives the steadier comparison there."""
    torch.set_num_threads(threads)
    model = bench_model()
    steps = [fused_step(model), Stepper(model).step]
    seconds, repeats = (0.5, 2) if quick else (2.0, 3)
    single = best_rates(steps, 1, seconds, repeats)
    batched = best_rates(steps, 64, seconds, repeats)
    return [
        row("sample 1 stream, Stepper vs per-char nn.LSTM", single[1], single[0], 20.0,
            "2x384 LSTM, vocab 65, multinomial; baseline model(x[:, None], state)"),
        row("sample 64 streams, Stepper vs fused nn.LSTM per step", batched[1], batched[0], 1.0,
            "same model; chars/s summed over the 64 streams"),
    ]


def print_table(rows):
    header = f"{'benchmark':<55} {'value':>10} {'baseline':>10} {'ratio':>7} {'target':>7}  unit"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['name']:<55} {r['value']:>10.1f} {r['baseline']:>10.1f} "
              f"{r['ratio']:>7.2f} {r['target']:>7.1f}  {r['unit']}")
        print(f"    {r['note']}")


def main(argv):
    threads = int(argv[argv.index("--threads") + 1]) if "--threads" in argv else 2
    print(f"torch threads: {threads}")
    print_table(run(quick="--quick" in argv, threads=threads))


if __name__ == "__main__":
    main(sys.argv[1:])
