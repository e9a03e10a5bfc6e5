"""Crash safety through the real command line: Ctrl-C and SIGTERM stop at a step boundary
with a resumable checkpoint, a second signal stops at once, SIGKILL at random moments (many
during a save) never leaves a checkpoint that cannot be resumed, a resumed run ends bitwise
identical to one never stopped, a diverging run stops with one clear line, a second trainer
on a running run is refused, a killed one leaves no obstacle, and a run whose directory is
removed under it stops with one line.

The signal tests start `python -m charrnn` as a user would. Runs that are only killed or
compared are forked from a server that has imported torch and charrnn once (multiprocessing's
forkserver): real processes to signal and kill, without paying seconds of imports for each.
benchmarks/sigkill_harness.py runs the same kill harness for longer."""

import json
import math
import multiprocessing
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from tqdm import tqdm

from charrnn.run import checkpoint, rundir
from charrnn.cli import main

REPO = Path(__file__).resolve().parent.parent
TINY = ("--layers", "1", "--hidden", "16", "--embedding", "8", "--batch-size", "4",
        "--seq-len", "16", "--device", "cpu", "--threads", "1", "--no-progress")
# The runs the kill harness and the exact-resume test compare: dropout and a step schedule,
# so the RNG state and the schedule state must both survive every resume.
EXACT = (*TINY, "--dropout", "0.3", "--schedule", "step", "--decay-every", "25",
         "--eval-every", "1", "--save-every", "1", "--keep", "2")
STEPS = 80
CORPUS = "the cat sat on the mat. the dog ate the log! " * 120
TIMEOUT = 120  # seconds for any one process: generous, for a loaded machine
FORK = multiprocessing.get_context("forkserver")
PRELOAD = ["torch", "torch._dynamo", "charrnn.cli.train", "charrnn.train.training", __name__]

pytestmark = pytest.mark.slow  # signals and kills, in real processes


# ---- running the command line in a process ---------------------------------------------

def child_main(args, log, events):
    """A forked child: the command line on args, stderr to log, stdout discarded, and the
    events it sets for the test to wait on (see tell_events)."""
    err = open(log, "w", buffering=1, encoding="utf-8")
    os.dup2(err.fileno(), 2)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    sys.stdout, sys.stderr = open(os.devnull, "w"), err
    torch.set_num_threads(1)
    # tqdm's default lock is a multiprocessing semaphore, which a SIGKILLed child leaks.
    tqdm.set_lock(threading.RLock())
    tell_events(**events)
    main(args=args, prog_name="charrnn")


def tell_events(stopping, armed, saving):
    """In the child, so that the test waits on what happened, not on time: `stopping` is set
    when the orderly stop after a first Ctrl-C or SIGTERM begins its final evaluation; once
    the test sets `armed`, the next checkpoint save stops just before its rename (its
    temporary file written, the checkpoint not yet replaced), sets `saving` and waits there
    for the test's SIGKILL."""
    from charrnn.train.training import Trainer

    validation_scores, replace = Trainer.validation_scores, os.replace

    def validating(self):
        if self.stop_signal:
            stopping.set()
        return validation_scores(self)

    def paused(source, target, *args, **kwargs):
        if armed.is_set() and str(target).endswith(".pt"):
            saving.set()
            time.sleep(TIMEOUT)
        return replace(source, target, *args, **kwargs)

    Trainer.validation_scores, os.replace = validating, paused


class Child:
    """`charrnn ARGS` in its own process, stderr in a log file: `python -m charrnn` when
    fresh, else forked from the server (see the module docstring)."""

    def __init__(self, log, *args, fresh=False):
        self.log, args = log, [str(a) for a in args]
        if fresh:
            env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(
                filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
            with open(log, "w") as err:
                self.process = subprocess.Popen([sys.executable, "-m", "charrnn", *args], cwd=REPO,
                                                env=env, stdout=subprocess.DEVNULL, stderr=err)
        else:
            FORK.set_forkserver_preload(PRELOAD)
            self.events = {name: FORK.Event() for name in ("stopping", "armed", "saving")}
            self.process = FORK.Process(target=child_main, args=(args, str(log), self.events))
            self.process.start()

    def running(self):
        if isinstance(self.process, subprocess.Popen):
            return self.process.poll() is None
        return self.process.is_alive()

    def send(self, sig):
        os.kill(self.process.pid, sig)

    def wait(self):
        """(exit code, stderr) once it ends; a negative code is the signal that killed it."""
        if isinstance(self.process, subprocess.Popen):
            code = self.process.wait(TIMEOUT)
        else:
            self.process.join(TIMEOUT)
            code = self.process.exitcode
        if code is None:
            self.process.kill()
            pytest.fail(f"charrnn ran past {TIMEOUT} s")
        log = Path(self.log)  # absent if the child was killed before it opened it
        return code, log.read_text(encoding="utf-8") if log.exists() else ""


def charrnn(log, *args, fresh=False):
    """Run to the end; (exit code, stderr), which never holds a traceback."""
    code, err = Child(log, *args, fresh=fresh).wait()
    assert "Traceback" not in err, err
    return code, err


def wait_until(condition, child, what):
    """Poll until condition() holds (a file appears, a step is logged); fail if the process
    ends first or time runs out."""
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if not child.running():
            pytest.fail(f"charrnn ended before {what}: {child.wait()}")
        if time.monotonic() > deadline:
            child.send(signal.SIGKILL)
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.002)


