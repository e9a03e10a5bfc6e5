"""How clean are sampled tunes? The share that pass `abc-check`, and the share the reference
converter `abc2midi` reads without an Error line, for tunes sampled from the default run at
two temperatures with fixed seeds.

Needs the README's main job to have run first (`charrnn train` -> runs/oneills1850).
Reference: about 90% of a well-known Irish training collection converts without errors.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "runs" / "oneills1850"
TEMPERATURES = (0.8, 1.0)


def measure(model, vocab, temperature, count, seed):
    from charrnn.music.check import check_tune
    from charrnn.music.sampling import TuneHeader, sample_tunes
    from charrnn.sampling import SampleSettings

    settings = SampleSettings(length=2000, temperature=temperature, seed=seed)
    tunes, too_long = sample_tunes(model, vocab, count, TuneHeader(), settings)
    valid = sum(check_tune(tune).ok for tune in tunes)
    from charrnn.music import reference

    clean = sum(reference.errors(tune) == [] for tune in tunes) if reference.installed() else None
    return len(tunes), valid, clean, too_long


def run(quick=False):
    from charrnn import checkpoint, rundir

    if not rundir.is_run(RUN):
        return [{"name": "sampled tunes valid", "value": None, "unit": "share", "baseline": None,
                 "ratio": None, "target": "~0.9", "note": f"skipped: no run in {RUN}; run `charrnn train`"}]
    model, vocab, _ = checkpoint.restore_model(rundir.load(RUN))
    count, rows = (20 if quick else 100), []
    for temperature in TEMPERATURES:
        made, valid, clean, too_long = measure(model, vocab, temperature, count, seed=1000)
        note = f"{made} tunes at T={temperature}, seeds from 1000; {too_long} ran past 2,000 chars"
        rows.append({"name": f"sampled tunes passing abc-check, T={temperature}",
                     "value": round(valid / made, 3), "unit": "share", "baseline": None,
                     "ratio": None, "target": "~0.9 (human transcriptions)", "note": note})
        if clean is not None:
            rows.append({"name": f"sampled tunes abc2midi reads with no Error, T={temperature}",
                         "value": round(clean / made, 3), "unit": "share", "baseline": None,
                         "ratio": None, "target": "~0.9 (human transcriptions)", "note": note})
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(f"{row['name']:<55} {row['value']}   {row['note']}")
