"""Run charrnn's benchmarks, print one table, and optionally write the rows as JSON.

    python benchmarks/run.py                       # everything (several minutes)
    python benchmarks/run.py --quick               # fewer steps and repeats
    python benchmarks/run.py --only training,startup --json results.json

Each benchmark is a module here (`bench_*.py`, and `abc2midi_agreement.py` when present)
with `run(quick=False) -> list[dict]`; each row has name, value, unit, baseline, ratio,
target and note (see README.md). A benchmark that fails is reported and the rest still run.
"""

import argparse
import importlib
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

# Cheap and telling first; the rest (and any new bench_*.py) in name order after them.
FIRST = ("startup", "memory", "training", "sampling", "quality")
EXTRA = {"abc2midi": "abc2midi_agreement"}  # benchmarks not named bench_*


def available():
    """Short name -> module name of every benchmark present, in running order."""
    found = {path.stem.removeprefix("bench_"): path.stem for path in HERE.glob("bench_*.py")}
    found.update({name: module for name, module in EXTRA.items() if (HERE / f"{module}.py").exists()})
    order = sorted(found, key=lambda n: (FIRST.index(n) if n in FIRST else len(FIRST), n))
    return {name: found[name] for name in order}


def chosen(only):
    """The benchmarks --only names (short names or module names), all by default."""
    benchmarks = available()
    if not only:
        return benchmarks
    by_any = {**benchmarks, **{module: module for module in benchmarks.values()}}
    names = [name.strip() for name in only.split(",") if name.strip()]
    unknown = [name for name in names if name not in by_any]
    if unknown:
        sys.exit(f"unknown benchmark {', '.join(unknown)}; there are: {', '.join(benchmarks)}")
    picked = {by_any[name] for name in names}
    return {name: module for name, module in benchmarks.items() if module in picked}


def run_one(name, module_name, quick):
    """(rows, seconds, error): the rows tagged with the benchmark's name."""
    start = time.perf_counter()
    try:
        rows = importlib.import_module(f"benchmarks.{module_name}").run(quick=quick)
        error = None
    except Exception as failure:  # report it and go on with the other benchmarks
        traceback.print_exc()
        rows, error = [], f"{type(failure).__name__}: {failure}"
    for row in rows:
        row["benchmark"] = name
        row.setdefault("met", met(row))
    return rows, time.perf_counter() - start, error


def met(row):
    """A numeric target is the least acceptable ratio; others are judged by the module."""
    target, ratio = row.get("target"), row.get("ratio")
    if isinstance(target, (int, float)) and isinstance(ratio, (int, float)):
        return ratio >= target
    return None


def machine():
    import torch

    return {
        "cpu": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version(),
        "platform": platform.platform(), "torch": torch.__version__,
        "cuda_device": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
        "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "commit": git_commit(),
    }


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def git_commit():
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10)
        return done.stdout.strip() or None
    except (OSError, subprocess.TimeoutExpired):
        return None


def number(value):
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def print_table(rows, errors):
    header = f"{'benchmark':<58} {'value':>10} {'unit':<8} {'baseline':>10} {'ratio':>7} {'target':>9} {'met':>4}"
    print(header)
    print("-" * len(header))
    for r in rows:
        target = r.get("target")
        target = f">= {target}" if isinstance(target, (int, float)) else number(target)
        flag = {True: "yes", False: "NO", None: ""}[r.get("met")]
        print(f"{r['name'][:58]:<58} {number(r['value']):>10} {r['unit']:<8} "
              f"{number(r['baseline']):>10} {number(r['ratio']):>7} {target:>9} {flag:>4}")
        if r.get("note"):
            print(f"    {r['note']}")
    for name, error in errors.items():
        print(f"{name}: FAILED: {error}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    parser.add_argument("--only", metavar="NAME,...", help=f"run only these: {', '.join(available())}")
    parser.add_argument("--json", metavar="PATH", help="also write the rows and the machine as JSON")
    args = parser.parse_args()
    started, info = time.strftime("%Y-%m-%dT%H:%M:%S%z"), machine()
    print(f"{info['cpu']} ({info['cores']} cores), torch {info['torch']}, "
          f"GPU: {info['cuda_device'] or 'none'}, load {info['load_average']}\n", flush=True)
    rows, seconds, errors = [], {}, {}
    for name, module in chosen(args.only).items():
        print(f"running {name} ...", file=sys.stderr, flush=True)
        found, seconds[name], error = run_one(name, module, args.quick)
        rows += found
        if error:
            errors[name] = error
    print_table(rows, errors)
    if args.json:
        report = {"machine": info, "started": started, "quick": args.quick, "seconds": seconds,
                  "errors": errors, "rows": rows}
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