def wait_for(child, event, what):
    """Wait until the forked child sets one of its events (tell_events)."""
    wait_until(lambda: child.events[event].wait(0.05), child, what)


# ---- reading a run directory --------------------------------------------------------------

def metrics(run_dir):
    path = run_dir / "metrics.jsonl"
    return [json.loads(line, parse_constant=not_json) for line in path.read_text().splitlines()] \
        if path.exists() else []


def not_json(constant):
    raise ValueError(f"metrics.jsonl holds {constant}, which strict JSON readers refuse")


def last_logged_step(run_dir):
    """The last step in metrics.jsonl, read while the run may be appending to it."""
    path = run_dir / "metrics.jsonl"
    for line in reversed(path.read_text().splitlines() if path.exists() else []):
        try:
            return json.loads(line)["step"]
        except ValueError:  # a line being written as we read
            continue
    return 0


def saved_step(run_dir):
    return checkpoint.load(run_dir / rundir.LAST)["progress"]["step"]


def temporaries(run_dir):
    return sorted(p.name for p in run_dir.glob(".*.tmp"))


def assert_same_weights(a, b):
    a = torch.load(a / rundir.LAST, weights_only=True)["model"]
    b = torch.load(b / rundir.LAST, weights_only=True)["model"]
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name


def assert_same_metrics(a, b):
    """The scheduled metrics lines, less the wall-clock time, are identical."""
    def scheduled(run_dir):
        return [{k: v for k, v in m.items() if k != "elapsed"} for m in metrics(run_dir) if m["scheduled"]]

    assert scheduled(a) == scheduled(b)


def train_straight(corpus, run, steps):
    """The reference: `steps` steps straight through, never stopped."""
    code, err = charrnn(run.with_suffix(".log"), "train", *EXACT, "--corpus", corpus, "--out", run,
                        "--max-steps", steps)
    assert code == 0, err
    return run


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    path.write_text(CORPUS, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory):
    return train_straight(corpus, tmp_path_factory.mktemp("reference") / "run", STEPS)


# ---- signals ------------------------------------------------------------------------------

def stop_with(child, sig, run, past):
    """Once the run is 10 steps past `past`, send sig: it must save at a step boundary, exit
    130 and say how to resume. Returns the step it stopped at."""
    wait_until(lambda: last_logged_step(run) >= past + 10, child, f"step {past + 10}")
    child.send(sig)
    code, err = child.wait()
    assert code == 130 and "Traceback" not in err, err
    assert f"Resume with: charrnn train --resume {run}" in err
    stopped = int(re.search(r"Stopped at step (\d+)", err)[1])
    assert stopped >= past + 10 and saved_step(run) == stopped == metrics(run)[-1]["step"]
    return stopped


def test_sigint_then_sigterm_save_at_a_step_boundary_and_resume_continues(tmp_path, corpus):
    run = tmp_path / "run"
    endless = ("--eval-every", "5", "--max-steps", "1000000")
    first = Child(tmp_path / "1.log", "train", *TINY, *endless, "--corpus", corpus, "--out", run,
                  fresh=True)
    at_sigint = stop_with(first, signal.SIGINT, run, past=0)
    resumed = Child(tmp_path / "2.log", "train", "--resume", run, "--no-progress", fresh=True)
    at_sigterm = stop_with(resumed, signal.SIGTERM, run, past=at_sigint)

    code, err = charrnn(tmp_path / "3.log", "train", "--resume", run, "--max-steps", at_sigterm + 7,
                        "--no-progress")
    assert code == 0 and f"Stopped at step {at_sigterm + 7} " in err
    assert saved_step(run) == at_sigterm + 7
    steps = [m["step"] for m in metrics(run)]
    assert steps == sorted(set(steps)) and steps[0] == 5  # each resume continued, none restarted
    assert {at_sigint, at_sigterm, at_sigterm + 7} <= set(steps)


