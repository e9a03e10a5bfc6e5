"""Writes that fail, through the command line: a run on a disk that fills up stops with one
line saying what could not be written and which checkpoint the run still has, those
checkpoints load, and --resume continues once there is room; a run on a read-only
filesystem is refused in one line and can still be sampled; and every command's output
into a full disk, a file or standard output, is one line, no traceback, with the file that
was there left as it was.

The disk is conftest's small_disk: a real tmpfs where the machine lets us mount one."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from charrnn.run import checkpoint, rundir
from charrnn.cli import main
from charrnn.music.steer.tunedir import TuneDir
from charrnn.train.training import Trainer
from conftest import fill_up, tiny_config

REPO = Path(__file__).resolve().parent.parent
TINY = ["--layers", "1", "--hidden", "16", "--embedding", "8", "--batch-size", "4",
        "--seq-len", "16", "--device", "cpu", "--no-progress"]
TUNE = "X:1\nT:Test Reel\nM:4/4\nL:1/8\nK:D\nABcd efga|gfed cBAG|\n"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def error_line(result):
    """The one line a failed command printed, after checking it printed only that."""
    assert result.exit_code == 1, result.output
    assert not result.exception or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def test_a_full_disk_stops_training_with_one_line_and_resume_continues(small_disk, corpus_file):
    run = small_disk / "run"
    result = invoke("train", *TINY, "--corpus", corpus_file, "--out", run, "--eval-every", 1,
                    "--save-every", 1, "--keep", 1000, "--max-steps", 1000)
    at = re.escape(str(run))
    said = re.fullmatch(rf"Error: cannot write {at}/\S+\.pt: No space left on device; {at} still "
                        rf"holds last\.pt from step (\d+)(?: and best\.pt from step (\d+))?; once it "
                        rf"can be written, continue with: charrnn train --resume {at}", error_line(result))
    assert said, result.stderr
    last = int(said[1])
    assert rundir.load(run, "last")["progress"]["step"] == last
    assert said[2] is None or rundir.load(run, "best")["progress"]["step"] == int(said[2])
    for path in run.glob("*.pt"):  # every checkpoint on disk whole, no half-written one beside
        checkpoint.load(path)
    assert not list(run.glob(".*.tmp"))

    for path in run.glob("step-*.pt"):  # make room
        path.unlink()
    result = invoke("train", "--resume", run, "--keep", 1, "--max-steps", last + 3, "--no-progress")
    assert result.exit_code == 0, result.output
    assert [r["step"] for r in rundir.read_metrics(run)] == list(range(1, last + 4))


def test_a_run_on_a_read_only_filesystem_is_refused_and_can_still_be_read(small_disk, corpus_file):
    if not os.path.ismount(small_disk):
        pytest.skip("needs a filesystem to make read-only (a tmpfs, mounted as root)")
    run = small_disk / "run"
    assert invoke("train", *TINY, "--corpus", corpus_file, "--out", run, "--max-steps", 2).exit_code == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        line = error_line(invoke("train", "--resume", run, "--max-steps", 4, "--no-progress"))
        assert line == f"Error: cannot write {run}/{rundir.LOCK}: Read-only file system"
        assert invoke("sample", run, "--length", 5, "--seed", 1).exit_code == 0
        assert invoke("info", run).exit_code == 0
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("trained")
    (root / "tune.abc").write_text(TUNE, encoding="utf-8")
    corpus = root / "tunes.txt"
    corpus.write_text("".join(TUNE.replace("X:1", f"X:{i}") + "\n" for i in range(30)), encoding="utf-8")
    Trainer(tiny_config(corpus, max_steps=10, eval_every=5), root / "run").run()
    return root


# (command line, the file it writes on the disk, its name in the error line)
OUTPUTS = [
    (["corpus", "miscFolk", "-o", "{disk}/out.txt"], "out.txt", "out.txt"),
    (["sample", "{root}/run", "-l", "20", "-o", "{disk}/out.txt"], "out.txt", "out.txt"),
    (["sample", "{root}/run", "--abc", "-n", "1", "-l", "50", "--out", "{disk}/tunes", "--append"],
     "tunes/tune-01.abc", "tunes/tunes.json"),  # the manifest is written first
    (["plot", "{root}/run", "-o", "{disk}/curves.png"], "curves.png", "curves.png"),
    (["abc2midi", "{root}/tune.abc", "-o", "{disk}/tune.mid"], "tune.mid", "tune.mid"),
]


@pytest.mark.parametrize("args, written, named", OUTPUTS, ids=[o[0][0] + " " + o[0][-2] for o in OUTPUTS])
def test_an_output_into_a_full_disk_is_one_line_and_keeps_the_old_file(small_disk, trained, args,
                                                                      written, named):
    old = small_disk / written
    old.parent.mkdir(exist_ok=True)
    old.write_bytes(b"what was there before")
    if "--abc" in args:  # tunes an earlier sample wrote
        TuneDir(old.parent).write_manifest(finished=True, names=[old.stem])
    fill_up(small_disk)
    before = sorted(p.name for p in small_disk.rglob("*"))
    result = invoke(*[a.format(disk=small_disk, root=trained) for a in args])
    assert error_line(result) == f"Error: cannot write {small_disk}/{named}: No space left on device"
    assert old.read_bytes() == b"what was there before"
    assert sorted(p.name for p in small_disk.rglob("*")) == before


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args", [["--help"], ["corpus"], ["sample", "{root}/run", "-l", "3000"]])
def test_standard_output_into_a_full_disk_is_one_line(trained, args):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "charrnn", *[a.format(root=trained) for a in args]],
                              stdout=full, stderr=subprocess.PIPE, text=True, env=env, timeout=120)
    assert (done.returncode, done.stderr) == (1, "Error: cannot write the output: No space left on device\n")
