"""Quality per CPU-minute: the best validation loss on Tiny Shakespeare after 180 s of training.

Trains `configs/shakespeare-3min.toml` on ../shared/data/tinyshakespeare.txt (first 90% train,
last 10% validation) through the real command line, and beside it, in the same run, the plain
recipe it is compared with: a 2x384 LSTM at batch 64 x 128, Adam 3e-3, cosine. Both size their
cosine to the budget the same way, by charrnn's own probe of the step rate (`max_steps =
"auto"` with --max-time, charrnn.sizing), so both learning rates come down as the time runs
out. Both report the best validation loss over the whole validation split. The load average
before and after each run goes into the note: on a shared machine the steps that fit move
with it.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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
    """The last metrics record, the best validation loss and the load averages before and
    after, of one run."""
    command = [sys.executable, "-m", "charrnn", "train", "--config", str(PRESET),
               "--corpus", str(DATA), "--out", str(out_dir), "--max-time", budget, "--no-progress",
               "--sample-length", "0", *flags]
    before = os.getloadavg()[0]
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    from charrnn.rundir import read_metrics

    records = read_metrics(out_dir)
    return records[-1], min(r["val_loss"] for r in records), (before, os.getloadavg()[0])


def run(quick=False):
    name = "quality: best val loss, Tiny Shakespeare"
    if not DATA.exists():
        return [{"name": name, "value": None, "unit": "nats", "baseline": None, "ratio": None,
                 "target": f"<= {TARGET}", "note": f"skipped: {DATA} not found"}]
    budget = "30s" if quick else "180s"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plain, plain_best, plain_load = train(tmp / "plain", budget, *PLAIN_RECIPE,
                                              "--max-steps", "auto", "--eval-every", "100000")
        last, best, load = train(tmp / "preset", budget)
    return [{"name": f"{name}, {budget} CPU", "value": round(best, 4), "unit": "nats",
             "baseline": round(plain_best, 4), "ratio": round(best / plain_best, 3),
             "target": f"<= {TARGET} (180 s)", "met": None if quick else best <= TARGET,
             "note": f"shakespeare-3min: {last['step']} steps in {last['elapsed']:.0f} s, load "
                     f"{load[0]:.1f}-{load[1]:.1f}; baseline: plain 2x384 LSTM, batch 64 x 128, "
                     f"{plain['step']} steps, load {plain_load[0]:.1f}-{plain_load[1]:.1f}"}]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(json.dumps(row))
