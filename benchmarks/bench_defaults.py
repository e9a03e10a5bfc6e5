"""The defaults on corpora of three sizes: what `charrnn train --corpus X` with no other flag
reaches, against the best of a small sweep around it, and how much of its training time it
spends after its best checkpoint.

Corpora: miscFolk (51 KB of ABC tunes, bundled with music21), the first half of Tiny
Shakespeare (550 KB of English, from ../shared/data/) and the Essen folk song collection
(1.9 MB of ABC, music21's `essenFolksong`). The sweep changes what the defaults must guess
without knowing the corpus: the dropout (0.1, and 0.5 on the small corpus, beside the
defaults' 0.3), and the schedule: a cosine sized to the defaults' own training time (what
`--max-time` gives), a length known only afterwards. Targets: the defaults' best validation
loss within 0.03 nats of the sweep's best; at most 20% of their time after their best
checkpoint.

Every run has a time limit, so that the whole sweep fits in about 45 minutes on two cores:
runs that reach it have not stopped by themselves (the table says which), and their time
after the best checkpoint says nothing about early stopping. A capped run is still the
defaults: `--max-steps 0` keeps the schedule `plateau`, where a time limit alone would make
it a cosine. --quick runs the small corpus for one minute, against dropout 0.1 alone.

    python -m benchmarks.bench_defaults [--quick]     # prints the tables (Markdown)
"""

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks import training_runs

SHAKESPEARE = training_runs.ROOT.parent / "shared" / "data" / "tinyshakespeare.txt"
WITHIN, AFTER_BEST = 0.03, 0.20  # the targets: nats above the sweep's best; share of time
LOW, HIGH = ("dropout 0.1", ("--dropout", "0.1")), ("dropout 0.5", ("--dropout", "0.5"))
COSINE = "cosine, same time"


@dataclass(frozen=True)
class Corpus:
    name: str
    spec: str  # --corpus; a path relative to the run's temporary directory where made
    limit: str  # every run's --max-time
    variants: tuple  # (name, flags) beside the defaults and the cosine


def half_of_shakespeare(tmp):
    """The first half of Tiny Shakespeare, cut at a line's end."""
    text = SHAKESPEARE.read_text(encoding="utf-8")
    path = tmp / "shakespeare-half.txt"
    path.write_text(text[: text.rindex("\n", 0, len(text) // 2) + 1], encoding="utf-8")
    return str(path)


CORPORA = (Corpus("miscFolk, 51 KB", "music21:miscFolk", "4m", (LOW, HIGH)),
           Corpus("Tiny Shakespeare, first half, 550 KB", "shakespeare-half", "5m", (LOW,)),
           Corpus("essenFolksong, 1.9 MB", "music21:essenFolksong", "5m", (LOW,)))
QUICK = (Corpus("miscFolk, 51 KB", "music21:miscFolk", "1m", (LOW,)),)


def sweep(tmp, corpus):
    """{name: training_runs.Trained} for the defaults and the variants around them."""
    spec = half_of_shakespeare(tmp) if corpus.spec == "shakespeare-half" else corpus.spec
    capped = ("--corpus", spec, "--max-steps", "0", "--max-time", corpus.limit)
    runs = {"defaults": training_runs.train(tmp / "defaults", *capped)}
    for name, flags in corpus.variants:
        runs[name] = training_runs.train(tmp / name.replace(" ", "-"), *capped, *flags)
    seconds = round(runs["defaults"].last["elapsed"])
    runs[COSINE] = training_runs.train(tmp / "cosine", "--corpus", spec, "--max-time", f"{seconds}s")
    return runs


def after_best(run):
    """The share of the run's training time spent after its best evaluation."""
    return 1 - run.best["elapsed"] / run.last["elapsed"]


def capped(run):
    return run.why == "reached --max-time"


def summary_rows(corpus, runs):
    """The two target rows (benchmarks/run.py's format) for one corpus."""
    ours, best_name = runs["defaults"], min(runs, key=lambda name: runs[name].best["val_loss"])
    best, sweep_best = ours.best["val_loss"], runs[best_name].best["val_loss"]
    share = after_best(ours)
    return [{"name": f"defaults, {corpus.name}: best val loss", "value": round(best, 4),
             "unit": "nats", "baseline": round(sweep_best, 4), "ratio": round(best / sweep_best, 3),
             "target": f"within {WITHIN} nats of the sweep's best",
             "met": best - sweep_best <= WITHIN, "note": f"best of the sweep: {best_name}"},
            {"name": f"defaults, {corpus.name}: time after the best checkpoint",
             "value": round(share, 3), "unit": "share", "baseline": None, "ratio": None,
             "target": f"<= {AFTER_BEST}", "met": None if capped(ours) else share <= AFTER_BEST,
             "note": f"{ours.last['step']} steps in {ours.last['elapsed']:.0f} s, best at step "
                     f"{ours.best['step']}; {ours.why}; {ours.loads()}"}]


def runs_table(results):
    """Every run of every corpus, as a Markdown table."""
    lines = ["| corpus | run | best val loss | at step | steps | s | after best | stopped | load |",
             "|---|---|---:|---:|---:|---:|---:|---|---|"]
    for corpus, runs in results:
        for name, run in runs.items():
            lines.append(f"| {corpus.name} | {name} | {run.best['val_loss']:.4f} | "
                         f"{run.best['step']:,} | {run.last['step']:,} | {run.last['elapsed']:.0f} | "
                         f"{after_best(run):.0%} | {run.why} | {run.load[0]:.1f}-{run.load[1]:.1f} |")
    return "\n".join(lines)


def targets_table(rows):
    lines = ["| measurement | value | sweep's best | target | met | note |", "|---|---:|---:|---|---|---|"]
    for row in rows:
        met = {True: "yes", False: "**no**", None: "n/a (time limit)"}[row["met"]]
        baseline = "" if row["baseline"] is None else f"{row['baseline']:.4f}"
        value = f"{row['value']:.4f} nats" if row["unit"] == "nats" else f"{row['value']:.0%}"
        lines.append(f"| {row['name']} | {value} | {baseline} | "
                     f"{row['target']} | {met} | {row['note']} |")
    return "\n".join(lines)


def measure(quick=False):
    """[(corpus, runs)] for each corpus."""
    results = []
    for corpus in QUICK if quick else CORPORA:
        if corpus.spec == "shakespeare-half" and not SHAKESPEARE.exists():
            continue
        with tempfile.TemporaryDirectory() as tmp:
            results.append((corpus, sweep(Path(tmp), corpus)))
    return results


def run(quick=False):
    return [row for corpus, runs in measure(quick) for row in summary_rows(corpus, runs)]


if __name__ == "__main__":
    results = measure(quick="--quick" in sys.argv)
    rows = [row for corpus, runs in results for row in summary_rows(corpus, runs)]
    print(runs_table(results), "", targets_table(rows), "", *map(json.dumps, rows), sep="\n")
