"""How clean are sampled tunes, with the grammar steering the sampler and without it?

For tunes sampled from the default run at three temperatures with fixed seeds, side by side
in the same run: the share that pass `abc-check`, the share the reference converter
`abc2midi` reads without an Error line, how often the grammar refused the model's own draw
(on average, the probability it removed per character), the mean log-likelihood per
character of the tunes under the model, the median notes a tune (as played, repeats and all) and
the share of thin tunes, the draws dropped, and the time taken. The ratio is
the constrained sampler's speed (characters of kept tunes per second) over the free one's,
in batches of 16 streams and (a fifth as many tunes, T=1.0) in one stream. Constrained
tunes are drawn twice: held to the run's idiom (`sample --idiom on`, what the corpus's
tunes write) and to the hand-written limits (`--idiom off`): the log-likelihood against the
free tunes' and the time against free sampling are the price of each. Last, the whole
`charrnn sample RUN --abc -n 100 --out DIR --no-page` is timed against the same command as it was
before the grammar (one tune at a time, `benchmarks/before_grammar.py`), in the same run.

Needs the README's main job to have run first (`charrnn train` -> runs/oneills1850).
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "runs" / "oneills1850"
TEMPERATURES = (0.8, 1.0, 1.5)
SEED = 1000
THIN = 24  # notes: a tune playing fewer (three bars of eighths in 4/4) is thin


def measure(model, vocab, temperature, count, free, streams=16, policy=None):
    from charrnn.music.abc import reference
    from charrnn.music.abc.check import check_tune
    from charrnn.music.steer.sampling import TuneHeader, sample_tunes
    from charrnn.sample.sampling import SampleSettings

    settings = SampleSettings(length=2000, temperature=temperature, seed=SEED)
    start = time.perf_counter()
    tunes, dropped = sample_tunes(model, vocab, count, TuneHeader(), settings, free=free,
                                  streams=streams, policy=policy)
    seconds = time.perf_counter() - start
    texts = [tune.text for tune in tunes]
    clean = sum(reference.errors(text) == [] for text in texts) if reference.installed() else None
    notes = sorted(map(notes_played, texts)) or [0]
    return {"made": len(texts), "valid": sum(check_tune(text).ok for text in texts),
            "clean": clean, "dropped": dropped, "seconds": seconds,
            "chars": sum(len(text) for text in texts),
            "refused": sum(tune.refused for tune in tunes) / max(len(tunes), 1),
            "loglik": log_likelihood(model, vocab, texts),
            "notes": notes[len(notes) // 2], "thin": sum(n < THIN for n in notes) / len(notes)}


def policy_of(run, config):
    """What the run's idiom lets a sampled tune write (learned from its corpus if need be)."""
    from charrnn.run import rundir
    from charrnn.run.learned import run_idiom
    from charrnn.music.steer.policy import SampledPolicy

    return SampledPolicy.from_idiom(run_idiom(rundir.RunDir(run), config.data.corpus))


def notes_played(text):
    """The notes music21 plays for a tune, repeats and all (0 where it cannot read it)."""
    from charrnn.music.report.features import tune_features

    try:
        return len(tune_features(text).pitches)
    except ValueError:
        return 0


def log_likelihood(model, vocab, texts):
    """Mean log-probability (nats) per character the sampler drew, under the model at
    temperature 1 with nothing masked: each tune scored after the X:1 line it started from."""
    import torch

    total, count = 0.0, 0
    with torch.inference_mode():
        for text in texts:
            ids = torch.tensor([vocab.encode("X:1\n" + text.split("\n", 1)[1])])
            logits, _ = model(ids[:, :-1], None)
            scores = torch.log_softmax(logits.float(), -1).gather(-1, ids[:, 1:, None])
            total += scores[0, 3:].sum().item()  # from the first character after "X:1\n"
            count += scores.shape[1] - 3
    return total / max(count, 1)


def row(temperature, name, got, baseline=None):
    made = max(got["made"], 1)
    clean = "n/a" if got["clean"] is None else f"{got['clean'] / made:.0%} abc2midi-clean"
    speed = got["chars"] / got["seconds"]
    ratio = speed / (baseline["chars"] / baseline["seconds"]) if baseline else None
    return {"name": f"tunes at T={temperature}, {name}", "value": round(got["valid"] / made, 3),
            "unit": "share valid", "baseline": None if baseline is None else
            round(baseline["valid"] / max(baseline["made"], 1), 3),
            "ratio": None if ratio is None else round(ratio, 2),
            "target": "1.0 valid; speed ratio >= 0.5 (within 2x of free)" if baseline else "",
            "note": f"{got['made']} tunes, {clean}, {got['dropped']} draws dropped, "
                    f"{got['refused']:.3f} of draws refused, "
                    f"{got['loglik']:.3f} nats/char log-likelihood, median {got['notes']} notes "
                    f"a tune, {got['thin']:.0%} under {THIN}, {got['seconds']:.0f} s"}


def command_row(count):
    """`sample --abc -n COUNT --out DIR` today against before the grammar, each timed once.
    The page beside the tunes came later than the grammar: --no-page leaves it out, so both
    commands sample, check, write and report the same things."""
    from benchmarks.before_grammar import OldSampler

    args = ["sample", "--abc", "-n", str(count), "--seed", str(SEED)]
    with OldSampler(RUN) as old, tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        old.python(["-m", "charrnn", args[0], str(old.run), *args[1:], "--out", f"{scratch}/old"])
        before = time.perf_counter() - start
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "charrnn", args[0], str(RUN), *args[1:], "--out",
                        f"{scratch}/new", "--no-page"], check=True, capture_output=True, env=env)
        now = time.perf_counter() - start
    return {"name": f"sample --abc -n {count} --out DIR (sampling and report)", "value": round(now, 1),
            "unit": "s", "baseline": round(before, 1), "ratio": round(before / now, 2),
            "target": "ratio >= 4 (times faster than one at a time, before the grammar)",
            "note": "baseline: the same command at commit before the grammar, free, one tune at a time"}


def run(quick=False):
    from charrnn.run import checkpoint, rundir
    from charrnn.music.steer.policy import SampledPolicy

    if not rundir.is_run(RUN):
        return [{"name": "sampled tunes valid", "value": None, "unit": "share", "baseline": None,
                 "ratio": None, "target": "1.0", "note": f"skipped: no run in {RUN}; run `charrnn train`"}]
    model, vocab, config = checkpoint.restore_model(rundir.load(RUN))
    policies = {"idiom on": policy_of(RUN, config), "idiom off": SampledPolicy.hand_written()}
    count, rows = (10 if quick else 100), []
    for temperature in TEMPERATURES:
        free = measure(model, vocab, temperature, count, free=True)
        rows.append(row(temperature, "free", free))
        for name, policy in policies.items():
            constrained = measure(model, vocab, temperature, count, False, policy=policy)
            rows.append(row(temperature, f"constrained, {name}", constrained, free))
    one = {free: measure(model, vocab, 1.0, count // 5 or 1, free, streams=1,
                         policy=policies["idiom on"]) for free in (True, False)}
    rows.append(row(1.0, "constrained, idiom on, one stream", one[False], one[True]))
    rows.append(command_row(count))
    return rows
