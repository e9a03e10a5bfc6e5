"""How the ABC tools' time grows with a tune's length: `abc-check`, `abc2midi` and
`tune-report` on one tune of 100 to 6,400 bars, beside the system `abc2midi` on the same
files.

Run from the repository root: `python -m benchmarks.bench_abc_scaling [--quick]`, which
prints one table (bars, seconds and milliseconds a bar for each tool, and each one's ratio to
the system abc2midi); `benchmarks/run.py` takes the rows.

The tune is a plain reel bar, `ABcd efge|`, four to a line, under a header (issue 26: it
took 25.8 s to check at 800 bars, and 1,600 did not finish in two minutes). Each tool's
work is timed in this process, music21 already imported, as the command does it after
start-up: `check_abc` (the grammar, then music21 reading the tune), `tune_to_midi` (the
tune played as abc2midi plays it, through music21, to MIDI bytes), and `build_report` with
no corpus (the checks, the system abc2midi's verdict where it is installed, the features).
The system abc2midi is timed as a process (`abc2midi FILE -o OUT`), start-up included.
Times are CPU seconds (this process's, and the abc2midi processes' it waited for), best
of two runs (one with --quick): on a shared machine the wall time of one run moves by
several times with the load, its CPU time by a few percent; on a quiet one they agree.
Targets: 1,600 bars checked in under 1 s, and each tool's time a bar flat: at the longest
tune at most 1.5 times what it is at 400 bars (the shortest tunes' time a bar holds
music21's fixed cost of reading any tune).
"""

import argparse
import resource
import shutil
import subprocess
import tempfile
from pathlib import Path

BARS = (100, 200, 400, 800, 1600, 3200, 6400)
QUICK_BARS = (100, 200, 400, 800, 1600)
CHECK_LIMIT_S, CHECK_LIMIT_BARS = 1.0, 1600
FLAT_FROM = 400  # time a bar is compared with its value here
FLAT_LIMIT = 1.5
HEADER = "X:1\nT:Reel\nM:4/4\nL:1/8\nR:reel\nK:D\n"


def reel(bars: int) -> str:
    """One tune of `bars` bars of `ABcd efge|`, four bars a line."""
    line = "ABcd efge|" * 4
    return HEADER + "\n".join([line] * (bars // 4)) + "\n"


def tools():
    """name -> function of the tune's text, doing what the command of that name does."""
    from charrnn.music.abc.check import check_abc
    from charrnn.music.play.midi import tune_to_midi
    from charrnn.music.report.report import build_report

    return {
        "abc-check": check_abc,
        "abc2midi": tune_to_midi,
        "tune-report": lambda text: build_report("reel", [("reel", text)], None, progress=False),
    }


def cpu_seconds() -> float:
    """CPU time of this process and the children it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def best_seconds(work, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = cpu_seconds()
        work()
        best = min(best, cpu_seconds() - start)
    return best


def system_seconds(path: Path, repeats: int) -> float | None:
    """The system abc2midi converting the file, as a process; None where it is not installed."""
    if shutil.which("abc2midi") is None:
        return None
    out = path.with_suffix(".mid")
    return best_seconds(lambda: subprocess.run(["abc2midi", str(path), "-o", str(out)], check=True,
                                               capture_output=True), repeats)


def measure(quick: bool) -> list[dict]:
    """One dict per length: bars, each tool's seconds, and the system abc2midi's."""
    found, repeats = tools(), 1 if quick else 2
    for work in found.values():
        work(reel(8))  # music21 imported and warmed up before any timing
    table = []
    with tempfile.TemporaryDirectory() as folder:
        for bars in QUICK_BARS if quick else BARS:
            text = reel(bars)
            path = Path(folder) / f"reel-{bars}.abc"
            path.write_text(text)
            row = {"bars": bars, "system": system_seconds(path, repeats)}
            row.update({name: best_seconds(lambda w=work: w(text), repeats)
                        for name, work in found.items()})
            table.append(row)
    return table


def rows_from(table: list[dict], quick: bool) -> list[dict]:
    rows = []
    for entry in table:
        for name in ("abc-check", "abc2midi", "tune-report"):
            seconds, system = entry[name], entry["system"]
            limited = name == "abc-check" and entry["bars"] == CHECK_LIMIT_BARS
            rows.append({
                "name": f"{name}, {entry['bars']:,} bars", "value": seconds, "unit": "s",
                "baseline": system, "ratio": seconds / system if system else None,
                "target": f"< {CHECK_LIMIT_S:g} s" if limited else None,
                "met": seconds < CHECK_LIMIT_S if limited else None,
                "note": f"{1000 * seconds / entry['bars']:.2f} ms a bar; baseline: the system "
                        "abc2midi on the same file (a process, start-up included); CPU time",
            })
    rows += [_flatness(table, name) for name in ("abc-check", "abc2midi", "tune-report")]
    return rows


def _flatness(table: list[dict], name: str) -> dict:
    """Time a bar at the longest tune over time a bar at FLAT_FROM bars."""
    per_bar = {entry["bars"]: entry[name] / entry["bars"] for entry in table}
    longest = max(per_bar)
    growth = per_bar[longest] / per_bar[FLAT_FROM]
    return {"name": f"{name}: time a bar, {longest:,} bars over {FLAT_FROM} bars", "value": growth,
            "unit": "x", "baseline": None, "ratio": None, "target": f"<= {FLAT_LIMIT:g}",
            "met": growth <= FLAT_LIMIT,
            "note": "flat time a bar is linear time; music21's fixed cost a tune weighs on "
                    "short tunes"}


def run(quick=False):
    return rows_from(measure(quick), quick)


def markdown(table: list[dict]) -> str:
    """The table: bars, each tool's seconds and ms a bar, the system abc2midi, the ratios."""
    names = ("abc-check", "abc2midi", "tune-report")
    lines = ["| bars | " + " | ".join(f"{n} s | {n} ms/bar" for n in names) +
             " | system abc2midi s | " + " | ".join(f"{n} / system" for n in names) + " |",
             "|" + "---:|" * (2 + 3 * len(names))]
    for entry in table:
        system = entry["system"]
        cells = [f"{entry['bars']:,}"]
        cells += [f"{entry[n]:.3f} | {1000 * entry[n] / entry['bars']:.2f}" for n in names]
        cells.append("-" if system is None else f"{system:.3f}")
        cells += ["-" if not system else f"{entry[n] / system:,.0f}" for n in names]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"up to {QUICK_BARS[-1]:,} bars, one run each")
    args = parser.parse_args()
    table = measure(args.quick)
    print(markdown(table))
    for row in rows_from(table, args.quick):
        if row["met"] is not None:
            print(f"{row['name']}: {row['value']:.3g} {row['unit']} (target {row['target']}): "
                  f"{'met' if row['met'] else 'NOT met'}")


if __name__ == "__main__":
    main()
