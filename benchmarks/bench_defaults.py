"""The defaults on corpora of three sizes: what `charrnn train --corpus X` with no other flag
reaches, against the best of a small sweep around it, and how much of its training time it
spends after its best checkpoint.

Corpora (bundled with music21, so no download): miscFolk (51 KB), oneills1850 (530 KB) and
essenFolksong (1.9 MB). The sweep changes, one at a time, what the defaults must guess
without knowing the corpus: the dropout (0.1 and 0.5 beside the defaults' 0.3), and the
schedule: a cosine over as many steps as the defaults ran, a length known only afterwards,
which is what tuning the length by hand would find. Every run ends by itself (early
stopping, or the cosine's end). Targets: the defaults' best validation loss within 0.03
nats of the sweep's best; at most 20% of their time after their best checkpoint.

Hours on a 2-core CPU (the 1.9 MB corpus alone takes most of it); --quick runs the 51 KB
corpus and the dropout variants only. Each run is a `charrnn train` process; set
OMP_NUM_THREADS to hold it to fewer threads on a shared machine.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ("music21:miscFolk", "music21:oneills1850", "music21:essenFolksong")
VARIANTS = {"dropout 0.1": ("--dropout", "0.1"), "dropout 0.5": ("--dropout", "0.5")}
WITHIN, AFTER_BEST = 0.03, 0.20  # the targets: nats above the sweep's best; share of time


def train(out_dir, corpus, *flags):
    """What one run did: its best validation loss, where, and its length in steps and time."""
    command = [sys.executable, "-m", "charrnn", "train", "--corpus", corpus, "--out", str(out_dir),
               "--no-progress", *flags]
    before = os.getloadavg()[0]
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    from charrnn.rundir import read_metrics

    records = read_metrics(out_dir)
    best = min((r for r in records if r.get("val_loss") is not None), key=lambda r: r["val_loss"])
    return {"best": best["val_loss"], "best_step": best["step"], "steps": records[-1]["step"],
            "after_best": 1 - best["elapsed"] / records[-1]["elapsed"],
            "seconds": records[-1]["elapsed"], "load": (before, os.getloadavg()[0])}


def sweep(tmp, corpus, quick):
    """{name: run} for the defaults and the variants around them."""
    runs = {"defaults": train(tmp / "defaults", corpus)}
    for name, flags in VARIANTS.items():
        runs[name] = train(tmp / name.replace(" ", "-"), corpus, *flags)
    if not quick:
        steps = str(runs["defaults"]["steps"])
        runs[f"cosine {steps}"] = train(tmp / "cosine", corpus, "--schedule", "cosine",
                                        "--max-steps", steps)
    return runs


def rows_for(corpus, runs):
    ours = runs["defaults"]
    best_name = min(runs, key=lambda name: runs[name]["best"])
    gap = ours["best"] - runs[best_name]["best"]
    tried = "; ".join(f"{name} {run['best']:.4f} (step {run['best_step']} of {run['steps']})"
                      for name, run in runs.items())
    name = corpus.removeprefix("music21:")
    return [{"name": f"defaults, {name}: best val loss", "value": round(ours["best"], 4),
             "unit": "nats", "baseline": round(runs[best_name]["best"], 4),
             "ratio": round(ours["best"] / runs[best_name]["best"], 3),
             "target": f"within {WITHIN} nats of the sweep's best", "met": gap <= WITHIN,
             "note": f"best of the sweep: {best_name}; {tried}"},
            {"name": f"defaults, {name}: time after the best checkpoint",
             "value": round(ours["after_best"], 3), "unit": "share", "baseline": None,
             "ratio": None, "target": f"<= {AFTER_BEST}", "met": ours["after_best"] <= AFTER_BEST,
             "note": f"{ours['steps']} steps in {ours['seconds']:.0f} s, best at step "
                     f"{ours['best_step']}; load {ours['load'][0]:.1f}-{ours['load'][1]:.1f}"}]


def run(quick=False):
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for corpus in CORPORA[:1] if quick else CORPORA:
            where = Path(tmp) / corpus.removeprefix("music21:")
            rows += rows_for(corpus, sweep(where, corpus, quick))
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(json.dumps(row))
