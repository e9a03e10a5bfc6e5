"""charrnn.run.rundir: the files of a run, one writer at a time, metrics read whole while they
are written, failed writes that say what the run still has, and the resume policy."""

import errno
import json
import os
import threading

import pytest

from charrnn.run import checkpoint, rundir
from charrnn.run.config import RunConfig, section_of
from charrnn.errors import UserError, WriteError
from charrnn.disk.lock import Busy
from charrnn.model.model import CharRNN
from charrnn.run.rundir import RunDir


def payload(step):
    config = RunConfig()
    config.model.hidden, config.model.embedding, config.model.layers = 4, 3, 1
    return {"config": config.to_dict(), "vocab": list("abc"),
            "model": CharRNN(3, config.model).state_dict(), "progress": {"step": step}}


def saved_run(path, **steps):
    """A run directory holding the checkpoints named in steps (last=5, best=3)."""
    run = RunDir(path)
    path.mkdir(parents=True, exist_ok=True)
    for kind, step in steps.items():
        run.save(kind, payload(step))
    return RunDir(path)  # a fresh view, which remembers nothing it saved


def names(path):
    return sorted(p.name for p in path.iterdir())


# ---- finding checkpoints --------------------------------------------------------------------

@pytest.mark.parametrize("present, which, found", [
    (["last"], "best", "last.pt"), (["last", "best"], "best", "best.pt"),
    (["last", "best"], "last", "last.pt"), (["best"], "last", "best.pt")])
def test_a_run_directory_names_its_best_or_last_checkpoint(tmp_path, present, which, found):
    saved_run(tmp_path, **{kind: 1 for kind in present})
    assert rundir.checkpoint_file(tmp_path, which) == tmp_path / found
    assert rundir.load(tmp_path, which)["progress"]["step"] == 1


def test_a_checkpoint_file_is_itself(tmp_path):
    saved_run(tmp_path / "run", last=2)
    (tmp_path / "run" / "last.pt").rename(tmp_path / "mine.pt")
    assert rundir.checkpoint_file(tmp_path / "mine.pt", "best") == tmp_path / "mine.pt"
    assert rundir.is_run(tmp_path / "mine.pt") and not rundir.is_run(tmp_path / "run")


@pytest.mark.parametrize("make, message", [
    (lambda p: None, "no such checkpoint or run directory: {p}"),
    (lambda p: p.mkdir(), "{p} holds no checkpoint (last.pt or best.pt); is it a run directory?"),
])
def test_no_checkpoint_is_one_clear_line(tmp_path, make, message):
    path = tmp_path / "run"
    make(path)
    with pytest.raises(UserError) as error:
        rundir.load(path)
    assert str(error.value) == message.format(p=path)


# ---- metrics ----------------------------------------------------------------------------------

def write_metrics(path, text):
    path.mkdir(exist_ok=True)
    (path / rundir.METRICS).write_text(text, encoding="utf-8")
    return path


def line(step, **values):
    return json.dumps({"step": step, **values}) + "\n"


def test_metrics_are_read_in_logged_order_from_the_directory_or_the_file(tmp_path):
    run = write_metrics(tmp_path / "run", line(10) + "\n" + line(20, val_loss=1.5))
    assert [r["step"] for r in rundir.read_metrics(run)] == [10, 20]
    assert rundir.read_metrics(run / rundir.METRICS)[1]["val_loss"] == 1.5


@pytest.mark.parametrize("tail, steps", [
    ('{"step": 30, "val_lo', [10, 20]),  # being written as we read: not yet a record
    ('{"step": 30}', [10, 20, 30]),  # whole, only its newline not yet there
])
def test_a_last_line_without_its_newline_counts_only_when_whole(tmp_path, tail, steps):
    run = write_metrics(tmp_path / "run", line(10) + line(20) + tail)
    assert [r["step"] for r in rundir.read_metrics(run)] == steps


