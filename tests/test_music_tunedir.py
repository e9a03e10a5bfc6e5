"""charrnn.music.steer.tunedir through `charrnn sample --abc --out DIR`: one writer at a time, a
directory not sample's left alone, the tunes there replaced whole or added to but never
mixed, each tune on disk as soon as it is drawn (a SIGKILL keeps them and leaves no child
process), names that sort, and files with the user's umask."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from charrnn.cli import main
from charrnn.music.steer.tunedir import LOCK, MANIFEST, TuneDir, tune_key, tune_name
from charrnn.train.training import Trainer
from conftest import tiny_config

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 120  # seconds for anything a test waits on: generous, for a loaded machine
FAKE_TUNE = "X:1\nT:Old\nM:2/4\nL:1/8\nK:D\nDEFG|ABcd|\n"


@pytest.fixture(scope="module")
def abc_run(tmp_path_factory):
    """A tiny model of a few ABC tunes: the grammar makes whatever it draws a tune."""
    root = tmp_path_factory.mktemp("abc")
    tunes = "".join(f"X:{i}\nT:Tune {i}\nR:reel\nM:{('2/4', '6/8')[i % 2]}\nL:1/8\n"
                    f"K:{('D', 'Ador')[i % 2]}\n|:DEFG|ABcd:|\n\n" for i in range(40))
    (root / "tunes.abc").write_text(tunes, encoding="utf-8")
    Trainer(tiny_config(root / "tunes.abc", max_steps=10, eval_every=5), root / "run").run()
    return root / "run"


def sample(run, out, *args):
    return CliRunner().invoke(main, ["sample", str(run), "--abc", "--seed", "1", "-l", "200",
                                     "--no-page", "--out", str(out), *map(str, args)])


def fake_tunes(folder, count):
    """A tune directory as an earlier `sample -n count` leaves it (the tunes tiny, and
    written plainly: only their names and the manifest matter here)."""
    folder.mkdir()
    names = [tune_name(number, count) for number in range(1, count + 1)]
    for name in names:
        (folder / f"{name}.abc").write_text(FAKE_TUNE, encoding="utf-8")
    TuneDir(folder).write_manifest(finished=True, names=names)
    return folder


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


def tune_files(folder):
    return [p.name for p in folder.glob("*.abc")]  # none where there is no folder yet


# ---- names -------------------------------------------------------------------------------

@pytest.mark.parametrize("count", [1, 9, 10, 99, 100, 1000])
def test_the_names_of_a_run_sort_as_their_numbers(count):
    names = [tune_name(number, count) for number in range(1, count + 1)]
    assert sorted(names) == names
    assert [tune_key(name) for name in names] == [("", n) for n in range(1, count + 1)]
    assert names[0] == "tune-" + "1".zfill(max(2, len(str(count))))


def test_a_series_of_several_temperatures_is_named_for_its_temperature():
    assert tune_name(7, 120, "T0.8") == "tune-T0.8-007" and tune_key("tune-T0.8-007") == ("T0.8", 7)
    assert tune_key("index") is None and tune_key("tune-07-notes") is None


# ---- what is already there ---------------------------------------------------------------

def test_tunes_from_an_earlier_sample_are_refused_without_a_flag_and_left_alone(abc_run, tmp_path):
    folder = fake_tunes(tmp_path / "tunes", 200)
    before = listing(folder)
    result = sample(abc_run, folder, "-n", 3)
    assert result.exit_code == 1
    assert result.output == (f"Error: {folder} already holds 200 tunes from charrnn sample; pass "
                             "--overwrite to replace them or --append to add to them\n")
    assert listing(folder) == before


def test_overwrite_leaves_exactly_the_new_tunes(abc_run, tmp_path):
    folder = fake_tunes(tmp_path / "tunes", 200)
    (folder / "tune-150.mid").write_bytes(b"MThd")  # MIDI, a page, a write a kill cut short
    (folder / "index.html").write_text("<html>")
    (folder / ".tune-201.abc.x1y2.tmp").write_text("X:201\n")
    result = sample(abc_run, folder, "-n", 3, "--overwrite")
    assert result.exit_code == 0, result.output
    assert f"{folder} held 200 tunes from charrnn sample; --overwrite removed them" in result.output
    assert listing(folder) == ["tune-01.abc", "tune-02.abc", "tune-03.abc", MANIFEST]
    assert all((folder / name).read_text() != FAKE_TUNE for name in tune_files(folder))
    manifest = TuneDir(folder).manifest()
    assert manifest["finished"] and manifest["tunes"] == ["tune-01", "tune-02", "tune-03"]


def test_append_numbers_the_new_tunes_on_after_the_old(abc_run, tmp_path):
    folder = fake_tunes(tmp_path / "tunes", 200)
    result = sample(abc_run, folder, "-n", 3, "--append")
    assert result.exit_code == 0, result.output
    assert "--append adds tune-201 on" in result.output
    names = sorted(tune_files(folder))
    assert names == [f"{tune_name(n, 203)}.abc" for n in range(1, 204)]
    assert (folder / "tune-200.abc").read_text() == FAKE_TUNE
    assert (folder / "tune-203.abc").read_text().startswith("X:203\n")
    assert TuneDir(folder).manifest()["tunes"] == [name[:-4] for name in names]


def test_appending_past_the_names_width_renames_the_old_tunes_to_sort_with_the_new(abc_run,
                                                                                   tmp_path):
    folder = fake_tunes(tmp_path / "tunes", 99)
    assert sample(abc_run, folder, "-n", 2, "--append").exit_code == 0
    names = sorted(tune_files(folder))
    assert names[0] == "tune-001.abc" and names[-1] == "tune-101.abc" and len(names) == 101
    assert (folder / "tune-099.abc").read_text() == FAKE_TUNE


@pytest.mark.parametrize("files", [["notes.txt"], ["tune-01.abc"], [MANIFEST]])
def test_a_directory_sample_did_not_make_is_refused_and_untouched(abc_run, tmp_path, files):
    folder = tmp_path / "mine"
    folder.mkdir()
    for name in files:
        (folder / name).write_text("mine\n")
    result = sample(abc_run, folder, "-n", 1, "--overwrite")
    assert result.exit_code == 1
    assert result.output == (f"Error: --out {folder} is not empty and was not made by charrnn "
                             f"sample (it has no {MANIFEST}); choose a new or empty directory\n")
    assert listing(folder) == sorted(files) and all((folder / n).read_text() == "mine\n" for n in files)


def test_an_empty_directory_or_one_with_a_killed_run_s_lock_file_is_taken(abc_run, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / LOCK).write_text("12345\n")  # left by a SIGKILL: the kernel let go of the lock
    assert sample(abc_run, folder, "-n", 1).exit_code == 0
    assert listing(folder) == ["tune-01.abc", MANIFEST]


def test_a_second_writer_is_refused_naming_the_holder(abc_run, tmp_path):
    folder = tmp_path / "tunes"
    folder.mkdir()
    with TuneDir(folder).lock():
        result = sample(abc_run, folder, "-n", 1)
        assert listing(folder) == [LOCK]
    assert result.exit_code == 1
    assert result.output == (f"Error: {folder} is in use: sampling process {os.getpid()} is "
                             "writing tunes to it; let it finish or stop it first\n")


def test_a_run_stopped_before_its_first_tune_leaves_no_new_directory(abc_run, tmp_path,
                                                                     monkeypatch):
    def interrupted(*args, **kwargs):
        assert (tmp_path / "new" / MANIFEST).exists()  # taken
        raise KeyboardInterrupt

    monkeypatch.setattr("charrnn.cli.tunes._draw", interrupted)
    result = sample(abc_run, tmp_path / "new", "-n", 1)
    assert result.exit_code == 1 and "Aborted!" in result.output
    assert not (tmp_path / "new").exists()


# ---- interrupted -------------------------------------------------------------------------

def python_m_charrnn(*args, **kwargs):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(
        filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen([sys.executable, "-m", "charrnn", *map(str, args)], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, text=True, **kwargs)


def children(pid):
    """The ids of a process's children, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # ended as we looked
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid):
    """Running: not gone, and not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def wait_for(condition, what):
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_sigkill_keeps_every_finished_tune_and_leaves_no_child_running(abc_run, tmp_path):
    folder = tmp_path / "tunes"
    run = python_m_charrnn("sample", abc_run, "--abc", "-n", 20000, "-l", 200, "--out", folder,
                           "--no-page")
    try:
        wait_for(lambda: tune_files(folder) or run.poll() is not None, "the first tune")
        kids = children(run.pid)
    finally:
        run.kill()
    run.wait(TIMEOUT)
    if len(os.sched_getaffinity(0)) > 1:  # else the tunes are checked in the one process
        assert kids, "no checking process was started"
    try:
        wait_for(lambda: not any(alive(pid) for pid in kids), "the children to end")
    finally:  # a failure leaves no orphan behind either
        for pid in filter(alive, kids):
            os.kill(pid, signal.SIGKILL)
    kept = sorted(tune_files(folder))
    assert kept and len(kept) < 500
    assert all((folder / name).read_text().startswith(f"X:{tune_key(name[:-4])[1]}\n")
               for name in kept)
    assert not TuneDir(folder).manifest()["finished"]
    again = CliRunner().invoke(main, ["sample", str(abc_run), "--abc", "-n", "1", "--out", str(folder)])
    assert again.exit_code == 1
    assert (f"already holds {len(kept)} tune{'s' * (len(kept) > 1)} from a run of charrnn sample "
            "that stopped before it finished") in again.output


def ctrl_c_as_in_a_terminal():
    """Ctrl-C's default in the command, as a terminal's foreground job has it: tests run in
    the background (`cmd &` in a script) inherit SIGINT ignored, and Python keeps it so."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_end_cleanly(abc_run, tmp_path, sig):
    """No traceback and no leaked semaphores; the lock let go; the finished tunes kept (of
    more than the run can draw before the signal comes)."""
    folder = tmp_path / "tunes"
    # stderr to a file, not a pipe: the command's end is its own exit, whatever a process
    # it started (the checking worker, multiprocessing's resource tracker) still holds open
    with open(tmp_path / "stderr", "w+", encoding="utf-8") as said:
        run = python_m_charrnn("sample", abc_run, "--abc", "-n", 20000, "-l", 200, "--out", folder,
                               "--no-page", start_new_session=True, stderr=said,
                               preexec_fn=ctrl_c_as_in_a_terminal)
        try:
            wait_for(lambda: tune_files(folder) or run.poll() is not None, "the first tune")
            os.killpg(run.pid, sig)  # as Ctrl-C reaches the whole process group
            run.wait(timeout=TIMEOUT)
        finally:
            run.kill()
        said.seek(0)
        err = said.read()
    assert run.returncode == 1 and err.strip().splitlines()[-1] == "Aborted!", err
    assert "Traceback" not in err and "leaked" not in err, err
    assert tune_files(folder) and not (folder / LOCK).exists()


