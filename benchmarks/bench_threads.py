"""Threads on a shared machine: steps in 45 s of the default preset's model (`charrnn train
--config default`, a 2x256 LSTM, batch 32 x 100) with `--threads auto`, 1, 2 and torch's
own default count, while 0, 1 or every core is held by a busy loop.

Run from the repository root:

    python -m benchmarks.bench_threads [--quick] [--seconds S] [CORPUS]

CORPUS defaults to music21's O'Neill's tunes (the default preset's corpus) where music21 is
installed, else to generated text; Tiny Shakespeare is what benchmarks/RESULTS.md reports.
Each cell is a fresh `charrnn train --max-time 45s` (its cosine sized to the time, as a
user's run is); its steps are read from the run. Every row's ratio is to the best fixed
count (1 or 2) under the same load. The busy loops are child processes, one per busy core,
killed when the load is measured, on an error or Ctrl-C, and (on Linux) if this process
itself is killed.
"""

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from charrnn.cli.tunes import interrupt_on_sigterm
from charrnn.music.abc.check import killed_with_parent

ROOT = Path(__file__).resolve().parent.parent
SECONDS, QUICK_SECONDS = 45, 8
FIXED = (1, 2)
BUSY_LOOP = "while True:\n    pass\n"


def run(quick=False, corpus=None, seconds=None):
    """Rows {name, value, unit, baseline, ratio, target, note}: one per load and setting."""
    seconds = seconds or (QUICK_SECONDS if quick else SECONDS)
    corpus = corpus or default_corpus()
    cores = available_cores()
    default = torch_default_threads()
    rows = []
    with interrupt_on_sigterm():  # the busy loops' finally blocks run
        for busy in dict.fromkeys((0, 1, cores)):
            with busy_loops(busy):
                rows += load_rows(busy, cores, corpus, seconds, default)
    return rows + ([against_default(rows, default)] if cores > 1 else [])


def load_rows(busy, cores, corpus, seconds, default):
    """The rows of one load: each setting's steps, as a ratio to the best fixed count."""
    load = "quiet" if not busy else f"{busy} of {cores} cores busy"
    settings = ["auto", *FIXED] + ([] if default in FIXED else [default])
    cells = {setting: train_steps(corpus, seconds, setting) for setting in settings}
    best = max(cells[n][0] for n in FIXED)
    rows = []
    for setting, (steps, line) in cells.items():
        label = f"--threads {setting}" + (", torch's default" if setting == default else "")
        rows.append({"name": f"{load}: {label}", "load": load, "threads": setting,
                     "value": steps, "unit": "steps", "baseline": best,
                     "ratio": round(steps / best, 3) if best else None,
                     "target": 0.9 if setting == "auto" else None, "note": line})
    return rows


def against_default(rows, default):
    """The row that says what `auto` gained over torch's default count with one core busy."""
    load = next(r["load"] for r in rows if r["load"] != "quiet")
    cell = {r["threads"]: r["value"] for r in rows if r["load"] == load}
    auto, theirs = cell["auto"], cell[default]
    return {"name": f"{load}: auto against torch's default ({default} threads)", "load": load,
            "threads": "auto", "value": auto, "unit": "steps", "baseline": theirs,
            "ratio": round(auto / theirs, 1) if theirs else None, "target": 20, "note": ""}


def train_steps(corpus, seconds, threads):
    """(steps, the threads line) of one `charrnn train --max-time` run in a fresh process.
    A run that collapsed may take minutes past its time (its final evaluation collapses
    too): it is stopped at `seconds` * 3 + 120, and its steps read from its last save."""
    with tempfile.TemporaryDirectory() as folder:
        run = Path(folder) / "run"
        command = [sys.executable, "-m", "charrnn", "train", "--config", "default", "--corpus",
                   str(corpus), "--out", str(run), "--max-time", f"{seconds}s",
                   "--sample-length", "0", "--threads", str(threads), "--no-progress"]
        limit = seconds * 3 + 120
        try:
            done = subprocess.run(command, capture_output=True, text=True, env=own_threads_env(),
                                  cwd=ROOT, timeout=limit)
        except subprocess.TimeoutExpired:
            return saved_step(run), f"stopped by the benchmark after {limit} s"
    if done.returncode != 0:
        raise RuntimeError(f"charrnn train --threads {threads} failed: "
                           f"{done.stderr.strip()[-500:]}")
    stopped = re.search(r"Stopped at step (\d+)", done.stderr)
    line = next((l for l in done.stderr.splitlines() if l.startswith("threads: ")), "")
    return int(stopped.group(1)), line


def saved_step(run):
    """The step of a run's last save (0 if none): its last metrics line."""
    metrics = run / "metrics.jsonl"
    lines = metrics.read_text().splitlines() if metrics.exists() else []
    return json.loads(lines[-1])["step"] if lines else 0


@contextlib.contextmanager
def busy_loops(count):
    """`count` child processes that each keep a core busy, as another program would; killed
    on leaving, whatever the way out."""
    children = []
    try:
        for _ in range(count):
            children.append(subprocess.Popen([sys.executable, "-c", BUSY_LOOP],
                                             preexec_fn=killed_with_parent))
        yield children
    finally:
        for child in children:
            child.kill()
        for child in children:
            child.wait()


def available_cores():
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def torch_default_threads():
    """The count torch picks by itself in a fresh process (no OMP_NUM_THREADS)."""
    done = subprocess.run([sys.executable, "-c", "import torch; print(torch.get_num_threads())"],
                          capture_output=True, text=True, env=own_threads_env(), check=True)
    return int(done.stdout)


def own_threads_env():
    """This environment without the variables that would fix torch's count, and with this
    checkout first on the path."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def default_corpus():
    """The default preset's corpus where music21 is installed, else generated text."""
    try:
        import music21  # noqa: F401
        return "music21:oneills1850"
    except ImportError:
        pass
    path = Path(tempfile.gettempdir()) / "charrnn-bench-threads.txt"
    if not path.exists():
        import random

        words = random.Random(0).choices(["the", "cat", "sat", "on", "a", "mat", "and", "ran"],
                                         k=200_000)
        path.write_text(" ".join(words), encoding="utf-8")
    return str(path)


def table(rows):
    """The rows as a Markdown table, the load in the first column."""
    lines = ["| load | threads | steps | ratio | baseline | note |",
             "|---|---|---:|---:|---:|---|"]
    for r in rows:
        load, setting = r["name"].split(": ", 1)
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:g}"
        lines.append(f"| {load} | {setting} | {r['value']:,} | {ratio} | {r['baseline']:,} | "
                     f"{r['note']} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?",
                        help="corpus to train on [default: music21:oneills1850]")
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_SECONDS} s a cell, not {SECONDS}")
    parser.add_argument("--seconds", type=int, help="seconds a cell")
    args = parser.parse_args()
    print(table(run(args.quick, args.corpus, args.seconds)))


if __name__ == "__main__":
    main()
