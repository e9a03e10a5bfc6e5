"""What a form plan does to sampled tunes, and what it costs (issue 24).

100 tunes from one run at T=1.0 and one seed, sampled three ways in the same process: free
(no grammar), with the grammar and `--form any` (no plan), and with `--form auto` (a corpus
tune's meter, rhythm, skeleton and registers, a held cadence), the last two held to the
run's idiom as `charrnn sample` holds them. For each: the time (wall and this process's
CPU, as the machine may be shared), characters, the mean log-likelihood per character the
model gives the tunes (the price of the grammar and the plan, in likelihood), and as music21
and abc2midi read the tunes: the median bars played, the AABB share, the pickup share, the
share ending on the tonic, the tunes with bars abc2midi counts too long or short ("Bar N
has ...", and those outside a repeat), abc2midi Errors, the tunes that write each of the
traits a plan keeps to the corpus's share (a rest, a slur within a slur) and those that end
with a slur left open (as the grammar's reader reads them), and the commonest skeletons. The
corpus's own figures come from 200 of its tunes (a fixed sample).

    python -m benchmarks.bench_form [RUN] [--tunes 100]

Needs the README's main job to have run first (`charrnn train` -> runs/oneills1850), or
a run given. The run directory gains corpus-form.json (copy a run you keep read-only).
"""

import argparse
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from charrnn.music.steer.form import TRAITS, NoteListener  # light: no torch

ROOT = Path(__file__).resolve().parent.parent
SEED, TEMPERATURE = 7, 1.0


def sample(run, count, form):
    """(texts, wall seconds, CPU seconds, mean log-likelihood per character under the model)
    of `count` tunes: form "free", "any" or "auto"."""
    from charrnn.cli.common import load_run
    from charrnn.cli.sample import tune_policy
    from charrnn.cli.tunes import corpus_form
    from charrnn.music.steer.form import FormRequest
    from charrnn.music.steer.planner import Planner
    from charrnn.music.steer.sampling import TuneHeader, sample_tunes
    from charrnn.sample.sampling import SampleSettings
    from benchmarks.bench_tunes import log_likelihood

    found, model, vocab, config = load_run(run)
    planner = None
    if form == "auto":
        planner = Planner(FormRequest.parse("auto"), corpus_form(found.learned, config.data.corpus))
    # the policy `charrnn sample` holds the tunes to: the run's idiom
    policy = None if form == "free" else tune_policy(found.learned, config.data.corpus, "on")
    settings = SampleSettings(length=2000, temperature=TEMPERATURE, seed=SEED)
    wall, cpu = time.perf_counter(), time.process_time()
    tunes, _ = sample_tunes(model, vocab, count, TuneHeader(), settings, free=form == "free",
                            policy=policy, form=planner)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    texts = [t.text for t in tunes]
    return texts, wall, cpu, log_likelihood(model, vocab, texts)


def figures(texts):
    """The form figures of some tunes, as music21 (charrnn.music.report.features) and abc2midi read them."""
    from charrnn.music.abc import reference
    from charrnn.music.report.features import tune_features
    from charrnn.music.abc.skeleton import skeleton

    read, misfit, outside, errors, skeletons, traits, slurs = [], 0, 0, 0, Counter(), Counter(), 0
    for text in texts:
        listener = NoteListener()
        found = skeleton(text, form=listener)
        traits.update(listener.traits)
        slurs += listener.slurs_left > 0
        skeletons[found.label if found else "-"] += 1
        try:
            read.append(tune_features(text))
        except ValueError:
            continue
        said = reference.messages(text) or []
        bars = [message for _, _, message in said if re.search(r"Bar \d+ has", message)]
        misfit += bool(bars)
        outside += any("in repeat" not in message for message in bars)
        errors += any(kind == "Error" for kind, _, _ in said)
    n = max(len(read), 1)
    return {"tunes": len(texts), "bars": statistics.median([f.bars for f in read if f.bars] or [0]),
            "AABB": sum(f.form == "AABB" for f in read) / n,
            "pickup": sum(bool(f.anacrusis) for f in read) / n,
            "tonic": sum(bool(f.ends_on_tonic) for f in read) / n,
            "misfit": misfit / n, "outside": outside / n, "errors": errors,
            "traits": " | ".join(f"{traits[t] / len(texts):.0%}" for t in TRAITS),
            "slurs": slurs / len(texts),
            "skeletons": ", ".join(f"{label} {count}" for label, count in skeletons.most_common(4))}


def row(name, found, timing=""):
    return (f"| {name} | {found['tunes']} | {found['bars']:g} | {found['AABB']:.0%} | "
            f"{found['pickup']:.0%} | {found['tonic']:.0%} | {found['misfit']:.0%} "
            f"({found['outside']:.0%}) | {found['errors']} | {found['traits']} | "
            f"{found['slurs']:.0%} | {timing} | {found['skeletons']} |")


def run(quick=False):
    """Rows for benchmarks/run.py: the plan's price in time against free sampling, and in
    likelihood against `--form any`, on the README main job's run."""
    count = 20 if quick else 100
    free, any_, auto = (sample(str(ROOT / "runs" / "oneills1850"), count, form)
                        for form in ("free", "any", "auto"))
    return [{"name": f"form auto: CPU seconds for {count} tunes", "value": auto[2], "unit": "s",
             "baseline": free[2], "ratio": auto[2] / free[2], "target": "<= 2 (free sampling's)",
             "note": f"--form any {any_[2]:.1f} s"},
            {"name": "form auto: log-likelihood per character", "value": auto[3], "unit": "nats",
             "baseline": any_[3], "ratio": None, "target": None,
             "note": f"--form any's as baseline; free {free[3]:.3f}"}]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", nargs="?", default=str(ROOT / "runs" / "oneills1850"))
    parser.add_argument("--tunes", type=int, default=100)
    args = parser.parse_args()
    from charrnn.cli.common import load_run
    from charrnn.run.learned import load_corpus_tunes

    corpus = load_corpus_tunes(load_run(args.run)[3].data.corpus)
    sample_of = sorted(random.Random(0).sample(range(len(corpus)), min(200, len(corpus))))
    print("| tunes | n | median bars | AABB | pickup | ends on tonic | misfit bars (outside "
          f"repeats) | abc2midi Errors | {' | '.join(TRAITS)} | a slur left open | time (wall / "
          "CPU), log-likelihood | commonest skeletons |")
    print("|---" * (11 + len(TRAITS)) + "|")
    print(row("the corpus (200)", figures([corpus[i] for i in sample_of])), flush=True)
    for form in ("free", "any", "auto"):
        texts, wall, cpu, loglik = sample(args.run, args.tunes, form)
        chars = sum(map(len, texts))
        timing = f"{wall:.0f} s / {cpu:.0f} s, {chars / cpu:.0f} chars/s; {loglik:.3f} nats/char"
        print(row(f"--free" if form == "free" else f"--form {form}", figures(texts), timing),
              flush=True)


if __name__ == "__main__":
    sys.exit(main())
