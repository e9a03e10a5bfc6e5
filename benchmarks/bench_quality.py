"""Quality per CPU-minute: the best validation loss on Tiny Shakespeare after 180 s of training.

Trains `configs/shakespeare-3min.toml` on ../shared/data/tinyshakespeare.txt (first 90% train,
last 10% validation) through the real command line, and reports the best validation loss the
run logged. Reference points measured on a 2-core machine: a small character GPT's usual CPU
recipe, 1.89 nats in ~190 s; a plain 2x384 LSTM (batch 64 x 128, Adam 3e-3, cosine), ~1.57.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "tinyshakespeare.txt"
PRESET = ROOT / "configs" / "shakespeare-3min.toml"
PLAIN_LSTM_REFERENCE = 1.57  # nats, 2x384 LSTM in 180 s on 2 cores (see the docstring)


def train(budget, out_dir, extra=()):
    command = [sys.executable, "-m", "charrnn", "train", "--config", str(PRESET),
               "--corpus", str(DATA), "--out", str(out_dir), "--max-time", budget, "--no-progress",
               "--sample-length", "0", *extra]
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    records = [json.loads(line) for line in (out_dir / "metrics.jsonl").read_text().splitlines()]
    return min(r["val_loss"] for r in records), records[-1]


def run(quick=False):
    if not DATA.exists():
        return [{"name": "quality: best val loss, Tiny Shakespeare, 180 s", "value": None,
                 "unit": "nats", "baseline": None, "ratio": None, "target": "<= 1.50",
                 "note": f"skipped: {DATA} not found"}]
    budget = "30s" if quick else "180s"
    with tempfile.TemporaryDirectory() as tmp:
        best, last = train(budget, Path(tmp) / "run")
    return [{"name": f"quality: best val loss, Tiny Shakespeare, {budget} CPU",
             "value": round(best, 4), "unit": "nats", "baseline": PLAIN_LSTM_REFERENCE,
             "ratio": round(best / PLAIN_LSTM_REFERENCE, 3), "target": "<= 1.50 (180 s)",
             "note": f"{last['step']} steps, {last['elapsed']:.0f} s of training; "
                     "baseline: plain 2x384 LSTM recipe"}]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(json.dumps(row))
