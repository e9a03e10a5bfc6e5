"""The shipped folk model beside the README main job's five-minute model, side by side.

Both are scored on the same held-out tunes: the last 10% of O'Neill's tunes, the five-minute
model's validation split, which the folk recipe (configs/folk.toml) holds out too; then each
samples 100 tunes at T=1.0 (`--seed 7`) through the command line, and its tunes are measured
as `benchmarks/bench_form.py` measures them (median bars, AABB, pickup, ending on the tonic,
bars abc2midi counts wrong) and reported on by `charrnn tune-report` against the corpus the
model learned from (stage-one passes and the reasons for failing, tunes abc2midi warns
about, the features that differ from that corpus): good tunes are tunes like those of
their corpus, and the two corpora differ (the folk model's holds Ryan's reels, longer and
more often AABB than O'Neill's tunes). The ratio column is the folk model's figure over the
five-minute model's.

    python -m benchmarks.bench_folk_model [--small runs/oneills1850] [--folk folk] [--tunes 100]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "runs" / "oneills1850"
HELD_OUT = "music21:oneills1850"
VAL_FRACTION = 0.1  # the five-minute model's validation split of O'Neill's
TEMPERATURE, SEED = 1.0, 7


def held_out_loss(spec):
    """Nats per character on the held-out tunes, and the characters scored."""
    from charrnn.data.corpus import load_text
    from charrnn.run import checkpoint, models
    from charrnn.train.evaluation import encode_text, score_ids

    text = load_text(HELD_OUT)
    held = text[len(text) - int(len(text) * VAL_FRACTION):]
    model, vocab, _ = checkpoint.restore_model(models.load(spec).payload)
    ids, _ = encode_text(vocab, held, "skip", HELD_OUT)
    scores = score_ids(model, ids, 32, 100, "cpu", 0)
    return scores["loss"], scores["chars"]


def sampled(spec, count, folder):
    """Sample `count` tunes through the command line; (texts, wall seconds)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "charrnn", "sample", str(spec), "--abc", "-n",
                           str(count), "-t", str(TEMPERATURE), "--seed", str(SEED), "--out",
                           str(folder), "--no-page"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    seconds = time.perf_counter() - start
    return [path.read_text() for path in sorted(folder.glob("*.abc"))], seconds


def reported(folder, spec):
    """`charrnn tune-report --json` of a tune directory against the corpus the model
    `spec` learned from."""
    done = subprocess.run([sys.executable, "-m", "charrnn", "tune-report", str(folder), "--corpus",
                           str(spec), "--json"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(done.stdout)


def measure(spec, count):
    from benchmarks.bench_form import figures

    loss, chars = held_out_loss(spec)
    with tempfile.TemporaryDirectory() as scratch:
        texts, seconds = sampled(spec, count, Path(scratch) / "tunes")
        report = reported(Path(scratch) / "tunes", spec)
    found = figures(texts)
    tunes, stage_one = report["tunes"], report["stage_one"]
    return {"held-out loss (nats/char)": loss, "held-out chars": chars,
            "tunes made": len(texts), "pass stage one": stage_one["passed"] / len(tunes),
            "fail because": ", ".join(f"{n} {rule}" for rule, n in stage_one["fails"].items()) or "-",
            "its corpus passes": report["corpus"]["stage_one"]["passed"] / report["corpus"]["stage_one"]["tunes"],
            "abc2midi warns": sum(bool(t["abc2midi"]["warnings"]) for t in tunes) / len(tunes),
            "features differing from its corpus": ", ".join(
                f["feature"] for f in report["features"] if f["differs"]) or "none",
            # how unlike its corpus, feature by feature, beyond what 100 of the corpus's own
            # tunes are by chance: where both models keep the form, the melody tells them apart
            "distance beyond chance, summed over the features": sum(
                max(0.0, f["distance"] - f["floor"]) for f in report["features"]),
            "median bars": found["bars"], "AABB": found["AABB"], "pickup": found["pickup"],
            "ends on tonic": found["tonic"], "misfit bars": found["misfit"],
            "seconds for the tunes": seconds}


def table(small, folk):
    lines = ["| measure | five-minute model | folk model | ratio |", "|---|---|---|---|"]
    for name in small:
        a, b = small[name], folk[name]
        ratio = f"{b / a:.2f}" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a else "-"
        lines.append(f"| {name} | {shown(a)} | {shown(b)} | {ratio} |")
    return "\n".join(lines)


def shown(value):
    if isinstance(value, float) and value < 1.5:
        return f"{value:.3f}"
    return f"{value:,.0f}" if isinstance(value, (int, float)) else str(value)


def run(quick=False):
    """Rows for benchmarks/run.py: the held-out loss and stage-one passes."""
    count = 20 if quick else 100
    small, folk = measure(SMALL, count), measure("folk", count)
    return [{"name": f"folk model: {name}", "value": folk[name], "unit": "",
             "baseline": small[name], "ratio": folk[name] / small[name] if small[name] else None,
             "target": None} for name in ("held-out loss (nats/char)", "pass stage one")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", default=str(SMALL), help="the five-minute model's run")
    parser.add_argument("--folk", default="folk", help="the shipped model (a name or file)")
    parser.add_argument("--tunes", type=int, default=100)
    args = parser.parse_args()
    print(table(measure(args.small, args.tunes), measure(args.folk, args.tunes)))


if __name__ == "__main__":
    sys.exit(main())
