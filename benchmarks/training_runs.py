"""One `charrnn train` run as the quality benchmarks make it: a child process of the real
command line, its evaluations (metrics.jsonl), the line that says why it stopped, and the
load average before and after (on a shared machine, what fits in a time budget moves with
the load)."""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Trained:
    records: list  # metrics.jsonl, in order
    stopped: str  # charrnn's "Stopped at step N (epoch E): why, ..." line
    load: tuple  # the 1-minute load average before and after

    @property
    def best(self):
        """The evaluation with the lowest validation loss."""
        return min((r for r in self.records if r.get("val_loss") is not None),
                   key=lambda r: r["val_loss"])

    @property
    def last(self):
        return self.records[-1]

    @property
    def why(self):
        """Why the run stopped, as charrnn says it: 'validation stopped improving', ..."""
        return self.stopped.split(": ", 1)[1].split(",")[0].rstrip(".")

    def loads(self):
        return f"load {self.load[0]:.1f}-{self.load[1]:.1f}"


def train(out_dir, *args):
    """Run `charrnn train --out out_dir ARGS` to its end and read what it did."""
    command = [sys.executable, "-m", "charrnn", "train", "--out", str(out_dir), "--no-progress",
               "--sample-length", "0", *map(str, args)]
    before = os.getloadavg()[0]
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr}")
    from charrnn.run.rundir import read_metrics

    stopped = next(line for line in done.stderr.splitlines() if line.startswith("Stopped at"))
    return Trained(read_metrics(out_dir), stopped, (before, os.getloadavg()[0]))
