"""charrnn.train.pacing: a run picks its thread count from its own first steps, times the counts
again when its steps stay slow, and re-sizes a time budget's cosine as it goes, so the
learning rate reaches its floor when the time runs out; under a fake clock whose step
times depend on the thread count and on the step (no real time is measured)."""

import pytest

from charrnn.model import threads
from charrnn.run.config import AUTO
from charrnn.train.training import Trainer
from conftest import Machine, tiny_config


class Notes:
    """A Reporter that keeps its notes."""

    def __init__(self):
        from charrnn.train.reporting import Reporter

        self.lines, self.base = [], Reporter()

    def __getattr__(self, name):
        return getattr(self.base, name)

    def note(self, line):
        self.lines.append(line)


def busy(count, step):
    """One core held by another program: two threads collapse."""
    return 0.25 if count == 1 else 5.0


def test_auto_keeps_the_fastest_count_and_says_why(tmp_path, corpus_file, monkeypatch):
    machine, notes = Machine(busy, monkeypatch=monkeypatch), Notes()
    trainer = machine.drive(Trainer(tiny_config(corpus_file, threads=AUTO, max_steps=12),
                                    tmp_path / "run", reporter=notes))
    trainer.run()
    assert machine.counts.count(2) == 1  # one collapsed step, and it was left
    assert set(machine.counts[-5:]) == {1}
    assert notes.lines == ["threads: 1 of 2 cores (steps/s: 1 thread 4, 2 threads 0.2; more "
                           "threads wait at every step for cores other programs hold)"]


def test_a_fixed_count_is_not_probed(tmp_path, corpus_file, monkeypatch):
    machine, notes = Machine(busy, monkeypatch=monkeypatch), Notes()
    trainer = machine.drive(Trainer(tiny_config(corpus_file, threads=2, max_steps=5),
                                    tmp_path / "run", reporter=notes))
    trainer.run()
    assert machine.counts == [2] * 5 and notes.lines == []


def quiet_then_busy(count, step):
    """Two threads win until step 40, when another program takes a core."""
    if step < 40:
        return 0.2 if count == 2 else 0.25
    return busy(count, step)


def test_steps_that_stay_slow_bring_a_new_trial(tmp_path, corpus_file, monkeypatch):
    monkeypatch.setattr(threads, "RECHECK_SECONDS", 5.0)
    machine, notes = Machine(quiet_then_busy, monkeypatch=monkeypatch), Notes()
    config = tiny_config(corpus_file, threads=AUTO, max_steps=80, eval_every=100)
    trainer = machine.drive(Trainer(config, tmp_path / "run", reporter=notes))
    trainer.run()
    assert notes.lines[0].startswith("threads: 2 of 2 cores")
    assert notes.lines[1].startswith("threads: steps slowed to 0.2/s from the 5/s measured")
    assert notes.lines[2].startswith("threads: 1 of 2 cores")
    assert len(notes.lines) == 3 and machine.counts[-1] == 1  # later looks kept 1: not said


def busy_then_quiet(count, step):
    """The other program ends at step 40, and two threads win again."""
    return busy(count, step) if step < 40 else quiet_then_busy(count, 0)


def test_a_machine_quiet_again_gets_its_threads_back(tmp_path, corpus_file, monkeypatch):
    monkeypatch.setattr(threads, "RECHECK_SECONDS", 5.0)
    machine, notes = Machine(busy_then_quiet, monkeypatch=monkeypatch), Notes()
    config = tiny_config(corpus_file, threads=AUTO, max_steps=80, eval_every=100)
    machine.drive(Trainer(config, tmp_path / "run", reporter=notes)).run()
    assert [line.split(" (")[0] for line in notes.lines] == ["threads: 1 of 2 cores",
                                                             "threads: 2 of 2 cores"]
    assert set(machine.counts[-10:]) == {2}


def test_one_slow_step_brings_no_new_trial(tmp_path, corpus_file, monkeypatch):
    monkeypatch.setattr(threads, "RECHECK_SECONDS", 5.0)
    machine = Machine(lambda count, step: 60.0 if step == 40 else 0.25, monkeypatch=monkeypatch)
    notes = Notes()
    trainer = machine.drive(Trainer(tiny_config(corpus_file, threads=AUTO, max_steps=80,
                                                eval_every=100), tmp_path / "run", reporter=notes))
    trainer.run()
    assert len(notes.lines) == 1


BUDGET = 40


def budgeted(corpus, **overrides):
    return tiny_config(corpus, **{"max_steps": AUTO, "max_time": f"{BUDGET}s", "eval_every": 20,
                                  "warmup_steps": 5, **overrides})


@pytest.mark.parametrize("name, seconds", [
    ("quiet", lambda count, step: 0.25),
    ("busier", lambda count, step: 0.25 if step < 50 else 0.5),  # the rate halves
    ("quieter", lambda count, step: 0.5 if step < 25 else 0.25),  # the rate doubles
    ("after the probe", lambda count, step: 0.25 if step < 15 else 0.5),
])
def test_the_learning_rate_reaches_its_floor_as_the_budget_runs_out(tmp_path, corpus_file, name,
                                                                    seconds):
    machine = Machine(seconds, eval_seconds=1.0)
    trainer = machine.drive(Trainer(budgeted(corpus_file), tmp_path / "run"))
    outcome = trainer.run()
    train = trainer.config.train
    assert outcome.reason == "max_steps" and outcome.step == train.max_steps
    assert 0.95 * BUDGET <= machine.now <= BUDGET
    assert trainer.optimizer.param_groups[0]["lr"] == pytest.approx(train.lr * train.min_lr_ratio)


def test_the_learning_rate_never_rises_while_the_run_is_resized(tmp_path, corpus_file):
    machine = Machine(lambda count, step: 0.25 if step < 50 else 0.5, eval_seconds=1.0)
    trainer = machine.drive(Trainer(budgeted(corpus_file), tmp_path / "run"))
    rates, step = [], trainer.train_step

    def recorded():
        rates.append(trainer.optimizer.param_groups[0]["lr"])
        return step()

    trainer.train_step = recorded
    trainer.run()
    descent = rates[5:]  # after the warm-up
    assert all(a >= b for a, b in zip(descent, descent[1:]))
