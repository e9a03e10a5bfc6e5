"""Start-up time of the command line: `charrnn --help` and each command's `--help`.

Run from the repository root: `python -m benchmarks.bench_startup [--quick]`.

Each command runs as a fresh `python -m charrnn ...` subprocess; the best of several runs
is kept (the least disturbed by other load). The baseline is `python -c "import torch"`:
help must not pay for torch (or music21), which the CLI imports only inside commands.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 0.3  # seconds


def best_seconds(arguments, repeats):
    """Best wall time of `python <arguments>` over `repeats` runs."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, *arguments], check=True, cwd=ROOT, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def commands(quick):
    """The top-level help, then every registered command's help (train alone if quick)."""
    from charrnn.cli import COMMANDS

    names = ["train"] if quick else sorted(COMMANDS)
    return [[]] + [[name] for name in names]


def run(quick=False):
    """Rows {name, value, unit, baseline, ratio, target, note, met}, one per command."""
    repeats = 3 if quick else 7
    torch_import = best_seconds(["-c", "import torch"], repeats)
    python_alone = best_seconds(["-c", "pass"], repeats)
    rows = []
    for command in commands(quick):
        seconds = best_seconds(["-m", "charrnn", *command, "--help"], repeats)
        rows.append({
            "name": f"charrnn {' '.join(command + ['--help'])}",
            "value": round(seconds, 3), "unit": "s", "baseline": round(torch_import, 3),
            "ratio": round(seconds / torch_import, 3), "target": f"< {LIMIT} s",
            "met": seconds < LIMIT,
            "note": f"best of {repeats}; baseline python -c 'import torch'; "
                    f"python alone {python_alone:.3f} s"})
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv[1:]):
        print(row)