@pytest.mark.parametrize("text, message", [
    (None, "no metrics.jsonl in {p}; is it a run directory?"),
    ("", "{p}/metrics.jsonl holds no evaluations yet; train longer than --eval-every steps"),
    ('{"step": 1}\n{broken\n{"step": 2}\n', "{p}/metrics.jsonl line 2 is not JSON; the file is damaged"),
])
def test_metrics_errors_are_one_clear_line(tmp_path, text, message):
    run = tmp_path / "run"
    run.mkdir()
    if text is not None:
        write_metrics(run, text)
    with pytest.raises(UserError) as error:
        rundir.read_metrics(run)
    assert str(error.value) == message.format(p=run)


def test_a_reader_never_sees_part_of_a_line_being_appended(tmp_path):
    """Lines longer than a memory page, appended as fast as they go while another thread
    reads: every read is a whole prefix of what was logged."""
    run, count = RunDir(tmp_path), 3000
    padding = "x" * 5000

    def log_all():
        for step in range(1, count + 1):
            run.log({"step": step, "pad": padding})

    writer = threading.Thread(target=log_all)
    writer.start()
    reads = []
    while writer.is_alive() or not reads:
        try:
            reads.append([r["step"] for r in run.read_metrics()])
        except UserError as error:  # before the first line
            assert "no metrics.jsonl" in str(error) or "no evaluations" in str(error)
    writer.join()
    reads.append([r["step"] for r in run.read_metrics()])
    assert all(steps == list(range(1, len(steps) + 1)) for steps in reads)
    assert reads[-1] == list(range(1, count + 1))


def test_a_diverged_value_is_logged_as_null(tmp_path):
    run = RunDir(tmp_path)
    run.log({"step": 1, "val_loss": float("nan"), "lr": float("inf"), "ok": 1.5})
    text = (tmp_path / rundir.METRICS).read_text()
    assert json.loads(text) == {"step": 1, "val_loss": None, "lr": None, "ok": 1.5}
    assert "NaN" not in text and "Infinity" not in text


def test_a_failed_append_leaves_no_part_of_its_line(tmp_path, monkeypatch):
    """The disk fills up halfway through a line: the half is cut off again."""
    run = saved_run(tmp_path, last=4)
    run.log({"step": 4})
    before = (tmp_path / rundir.METRICS).read_bytes()
    real_write = os.write

    def half_then_full(fd, data):
        if len(data) > 20:
            return real_write(fd, data[:20])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", half_then_full)
    with pytest.raises(WriteError) as error:
        run.log({"step": 5, "val_loss": 1.0})
    monkeypatch.undo()
    assert (tmp_path / rundir.METRICS).read_bytes() == before
    assert str(error.value) == (
        f"cannot write {tmp_path}/metrics.jsonl: No space left on device; {tmp_path} still "
        f"holds last.pt from step 4; once it can be written, continue with: charrnn train "
        f"--resume {tmp_path}")


def test_trimming_keeps_whole_records_up_to_the_step(tmp_path):
    run = RunDir(write_metrics(tmp_path, line(5) + "{half a li\n" + line(10) + line(15) + '{"step": 20'))
    run.trim_log(rundir.METRICS, 10)
    assert (tmp_path / rundir.METRICS).read_text() == line(5) + line(10)


# ---- starting a run ---------------------------------------------------------------------------

def test_a_fresh_run_clears_the_old_one_and_writes_its_config(tmp_path):
    run = saved_run(tmp_path, last=5, best=3)
    for step in (2, 4):
        run.save("numbered", payload(step))
    write_metrics(tmp_path, line(5))
    (tmp_path / ".last.pt.abc123.tmp").write_bytes(b"half a save")
    (tmp_path / "notes.txt").write_text("mine")
    config = RunConfig()
    config.model.hidden = 7
    run.begin(config)
    assert names(tmp_path) == ["config.toml", "notes.txt"]
    assert "hidden = 7" in (tmp_path / rundir.CONFIG).read_text()


