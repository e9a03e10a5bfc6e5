import pytest
import torch

from charrnn.run.config import OPTIMIZERS, TrainConfig
from charrnn.train.optim import PLATEAU_EVALS, build_optimizer, build_schedule


def schedule_of(**train):
    """(optimizer, schedule) of one parameter; max_steps 0 and no warm-up unless given."""
    train = TrainConfig(**{"max_steps": 0, "warmup_steps": 0, **train})
    optimizer = build_optimizer([torch.nn.Parameter(torch.zeros(1))], train)
    return optimizer, build_schedule(optimizer, train, train.max_steps)


def learning_rates(steps, **train):
    """The learning rate at each of `steps` steps."""
    optimizer, schedule = schedule_of(**train)
    rates = []
    for _ in range(steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    return rates


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_reduces_a_quadratic(name):
    param = torch.nn.Parameter(torch.tensor([3.0, -2.0]))
    optimizer = build_optimizer([param], TrainConfig(optimizer=name, lr=1.0 if name == "adadelta" else 0.1))
    for _ in range(50):
        optimizer.zero_grad()
        (param ** 2).sum().backward()
        optimizer.step()
    assert (param ** 2).sum() < 13.0 * 0.9


def test_schedules():
    assert learning_rates(5, lr=1.0, schedule="constant") == [1.0] * 5
    assert learning_rates(5, lr=1.0, schedule="step", decay_every=2, decay_rate=0.5) == \
        [1.0, 1.0, 0.5, 0.5, 0.25]
    cosine = learning_rates(11, lr=1.0, schedule="cosine", max_steps=10, min_lr_ratio=0.1)
    assert cosine[0] == 1.0 and all(a > b for a, b in zip(cosine, cosine[1:10]))
    assert cosine[10] == pytest.approx(0.1)
    warm = learning_rates(5, lr=1.0, schedule="constant", warmup_steps=3)
    assert warm == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0])


def test_plateau_lowers_the_rate_when_validation_stalls_down_to_its_floor():
    optimizer, schedule = schedule_of(lr=1.0, schedule="plateau", decay_rate=0.5, min_lr_ratio=0.2)
    losses = [3.0, 2.0] + [2.5] * (4 * PLATEAU_EVALS)
    rates = []
    for step, loss in enumerate(losses, 1):
        schedule.observe(loss, step)
        rates.append(optimizer.param_groups[0]["lr"])
    # halved at every PLATEAU_EVALS-th evaluation without improvement, down to 0.2
    stalled = [max(0.5 ** (bad // PLATEAU_EVALS), 0.2) for bad in range(1, 4 * PLATEAU_EVALS + 1)]
    assert rates == pytest.approx([1.0, 1.0] + stalled)
    assert 0.5 in rates and rates[-PLATEAU_EVALS - 1:] == [0.2] * (PLATEAU_EVALS + 1)


def test_plateau_ignores_validation_in_the_warm_up():
    optimizer, schedule = schedule_of(lr=1.0, schedule="plateau", warmup_steps=100)
    for step in range(1, 4 * PLATEAU_EVALS):
        schedule.observe(9.0, step)
    assert schedule.state_dict()["on_plateau"]["num_bad_epochs"] == 0


@pytest.mark.parametrize("schedule", ["cosine", "plateau", "step"])
def test_a_schedule_built_after_steps_were_taken_is_where_a_whole_one_would_be(schedule):
    train = {"lr": 1.0, "schedule": schedule, "max_steps": 30, "warmup_steps": 5, "decay_every": 4}
    whole = learning_rates(30, **train)
    optimizer, late = schedule_of(**train)
    late = build_schedule(optimizer, TrainConfig(**train), 30, done=12)
    rates = []
    for _ in range(18):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        late.step()
    assert rates == pytest.approx(whole[12:])