def test_second_interrupt_stops_at_once_and_leaves_a_loadable_checkpoint(tmp_path):
    # A long validation split makes the orderly stop after the first Ctrl-C (its final
    # evaluation) slow; the second is sent once that evaluation has begun.
    corpus = tmp_path / "long.txt"
    corpus.write_text("the cat sat on the mat. " * 8000, encoding="utf-8")
    run = tmp_path / "run"
    child = Child(tmp_path / "train.log", "train", *TINY, "--corpus", corpus, "--out", run,
                  "--val-fraction", "0.9", "--eval-batches", "0", "--eval-every", "1000000", "--save-every", "3",
                  "--max-steps", "1000000")
    wait_until(lambda: (run / rundir.LAST).exists(), child, "the first save")
    child.send(signal.SIGINT)
    wait_for(child, "stopping", "the orderly stop's final evaluation")
    child.send(signal.SIGINT)
    code, err = child.wait()

    assert code == 130 and "Traceback" not in err, err
    assert "Interrupted at once" in err and "Stopped at step" not in err
    assert f"charrnn train --resume {run}" in err
    assert saved_step(run) > 0  # loads: an interrupted save never replaces the file
    assert temporaries(run) == []


# ---- exact resume and numbered checkpoints ----------------------------------------------

def test_resume_through_the_cli_is_exact(tmp_path, corpus, reference):
    run = tmp_path / "run"
    code, err = charrnn(tmp_path / "1.log", "train", *EXACT, "--corpus", corpus, "--out", run,
                        "--max-steps", 20)
    assert code == 0 and saved_step(run) == 20, err
    code, err = charrnn(tmp_path / "2.log", "train", "--resume", run, "--max-steps", STEPS,
                        "--no-progress", fresh=True)
    assert code == 0, err
    assert_same_weights(run, reference)
    assert_same_metrics(run, reference)
    for directory in (run, reference):  # --save-every 1 --keep 2
        names = sorted(p.name for p in directory.glob("step-*.pt"))
        assert names == [rundir.numbered_name(STEPS - 1), rundir.numbered_name(STEPS)]


# ---- SIGKILL at random moments ------------------------------------------------------------

def kill_at_random(child, run, rng, kind):
    """SIGKILL the run: as it starts (before a fresh run's first save), at a random point a
    few steps on, or in the middle of a save (its temporary file written, not yet renamed).
    The random pauses choose the moment; every moment must be safe, so no outcome hangs on
    them."""
    if kind == "start-up":
        time.sleep(rng.uniform(0.0, 0.02))
    else:
        target = last_logged_step(run) + rng.randint(1, 6)
        wait_until(lambda: last_logged_step(run) >= target, child, f"step {target}")
        if kind == "save":
            child.events["armed"].set()
            wait_for(child, "saving", "a save")
        else:
            time.sleep(rng.uniform(0.0, 0.01))
    child.send(signal.SIGKILL)
    child.wait()


def check_after_kill(run, previous_step):
    """Whatever is on disk loads; last.pt never goes back. Returns the step last.pt holds."""
    for path in sorted(run.glob("*.pt")):
        checkpoint.load(path)  # raises on a half-written file
    if not (run / rundir.LAST).exists():
        assert previous_step == 0
        if not (run / rundir.BEST).exists():  # else killed between the saves of step 1
            result = CliRunner().invoke(main, ["train", "--resume", str(run)])
            assert result.exit_code == 1 and result.stderr.startswith("Error: ")
            assert len(result.stderr.splitlines()) == 1
        return 0
    step = saved_step(run)
    assert step >= previous_step
    return step


