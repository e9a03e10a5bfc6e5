"""The SIGKILL harness of tests/test_crash_safety.py, run for longer: kill a training run
many times at random moments (at start-up, mid-step, and the moment a save is under way),
resume after each kill, and check that every checkpoint on disk loads, that last.pt never
goes back, and that the run finally ends bitwise identical to one never killed.

Run from the repository root: `python -m benchmarks.sigkill_harness [--kills 50] [--seed 1]`.
Each kill costs a fresh interpreter (torch's import dominates), so 50 kills take a few minutes.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_crash_safety import (  # noqa: E402  (the tests folder is not a package)
    CORPUS,
    assert_same_metrics,
    assert_same_weights,
    charrnn,
    run_kill_harness,
    temporaries,
    train_straight,
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    steps = 8 * args.kills  # a kill costs at most 6 steps, so the run outlasts the kills
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = tmp / "corpus.txt"
        corpus.write_text(CORPUS, encoding="utf-8")
        train_straight(corpus, tmp / "reference", steps)
        started = time.monotonic()
        step, mid_save = run_kill_harness(corpus, tmp / "run", args.kills, args.seed, steps)
        code, err = charrnn(tmp / "final.log", "train", "--resume", tmp / "run", "--max-steps", steps,
                            "--no-progress")
        assert code == 0, err
        assert temporaries(tmp / "run") == []
        assert_same_weights(tmp / "run", tmp / "reference")
        assert_same_metrics(tmp / "run", tmp / "reference")
    print(f"{args.kills} kills ({mid_save} during a save) in {time.monotonic() - started:.0f} s; "
          f"last.pt held step {step} of {steps} after the last; every resume loaded, and the "
          "finished run equals one never killed, bit for bit")


if __name__ == "__main__":
    main()
