"""charrnn.train.sizing: what `auto` settles to, the step-rate probe, and a run whose cosine is
sized to --max-time, under a fake clock (no real time is measured)."""

import pytest

from charrnn.run import rundir
from charrnn.train import sizing
from charrnn.run.config import AUTO, EVAL_EVERY_MOST, RunConfig, TrainConfig
from charrnn.train.training import Trainer
from conftest import Machine, stop_at, tiny_config


@pytest.mark.parametrize("given, batches, settled", [
    ({}, 14, {"eval_every": 7, "schedule": "plateau", "max_steps": 0}),
    ({}, 15, {"eval_every": 8}),
    ({}, 1, {"eval_every": 1}),
    ({}, 10_000, {"eval_every": EVAL_EVERY_MOST}),
    ({"max_time": "3m"}, 14, {"schedule": "cosine", "max_steps": AUTO}),  # a probe sizes it
    ({"max_time": "3m", "max_steps": 500}, 14, {"schedule": "plateau", "max_steps": 500}),
    ({"max_time": "3m", "schedule": "constant"}, 14, {"max_steps": 0}),  # nothing to size
    ({"eval_every": 7, "schedule": "step", "max_steps": 9}, 14,
     {"eval_every": 7, "schedule": "step", "max_steps": 9}),
])
def test_auto_settles_from_the_corpus_and_the_limits(given, batches, settled):
    train = TrainConfig(**given)
    sizing.settle(train, batches)
    assert {key: getattr(train, key) for key in settled} == settled


def test_the_probe_skips_the_first_steps_and_waits_for_its_share_of_the_budget():
    probe = sizing.Probe(budget=1000.0)
    for seconds in [9.0] * sizing.PROBE_SKIP + [1.0] * sizing.PROBE_STEPS:
        assert not probe.done(elapsed=0.0)
        probe.add(seconds)
    assert not probe.done(elapsed=sizing.PROBE_SHARE * 1000 - 0.1)
    assert probe.done(elapsed=sizing.PROBE_SHARE * 1000)
    assert probe.times == [1.0] * sizing.PROBE_STEPS


@pytest.mark.parametrize("step, elapsed, per_step, planned", [
    (12, 700.0, 3.0, (12 + 97, 12 + 6)),  # 300 s left, 3 s a step; again after 2% of 1000 s
    (500, 990.0, 1.0, (500 + 9, 500 + 4)),  # near the end: again after half the steps left
    (500, 999.5, 1.0, (500, 501)),  # less than a step left: end now
])
def test_the_plan_fills_the_time_left_and_comes_again_sooner_near_the_end(step, elapsed, per_step,
                                                                          planned):
    assert sizing.plan(step, 1000.0, elapsed, per_step) == planned


def fake_clock(step_seconds, eval_seconds):
    """Time that passes only when the trainer steps or validates, the same for every step."""
    return Machine(lambda threads, step: step_seconds, eval_seconds)


def budgeted(corpus, **overrides):
    return tiny_config(corpus, **{"max_steps": AUTO, "max_time": "100s", "eval_every": 20,
                                  "warmup_steps": 5, **overrides})


def test_a_time_budget_sizes_the_cosine_to_end_as_the_time_runs_out(tmp_path, corpus_file):
    clock = fake_clock(step_seconds=0.5, eval_seconds=1.0)
    trainer = clock.drive(Trainer(budgeted(corpus_file), tmp_path / "run"))
    outcome = trainer.run()

    train = trainer.config.train
    assert train.schedule == "cosine" and isinstance(train.max_steps, int)
    assert outcome.reason == "max_steps" and outcome.step == train.max_steps
    assert 0.9 * 100 <= clock.now <= 100  # most of the budget used, none overrun
    assert trainer.optimizer.param_groups[0]["lr"] == pytest.approx(train.lr * train.min_lr_ratio)
    saved = rundir.load(tmp_path / "run", "last")["config"]["train"]["max_steps"]
    written = RunConfig.from_dict(rundir.load(tmp_path / "run", "last")["config"])
    assert saved == train.max_steps == written.train.max_steps
    assert f"max_steps = {train.max_steps}" in (tmp_path / "run" / rundir.CONFIG).read_text()


def test_a_slower_machine_gets_fewer_steps_in_the_same_time(tmp_path, corpus_file):
    lengths = []
    for name, seconds in (("fast", 0.25), ("slow", 0.5)):
        trainer = fake_clock(seconds, 1.0).drive(Trainer(budgeted(corpus_file), tmp_path / name))
        lengths.append(trainer.run().step)
    assert lengths[1] < lengths[0] * 0.6


def test_a_resumed_run_keeps_its_sizing(tmp_path, corpus_file):
    run = tmp_path / "run"
    first = stop_at(fake_clock(0.5, 1.0).drive(Trainer(budgeted(corpus_file), run)), 60)
    assert first.run().reason == "interrupted"
    sized = first.config.train.max_steps
    config, payload = rundir.RunDir(run).resumed_config({"max_time": "1h"})
    assert config.train.max_steps == sized  # not sized again for the new limit
    again = fake_clock(0.05, 1.0).drive(Trainer(config, run, resume=payload))
    assert again.run().step == sized
    with pytest.raises(Exception, match="cannot change max_steps"):
        rundir.RunDir(run).resumed_config({"max_steps": sized + 100})