def run_kill_harness(corpus, run, kills, seed, steps=STEPS):
    """Kill a run of `steps` steps `kills` times, resuming after each. Returns the step
    last.pt holds after the last kill, and how many kills left a save half-written (its
    temporary file), which the next start must clear away."""
    rng = random.Random(seed)
    kinds = ["start-up"] + rng.sample(["start-up"] + ["step"] * 4 + ["save"] * 4, 9)
    kinds = (kinds * (kills // len(kinds) + 1))[:kills]
    step, mid_save = 0, 0
    for kill, kind in enumerate(kinds):
        log = run.with_name(f"kill-{kill}.log")
        if step:
            child = Child(log, "train", "--resume", run, "--max-steps", steps, "--no-progress")
        else:
            child = Child(log, "train", *EXACT, "--corpus", corpus, "--out", run, "--overwrite",
                          "--max-steps", steps)
        kill_at_random(child, run, rng, kind)
        mid_save += bool(temporaries(run))
        step = check_after_kill(run, step)
    return step, mid_save


def test_sigkill_at_random_moments_never_breaks_resume(tmp_path, corpus, reference):
    run = tmp_path / "run"
    step, mid_save = run_kill_harness(corpus, run, kills=12, seed=20240607)
    assert 0 < step < STEPS and mid_save >= 1
    code, err = charrnn(tmp_path / "final.log", "train", "--resume", run, "--max-steps", STEPS,
                        "--no-progress")
    assert code == 0, err
    assert temporaries(run) == []
    assert_same_weights(run, reference)
    assert_same_metrics(run, reference)


# ---- one writer ----------------------------------------------------------------------------

ENDLESS = ("--eval-every", "5", "--max-steps", "1000000")


def test_a_second_trainer_on_a_running_run_is_refused_and_the_first_ends_clean(tmp_path, corpus):
    run = tmp_path / "run"
    first = Child(tmp_path / "first.log", "train", *TINY, *ENDLESS, "--corpus", corpus, "--out", run)
    wait_until(lambda: (run / rundir.LAST).exists(), first, "the first save")
    refused = f"Error: {run} is in use: training process {first.process.pid} is writing to it; " \
              "let it finish or stop it first\n"
    for args in (["--resume", run, "--max-steps", 800], ["--corpus", corpus, "--out", run, "--overwrite"],
                 ["--corpus", corpus, "--out", run]):
        result = CliRunner().invoke(main, ["train", *map(str, args), *TINY])
        assert (result.exit_code, result.stderr) == (1, refused)
    stopped = stop_with(first, signal.SIGINT, run, past=last_logged_step(run))
    steps = [m["step"] for m in metrics(run)]  # every line whole JSON, in order, once
    assert steps == sorted(set(range(5, stopped + 1, 5)) | {stopped})
    assert not (run / rundir.LOCK).exists()


def test_a_lock_left_by_a_killed_trainer_is_no_obstacle(tmp_path, corpus):
    run = tmp_path / "run"
    killed = Child(tmp_path / "killed.log", "train", *TINY, *ENDLESS, "--corpus", corpus, "--out", run)
    wait_until(lambda: (run / rundir.LAST).exists(), killed, "the first save")
    killed.send(signal.SIGKILL)
    killed.wait()
    assert (run / rundir.LOCK).read_text().strip() == str(killed.process.pid)  # left behind
    code, err = charrnn(tmp_path / "resumed.log", "train", "--resume", run, "--max-steps",
                        saved_step(run) + 5, "--no-progress")
    assert code == 0, err
    assert not (run / rundir.LOCK).exists()


def test_a_run_directory_removed_under_a_running_job_stops_it_with_one_line(tmp_path, corpus):
    run = tmp_path / "run"
    child = Child(tmp_path / "train.log", "train", *TINY, *ENDLESS, "--corpus", corpus, "--out", run)
    wait_until(lambda: (run / rundir.LAST).exists(), child, "the first save")
    while run.exists():  # the job may be writing a file into it as it goes
        shutil.rmtree(run, ignore_errors=True)
    code, err = child.wait()
    assert code == 1 and "Traceback" not in err, err
    assert re.fullmatch(rf"Error: cannot write {re.escape(str(run))}/\S+: [^;]+; nothing of the run "
                        r"is left to resume\n", err), err


# ---- divergence ----------------------------------------------------------------------------

@pytest.mark.parametrize("lr, eval_every, saves_first", [("1e6", "100", False), ("3", "1", True)])
def test_divergence_stops_with_one_line_and_keeps_the_last_good_state(tmp_path, corpus, lr,
                                                                      eval_every, saves_first):
    """A vanilla ReLU RNN under plain SGD with no clipping and a huge, constant learning
    rate (from the first step: no warm-up) blows up within a few steps (its losses turn
    NaN), with no save before (lr 1e6) or some (lr 3)."""
    run = tmp_path / "run"
    code, err = charrnn(tmp_path / "train.log", "train", *TINY, "--corpus", corpus, "--out", run,
                        "--model", "rnn", "--nonlinearity", "relu", "--optimizer", "sgd",
                        "--clip", "0", "--lr", lr, "--schedule", "constant", "--warmup-steps", "0",
                        "--patience", "0", "--dropout", "0",
                        "--eval-every", eval_every, "--max-steps", "50")
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1 and len(lines) == 1, err
    assert lines[0].startswith("Error: the ") and "NaN or infinite" in lines[0]
    assert "--lr" in lines[0] and "--clip" in lines[0]
    kept = re.search(r"last.pt holds step (\d+), the last good state", lines[0])
    if not saves_first:
        assert "no checkpoint was saved" in lines[0] and not (run / rundir.LAST).exists()
        return
    good = checkpoint.load(run / rundir.LAST)
    assert kept and good["progress"]["step"] == int(kept[1]) > 0
    assert all(torch.isfinite(t).all() for t in good["model"].values())
    val_losses = {m["step"]: m["val_loss"] for m in metrics(run)}
    assert math.isfinite(val_losses[int(kept[1])]) and val_losses[max(val_losses)] is None
