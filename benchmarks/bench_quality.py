"""Quality per CPU-minute: the best validation loss on Tiny Shakespeare after 180 s of training.

Trains `configs/shakespeare-3min.toml` on ../shared/data/tinyshakespeare.txt (first 90% train,
last 10% validation) through the real command line, and beside it, in the same run, the plain
recipe it is compared with: a 2x384 LSTM at batch 64 x 128, Adam 3e-3, cosine. Both size their
cosine to the budget the same way, by charrnn's own probe of the step rate (`max_steps =
"auto"` with --max-time, charrnn.train.sizing), so both learning rates come down as the time runs
out. Both report the best validation loss over the whole validation split. The load average
before and after each run goes into the note: on a shared machine the steps that fit move
with it.
"""

import json
import sys
import tempfile
from pathlib import Path

from benchmarks import training_runs

ROOT = training_runs.ROOT
DATA = ROOT.parent / "shared" / "data" / "tinyshakespeare.txt"
PRESET = ROOT / "configs" / "shakespeare-3min.toml"
# Every setting spelled out, so a change to the preset leaves the baseline as it was.
PLAIN_RECIPE = ("--model", "lstm", "--layers", "2", "--hidden", "384", "--embedding", "64",
                "--dropout", "0", "--batch-size", "64", "--seq-len", "128", "--optimizer", "adam",
                "--lr", "3e-3", "--schedule", "cosine", "--warmup-steps", "20",
                "--min-lr-ratio", "0.1", "--clip", "1.0", "--weight-decay", "0",
                "--no-tie-weights", "--val-fraction", "0.1", "--eval-batches", "0")
TARGET = 1.45  # nats, after 180 s


def train(out_dir, budget, *flags):
    """One run of the preset on Tiny Shakespeare for `budget`, flags overriding it."""
    return training_runs.train(out_dir, "--config", PRESET, "--corpus", DATA, "--max-time",
                               budget, *flags)


def run(quick=False):
    name = "quality: best val loss, Tiny Shakespeare"
    if not DATA.exists():
        return [{"name": name, "value": None, "unit": "nats", "baseline": None, "ratio": None,
                 "target": f"<= {TARGET}", "note": f"skipped: {DATA} not found"}]
    budget = "30s" if quick else "180s"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plain = train(tmp / "plain", budget, *PLAIN_RECIPE, "--max-steps", "auto",
                      "--eval-every", "100000")
        preset = train(tmp / "preset", budget)
    best, plain_best, last = preset.best["val_loss"], plain.best["val_loss"], preset.last
    return [{"name": f"{name}, {budget} CPU", "value": round(best, 4), "unit": "nats",
             "baseline": round(plain_best, 4), "ratio": round(best / plain_best, 3),
             "target": f"<= {TARGET} (180 s)", "met": None if quick else best <= TARGET,
             "note": f"shakespeare-3min: {last['step']} steps in {last['elapsed']:.0f} s, "
                     f"{preset.loads()}; baseline: plain 2x384 LSTM, batch 64 x 128, "
                     f"{plain.last['step']} steps, {plain.loads()}"}]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(json.dumps(row))