def test_a_resumed_run_keeps_its_checkpoints_and_its_metrics_to_the_step(tmp_path):
    run = saved_run(tmp_path, last=10)
    run.save("numbered", payload(10))
    write_metrics(tmp_path, line(5) + line(10) + line(15))
    (tmp_path / ".step-00000015.pt.x.tmp").write_bytes(b"half a save")
    run.begin(RunConfig(), resumed_step=10)
    assert names(tmp_path) == ["config.toml", "last.pt", "metrics.jsonl", "step-00000010.pt"]
    assert [r["step"] for r in run.read_metrics()] == [5, 10]


def test_pruning_keeps_the_newest_numbered_checkpoints(tmp_path):
    run = saved_run(tmp_path, last=20)
    for step in (5, 10, 15, 20):
        run.save("numbered", payload(step))
    run.prune(keep=2)
    assert names(tmp_path) == ["last.pt", "step-00000015.pt", "step-00000020.pt"]


# ---- what a failed write leaves ---------------------------------------------------------------

@pytest.mark.parametrize("steps, says", [
    ({}, "no checkpoint was saved before that"),
    ({"best": 3}, "{p} still holds best.pt from step 3; once it can be written, continue with: "
                  "charrnn train --resume {p}"),
    ({"last": 5, "best": 3}, "{p} still holds last.pt from step 5 and best.pt from step 3; once "
                             "it can be written, continue with: charrnn train --resume {p}"),
])
def test_what_the_run_still_has_is_read_from_the_disk(tmp_path, steps, says):
    saved_run(tmp_path, **steps)
    assert RunDir(tmp_path).remaining() == says.format(p=tmp_path)


def test_a_run_whose_directory_was_removed_has_nothing_left(tmp_path):
    run = saved_run(tmp_path / "run", last=5)
    for path in (tmp_path / "run").iterdir():
        path.unlink()
    (tmp_path / "run").rmdir()
    with pytest.raises(WriteError) as error:
        run.save("last", payload(6))
    assert str(error.value) == (f"cannot write {tmp_path}/run/last.pt: directory {tmp_path}/run "
                                "does not exist; nothing of the run is left to resume")


# ---- one writer -----------------------------------------------------------------------------

def test_a_second_writer_is_refused_with_the_holders_pid(tmp_path):
    run = saved_run(tmp_path / "run", last=5)
    with run.writing(fresh=False):
        assert (tmp_path / "run" / rundir.LOCK).read_text().strip() == str(os.getpid())
        for fresh, overwrite in ((False, False), (True, True), (True, False)):
            with pytest.raises(Busy) as error:
                with RunDir(tmp_path / "run").writing(fresh=fresh, overwrite=overwrite):
                    pytest.fail("two writers")
            assert error.value.pid == os.getpid()
            assert str(error.value) == (f"{tmp_path}/run is in use: training process {os.getpid()} "
                                        "is writing to it; let it finish or stop it first")
    assert names(tmp_path / "run") == ["last.pt"]  # the lock file goes with the lock
    with RunDir(tmp_path / "run").writing(fresh=False):
        pass


def test_resuming_a_run_before_its_first_checkpoint_names_the_process_training_it(tmp_path):
    with RunDir(tmp_path / "run").writing(fresh=True):
        with pytest.raises(Busy, match="is in use: training process"):
            with RunDir(tmp_path / "run").writing(fresh=False):
                pytest.fail("two writers")


def test_a_lock_file_left_by_a_killed_process_is_no_obstacle(tmp_path):
    saved_run(tmp_path, last=5)
    (tmp_path / rundir.LOCK).write_text("4194305\n")  # no lock is held on it
    with RunDir(tmp_path).writing(fresh=False):
        assert (tmp_path / rundir.LOCK).read_text().strip() == str(os.getpid())


