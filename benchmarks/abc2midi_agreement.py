"""How often `charrnn abc2midi` plays the same notes as the reference converter.

Every tune of O'Neill's *Music of Ireland* (1903, "1850 melodies"; music21's corpus
`oneills1850`) is converted twice: by `charrnn.music.play.midi.abc_to_midi` and by abcMIDI's
`abc2midi` (Debian package abcmidi), and the two note sequences are compared: pitch, onset
and duration of every melody note, repeats played out, times rounded to 1/48 beat. The
reference runs with `-NGUI` (no accompaniment from chord symbols); everything else it does,
ornaments included, is what our converter has to match. A baseline does the same with
music21 alone (`converter.parse` then `write("midi")`).

    python benchmarks/abc2midi_agreement.py              # all tunes, 2 workers
    python benchmarks/abc2midi_agreement.py --limit 200  # a quick look
"""

import argparse
import collections
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET = 0.95
QUICK_LIMIT = 150
REFERENCE_FLAGS = ["-NGUI", "-silent"]


def corpus_tunes(limit: int | None = None) -> list[tuple[str, str]]:
    """(name, text) of each tune in music21's oneills1850 corpus, file by file. Some files
    overlap (two transcriptions of the same numbers); every tune text counts once."""
    import music21

    from charrnn.music.abc.tunes import split_tunes, tune_field

    folder = Path(music21.__file__).parent / "corpus" / "oneills1850"
    tunes = []
    for path in sorted(folder.glob("*.abc")):
        for text in split_tunes(path.read_text(encoding="latin-1")):
            tunes.append((f"{path.stem}#{tune_field(text, 'X')}", text))
    return tunes[:limit] if limit else tunes


def reference_notes(tune: str, folder: Path):
    """abc2midi's notes for one tune, or None when it writes no MIDI file."""
    from charrnn.music.abc import reference
    from charrnn.music.play.midi import note_sequence, single_tune_text

    played = reference.convert(single_tune_text(tune), *REFERENCE_FLAGS, encoding="latin-1")
    if played.midi is None:
        return None
    mid = folder / "ref.mid"
    mid.write_bytes(played.midi)
    return note_sequence(mid)


def our_notes(tune: str, folder: Path):
    """charrnn's notes for one tune, or the error it raised."""
    from charrnn.errors import UserError
    from charrnn.music.play.midi import abc_to_midi, note_sequence

    try:
        abc_to_midi(tune, folder / "ours.mid")
    except UserError as error:
        return str(error)
    return note_sequence(folder / "ours.mid")


def baseline_notes(tune: str, folder: Path):
    """music21 alone, as a user would call it: parse the tune, write MIDI."""
    import music21

    try:
        music21.converter.parse(tune, format="abc").write("midi", fp=folder / "m21.mid")
    except Exception as error:  # music21 raises many kinds; all count as a failure here
        return f"{type(error).__name__}: {error}"
    from charrnn.music.play.midi import note_sequence

    return note_sequence(folder / "m21.mid")


def mismatch_kind(reference, ours) -> str:
    """What differs between two note sequences, coarsely: the first thing that does."""
    if reference is None:
        return "reference failed"
    if isinstance(ours, str):
        return "conversion failed"
    if reference == ours:
        return "identical"
    if len(reference) != len(ours):
        return "note count"
    if [n[0] for n in reference] != [n[0] for n in ours]:
        return "pitch"
    if [n[1] for n in reference] != [n[1] for n in ours]:
        return "onset"
    return "duration"


def compare_tune(job) -> tuple[str, str, str | None]:
    """(name, our mismatch kind, the baseline's kind or None) for one tune."""
    name, text, with_baseline = job
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        reference = reference_notes(text, folder)
        ours = mismatch_kind(reference, our_notes(text, folder))
        base = mismatch_kind(reference, baseline_notes(text, folder)) if with_baseline else None
    return name, ours, base


def compare_all(tunes, workers: int = 2, with_baseline: bool = True) -> list[tuple]:
    """compare_tune over every tune, in at most `workers` processes (2 cores are shared)."""
    jobs = [(name, text, with_baseline) for name, text in tunes]
    with multiprocessing.Pool(min(workers, 2)) as pool:
        return pool.map(compare_tune, jobs, chunksize=8)


def summarise(results, seconds: float) -> list[dict]:
    """Benchmark rows: share identical (ours vs the baseline) and one row per mismatch kind."""
    n = len(results)
    ours = collections.Counter(kind for _, kind, _ in results)
    base = collections.Counter(kind for _, _, kind in results if kind is not None)
    share = ours["identical"] / n
    base_share = base["identical"] / n if base else None
    rows = [{
        "name": "abc2midi_agreement", "value": round(share, 4), "unit": "share identical",
        "baseline": None if base_share is None else round(base_share, 4),
        "ratio": round(share / base_share, 3) if base_share else None, "target": TARGET,
        "note": f"{n} O'Neill tunes vs abc2midi {REFERENCE_FLAGS[0]}; baseline: music21 alone; "
                f"{seconds:.0f} s",
    }]
    for kind, count in sorted(ours.items(), key=lambda item: -item[1]):
        if kind != "identical":
            rows.append({"name": f"abc2midi_mismatch_{kind.replace(' ', '_')}", "value": count,
                         "unit": "tunes", "baseline": base.get(kind), "ratio": None,
                         "target": None, "note": f"of {n}"})
    return rows


def run(quick: bool = False, limit: int | None = None, with_baseline: bool = True) -> list[dict]:
    """Compare the corpus (QUICK_LIMIT tunes when quick) and return benchmark rows."""
    from charrnn.music.abc import reference

    if not reference.installed():
        return [{"name": "abc2midi_agreement", "value": None, "unit": "share identical",
                 "baseline": None, "ratio": None, "target": TARGET,
                 "note": "skipped: abc2midi is not installed (apt-get install abcmidi)"}]
    start = time.perf_counter()
    tunes = corpus_tunes(QUICK_LIMIT if quick else limit)
    results = compare_all(tunes, with_baseline=with_baseline)
    return summarise(results, time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, help="only the first N tunes")
    parser.add_argument("--no-baseline", action="store_true", help="skip music21-alone runs")
    parser.add_argument("--show", type=int, default=0, metavar="N",
                        help="list the first N tunes that differ")
    args = parser.parse_args()
    start = time.perf_counter()
    results = compare_all(corpus_tunes(args.limit), with_baseline=not args.no_baseline)
    rows = summarise(results, time.perf_counter() - start)
    print(f"{'name':38s} {'value':>8s} {'baseline':>9s} {'target':>7s}  note")
    for row in rows:
        print(f"{row['name']:38s} {row['value']!s:>8s} {row['baseline']!s:>9s} "
              f"{row['target']!s:>7s}  {row['note']}")
    for name, kind, _ in [r for r in results if r[1] != "identical"][:args.show]:
        print(f"  {name}: {kind}")


if __name__ == "__main__":
    main()
