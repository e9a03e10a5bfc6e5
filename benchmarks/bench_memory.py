"""Peak memory of training: `charrnn train` on a 2x512 LSTM against `import torch` alone.

Run from the repository root: `python -m benchmarks.bench_memory [--quick]`.

Each command runs under a fresh Python parent that reports its child's peak resident set
(`getrusage(RUSAGE_CHILDREN).ru_maxrss`): that figure is the maximum over all the children a
process has waited for, so measuring each command from its own parent keeps them apart.
The training run is on the CPU (batch 64, 128 characters per stream, validation limited to
2 batches, one checkpoint saved at the end); resident memory does not count GPU memory.
"""

import os
import random
import string
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS, HIDDEN, BATCH, SEQ_LEN = 2, 512, 64, 128

# The parent that runs one command and prints the peak RSS of its child (KiB on Linux,
# bytes on macOS).
PROBE = ("import resource, subprocess, sys\n"
         "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def peak_rss_mb(command):
    """Peak resident memory of a command, in MiB."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", PROBE, *command], capture_output=True, text=True,
                          cwd=ROOT, env=env)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip().splitlines()[-1:]}")
    scale = 1 if sys.platform == "darwin" else 1024
    return int(done.stdout) * scale / 2**20


def write_corpus(folder, batches=4):
    alphabet = string.ascii_letters + string.digits + " .,\n"
    text = "".join(random.Random(0).choices(alphabet, k=BATCH * SEQ_LEN * batches * 2))
    path = Path(folder) / "corpus.txt"
    path.write_text(text, encoding="utf-8")
    return path


def train_command(folder, steps):
    return [sys.executable, "-m", "charrnn", "train", "--corpus", str(write_corpus(folder)),
            "--out", str(Path(folder) / "run"), "--device", "cpu", "--no-progress",
            "--layers", str(LAYERS), "--hidden", str(HIDDEN), "--embedding", "64",
            "--batch-size", str(BATCH), "--seq-len", str(SEQ_LEN), "--val-fraction", "0.1",
            "--max-steps", str(steps), "--eval-every", str(steps), "--eval-batches", "2",
            "--sample-length", "0"]


def run(quick=False):
    """One row {name, value, unit, baseline, ratio, target, note}."""
    steps = 1 if quick else 3
    baseline = peak_rss_mb([sys.executable, "-c", "import torch"])
    with tempfile.TemporaryDirectory() as folder:
        training = peak_rss_mb(train_command(folder, steps))
    return [{
        "name": f"peak RSS, charrnn train {LAYERS}x{HIDDEN} LSTM vs import torch",
        "value": round(training, 1), "unit": "MiB", "baseline": round(baseline, 1),
        "ratio": round(training / baseline, 2), "target": None,
        "note": f"cpu, batch {BATCH}, seq-len {SEQ_LEN}, {steps} step(s) + eval + save; "
                f"{training - baseline:.0f} MiB above torch itself"}]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv[1:]):
        print(row)