def test_only_the_writer_takes_the_lock(tmp_path):
    """Under torchrun the other ranks hold nothing: one goes in beside the writer, and while
    one is in, a writer still takes the lock (a second writer would not)."""
    saved_run(tmp_path, last=5)
    with RunDir(tmp_path).writing(fresh=False, writer=False) as rank:  # torchrun's other ranks
        assert rank.path == tmp_path and not (tmp_path / rundir.LOCK).exists()
        with RunDir(tmp_path).writing(fresh=False):
            with RunDir(tmp_path).writing(fresh=False, writer=False) as beside:
                assert beside.checkpoint("last") == tmp_path / "last.pt"
            with pytest.raises(Busy):
                with RunDir(tmp_path).writing(fresh=False):
                    pytest.fail("two writers")


def test_an_earlier_run_is_refused_unless_overwritten(tmp_path):
    saved_run(tmp_path, last=5)
    with pytest.raises(UserError, match="already holds a run; continue it with --resume"):
        with RunDir(tmp_path).writing(fresh=True):
            pass
    with RunDir(tmp_path).writing(fresh=True, overwrite=True):
        pass


def test_a_fresh_run_that_fails_to_start_leaves_no_empty_directory(tmp_path):
    with pytest.raises(UserError, match="corpus not found"):
        with RunDir(tmp_path / "a" / "run").writing(fresh=True):
            raise UserError("corpus not found")
    assert names(tmp_path / "a") == []


@pytest.mark.parametrize("make, message", [
    (lambda p: None, "no such run directory: {p}"),
    (lambda p: p.mkdir(), "{p} holds no checkpoint"),
    (lambda p: (p.mkdir(), (p / "config.toml").write_text("")),
     "{p} stopped before its first checkpoint, so there is nothing to resume"),
])
def test_nothing_to_resume_is_refused_before_the_lock(tmp_path, make, message):
    path = tmp_path / "run"
    make(path)
    with pytest.raises(UserError, match=message.format(p=path)):
        with RunDir(path).writing(fresh=False):
            pass
    assert not (path / rundir.LOCK).exists()


# ---- the resume policy ------------------------------------------------------------------------

def resumable(tmp_path, schedule="constant"):
    config = RunConfig()
    config.train.schedule, config.train.max_steps = schedule, 100
    run = RunDir(tmp_path)
    run.save("last", {**payload(50), "config": config.to_dict()})
    return RunDir(tmp_path)


@pytest.mark.parametrize("overrides", [{"max_steps": 200}, {"max_time": "1h", "patience": 3},
                                       # frozen, but given as they are:
                                       {"hidden": RunConfig().model.hidden, "lr": RunConfig().train.lr}])
def test_resuming_may_change_the_limits(tmp_path, overrides):
    config, loaded = resumable(tmp_path).resumed_config(overrides)
    assert loaded["progress"]["step"] == 50
    for key, value in overrides.items():
        section = section_of(key)
        assert getattr(getattr(config, section), key) == value


@pytest.mark.parametrize("schedule, overrides, changed", [
    ("constant", {"hidden": 32}, "hidden"), ("constant", {"lr": 0.5, "optimizer": "sgd"}, "lr, optimizer"),
    ("constant", {"corpus": "other.txt"}, "corpus"), ("cosine", {"max_steps": 200}, "max_steps"),
])
def test_resuming_may_not_change_the_model_data_or_optimizer(tmp_path, schedule, overrides, changed):
    with pytest.raises(UserError, match=f"cannot change {changed} when resuming"):
        resumable(tmp_path, schedule).resumed_config(overrides)


def test_the_step_resumed_from_is_known_without_reading_it_again(tmp_path, monkeypatch):
    run = resumable(tmp_path)
    run.load_last()
    monkeypatch.setattr(checkpoint, "load", lambda path: pytest.fail("read again"))
    assert run.kept_step("last") == 50
