"""A run's progress (charrnn.train.progress): the data position, the losses between
evaluations, the best evaluation and the patience only scheduled evaluations move."""

import math
from dataclasses import asdict

import pytest

from charrnn.train.progress import Progress


@pytest.mark.parametrize("batches_per_epoch, steps, epoch, index", [
    (1, 3, 3, 0), (3, 2, 0, 2), (3, 3, 1, 0), (3, 7, 2, 1)])
def test_steps_walk_the_epochs(batches_per_epoch, steps, epoch, index):
    progress = Progress()
    for _ in range(steps):
        progress.advance(batches_per_epoch)
    assert (progress.step, progress.epoch, progress.batch_index) == (steps, epoch, index)


def test_skipped_steps_count_in_a_row_and_stay_out_of_the_loss():
    progress = Progress()
    assert [progress.count_loss(loss) for loss in (2.0, None, None, 4.0, None)] == [0, 1, 2, 0, 1]
    assert (progress.loss_sum, progress.loss_count) == (6.0, 2)


@pytest.mark.parametrize("scheduled", [True, False])
def test_an_evaluation_is_one_metrics_line_and_a_scheduled_one_starts_the_loss_afresh(scheduled):
    progress = Progress(step=20, epoch=1, elapsed=1.23456)
    progress.count_loss(1.0), progress.count_loss(2.0)
    record = progress.evaluated({"loss": 0.5, "chars": 99}, lr=0.01, scheduled=scheduled)
    assert record == {"step": 20, "epoch": 1, "train_loss": 1.5, "val_loss": 0.5, "lr": 0.01,
                      "elapsed": 1.235, "scheduled": scheduled}
    assert progress.loss_count == (0 if scheduled else 2)
    assert "train_loss" not in Progress().evaluated({}, lr=0.01, scheduled=True)


def test_only_scheduled_evaluations_move_patience_but_any_may_be_the_best():
    progress = Progress()
    verdicts = []
    for step, (val, scheduled) in enumerate([(3.0, True), (2.0, False), (2.5, True), (2.5, True),
                                             (1.0, True)], start=1):
        progress.step = step
        verdicts.append((progress.judge(val, scheduled), progress.bad_evals))
    # 2.5 beats the scheduled best (3.0), though not the unscheduled 2.0 kept as best.pt
    assert verdicts == [(True, 0), (True, 0), (False, 0), (False, 1), (True, 0)]
    assert (progress.best_val, progress.best_step, progress.scheduled_best) == (1.0, 5, 1.0)


def test_a_checkpoint_from_before_the_scheduled_best_counts_patience_from_the_best():
    saved = {k: v for k, v in asdict(Progress(best_val=2.0)).items() if k != "scheduled_best"}
    progress = Progress(**saved)
    assert not progress.judge(2.5, scheduled=True) and progress.bad_evals == 1
    assert progress.scheduled_best == 2.0 and math.isinf(Progress().best_val)