# ---- modes -------------------------------------------------------------------------------

UMASK_RUN = """
import os, sys
from click.testing import CliRunner
from charrnn.cli import main
corpus, root = sys.argv[1], sys.argv[2]
tiny = ["--layers", "1", "--hidden", "16", "--embedding", "8", "--batch-size", "4",
        "--seq-len", "16", "--no-progress"]
for args in (["train", "--corpus", corpus, "--out", root + "/run", "--max-steps", "4",
              "--eval-every", "2", "--save-every", "2", *tiny],
             ["sample", root + "/run", "--abc", "-n", "2", "-l", "200", "--form", "any", "--seed", "1", "--midi",
              "--out", root + "/tunes", "--no-page"]):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
"""


def test_every_file_written_has_the_mode_of_the_umask(tmp_path):
    """Through the command line, each kind of file (tests/test_files.py tries more umasks
    on the writes themselves): 002, which neither a default nor the 0600 of a temporary
    file gives."""
    umask = 0o002
    (tmp_path / "tunes.abc").write_text("".join(
        f"X:{i}\nT:T{i}\nM:2/4\nL:1/8\nK:D\n|:DEFG|ABcd:|\n\n" for i in range(20)), encoding="utf-8")
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(
        filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-c", UMASK_RUN, str(tmp_path / "tunes.abc"), str(tmp_path)],
                          env=env, capture_output=True, text=True, timeout=TIMEOUT,
                          preexec_fn=lambda: os.umask(umask))
    assert done.returncode == 0, done.stderr
    written = {p.relative_to(tmp_path).as_posix(): p.stat().st_mode & 0o777
               for p in (tmp_path / "run").iterdir()}
    written |= {p.relative_to(tmp_path).as_posix(): p.stat().st_mode & 0o777
                for p in (tmp_path / "tunes").iterdir()}
    for name in ("run/last.pt", "run/best.pt", "run/config.toml", "run/metrics.jsonl",
                 "tunes/tune-01.abc", "tunes/tune-01.mid", f"tunes/{MANIFEST}"):
        assert name in written
    assert written == dict.fromkeys(written, 0o666 & ~umask)
