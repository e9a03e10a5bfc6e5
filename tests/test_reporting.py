"""charrnn.train.reporting: the plain Reporter shows nothing; ProgressBar draws the step, the
loss, the last validation loss and characters a second."""

import pytest

from charrnn.train.reporting import ProgressBar, Reporter, postfix, sample_line


def test_the_plain_reporter_shows_nothing(capsys):
    with Reporter().start(10, 0) as reporter:
        reporter.update(1.5, {"val_loss": 1.2}, 1000.0)
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("loss, last_eval, expected", [
    (1.23456, {"val_loss": 1.5}, {"loss": "1.235", "val": "1.500", "chars/s": "12,346"}),
    (None, {}, {"loss": "nan", "chars/s": "12,346"}),  # a skipped step, before any evaluation
])
def test_the_bar_shows_the_loss_the_last_validation_and_the_speed(loss, last_eval, expected):
    assert postfix(loss, last_eval, 12345.6) == expected


def test_the_bar_counts_steps_from_where_a_resumed_run_starts(capsys):
    with ProgressBar().start(total=10, step=4) as bar:
        bar.update(2.0, {"val_loss": 1.75}, 500.0)
    shown = capsys.readouterr().err
    assert "train" in shown and "5/10" in shown and "val=1.750" in shown


def sample_record(step=500):
    texts = {0.0: "the the the", 0.5: "the cat\nsat", 1.0: "a dog\nran off", 2.0: "qz!"}
    return {"step": step, "prime": "", "samples": [{"temperature": t, "text": x} for t, x in texts.items()]}


@pytest.mark.parametrize("width, expected", [
    (80, "step 500, T=1: a dog⏎ran off"),
    (17, "step 500, T=1: a"),  # cut to the terminal, less its last column
])
def test_the_line_under_the_bar_is_the_latest_sample_at_temperature_one(width, expected):
    assert sample_line(sample_record(), width) == expected


def test_the_bar_shows_the_latest_sample_under_it(capsys):
    with ProgressBar().start(total=10, step=0) as bar:
        bar.update(2.0, {}, 500.0)
        bar.sampled(sample_record(1))
        bar.update(2.0, {}, 500.0)
        bar.sampled(sample_record(2))
    shown = capsys.readouterr().err
    assert "step 1, T=1: a dog⏎ran off" in shown and shown.rindex("step 2, T=1") > shown.rindex("step 1")
