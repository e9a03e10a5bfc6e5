"""Quality per CPU-minute: the best validation loss on Tiny Shakespeare after 180 s of training.

Trains `configs/shakespeare-3min.toml` on ../shared/data/tinyshakespeare.txt (first 90% train,
last 10% validation) through the real command line, and beside it, in the same run, the plain
recipe it is compared with: a 2x384 LSTM at batch 64 x 128, Adam 3e-3, cosine. The plain
recipe's cosine is sized to the steps this machine fits in the budget, measured by a short
probe first, so its learning rate comes down as the preset's does. Both report the best
validation loss over the whole validation split.
"""

import json
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
                "--no-tie-weights")
TARGET = 1.50  # nats, after 180 s


def train(out_dir, budget, *flags):
    """The last metrics record and the best validation loss of one run."""
    command = [sys.executable, "-m", "charrnn", "train", "--config", str(PRESET),
               "--corpus", str(DATA), "--out", str(out_dir), "--max-time", budget, "--no-progress",
               "--sample-length", "0", *flags]
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    from charrnn.rundir import read_metrics

    records = read_metrics(out_dir)
    return records[-1], min(r["val_loss"] for r in records)


def fitted_steps(tmp, budget_s, probe_s):
    """How many steps of the plain recipe fit in budget_s here, from a probe of probe_s."""
    last, _ = train(tmp / "probe", f"{probe_s}s", *PLAIN_RECIPE, "--schedule", "constant",
                    "--max-steps", "0", "--eval-every", "100000", "--eval-batches", "1")
    return max(int(last["step"] / last["elapsed"] * budget_s * 0.95), 1)


def run(quick=False):
    name = "quality: best val loss, Tiny Shakespeare"
    if not DATA.exists():
        return [{"name": name, "value": None, "unit": "nats", "baseline": None, "ratio": None,
                 "target": f"<= {TARGET}", "note": f"skipped: {DATA} not found"}]
    budget_s, probe_s = (30, 5) if quick else (180, 15)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        steps = fitted_steps(tmp, budget_s, probe_s)
        plain, plain_best = train(tmp / "plain", f"{budget_s}s", *PLAIN_RECIPE,
                                  "--max-steps", str(steps), "--eval-every", "100000")
        last, best = train(tmp / "preset", f"{budget_s}s")
    return [{"name": f"{name}, {budget_s} s CPU", "value": round(best, 4), "unit": "nats",
             "baseline": round(plain_best, 4), "ratio": round(best / plain_best, 3),
             "target": f"<= {TARGET} (180 s)", "met": None if quick else best <= TARGET,
             "note": f"shakespeare-3min: {last['step']} steps in {last['elapsed']:.0f} s; "
                     f"baseline: plain 2x384 LSTM, batch 64 x 128, {plain['step']} steps"}]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(json.dumps(row))
