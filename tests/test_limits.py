"""What ends a run (charrnn.train.limits): its limits in their order, the run's length they
give, and the one line for a run whose loss stopped being finite."""

import pytest

from charrnn.run.config import AUTO, TrainConfig
from charrnn.run.rundir import RunDir
from charrnn.train.limits import Limits, diverged
from charrnn.train.progress import Progress


def limits(batches_per_epoch=10, **train):
    return Limits(TrainConfig(**{"max_steps": 0, "max_epochs": 0, "patience": 0, **train}),
                  batches_per_epoch)


@pytest.mark.parametrize("train, progress, seconds, signal, reason", [
    ({}, {"step": 10**6}, 10**6, None, None),
    ({"max_steps": 5}, {"step": 5}, 0, None, "max_steps"),
    ({"max_steps": 5}, {"step": 4}, 0, None, None),
    ({"max_steps": AUTO}, {"step": 10**6}, 0, None, None),  # a probe still sizes it
    ({"max_epochs": 2}, {"epoch": 2}, 0, None, "max_epochs"),
    ({"max_time": "1m"}, {}, 60, None, "max_time"),
    ({"max_time": "1m"}, {}, 59.9, None, None),
    ({"patience": 3}, {"bad_evals": 3}, 0, None, "patience"),
    ({"max_steps": 5, "max_time": "1m"}, {"step": 5}, 60, "SIGINT", "interrupted"),
    ({"max_steps": 5, "max_epochs": 1}, {"step": 5, "epoch": 1}, 0, None, "max_steps"),
])
def test_the_reason_to_stop(train, progress, seconds, signal, reason):
    assert limits(**train).reason(Progress(**progress), seconds, signal) == reason


@pytest.mark.parametrize("train, total", [
    ({}, 0), ({"max_steps": 30}, 30), ({"max_epochs": 2}, 20),
    ({"max_steps": 30, "max_epochs": 2}, 20), ({"max_steps": AUTO, "max_epochs": 5}, 50)])
def test_the_run_length_is_the_nearest_limit_in_steps(train, total):
    assert limits(**train).total_steps() == total


@pytest.mark.parametrize("train, advice", [
    ({"clip": 1.0, "precision": "fp32"}, "with a lower --lr or a smaller --clip"),
    ({"clip": 0.0, "precision": "fp32"}, "with a lower --lr or --clip 1 (clipping is off)"),
    ({"clip": 1.0, "precision": "bf16"}, "with a lower --lr, a smaller --clip or --precision fp32")])
def test_a_diverged_run_is_one_line_of_advice(tmp_path, train, advice):
    error = diverged("the loss became NaN", 12, TrainConfig(**train), RunDir(tmp_path))
    assert str(error) == (f"the loss became NaN at step 12; no checkpoint was saved before that; "
                          f"start again (--overwrite) {advice}")
