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
    return learning_rates_of(*schedule_of(**train), steps)


def learning_rates_of(optimizer, schedule, steps):
    """The learning rate at each of `steps` steps of a schedule that is stepped each step."""
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


def torch_cosine(steps, warmup, total, floor):
    """The learning rates of torch's own warm-up and cosine, the oracle for Cosine."""
    from torch.optim import lr_scheduler

    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    ramp = lr_scheduler.LinearLR(optimizer, start_factor=1 / (warmup + 1), total_iters=warmup)
    cosine = lr_scheduler.CosineAnnealingLR(optimizer, T_max=total - warmup, eta_min=floor)
    schedule = lr_scheduler.SequentialLR(optimizer, [ramp, cosine], milestones=[warmup])
    return learning_rates_of(optimizer, schedule, steps)


def test_a_cosine_never_resized_is_torchs():
    train = {"lr": 1.0, "schedule": "cosine", "max_steps": 30, "warmup_steps": 5,
             "min_lr_ratio": 0.1}
    assert learning_rates(30, **train) == pytest.approx(torch_cosine(30, 5, 30, 0.1))


@pytest.mark.parametrize("at, end", [(12, 60), (12, 20), (3, 40), (29, 31), (40, 45)])
def test_a_resized_cosine_bends_without_a_jump_and_ends_at_its_floor(at, end):
    optimizer, schedule = schedule_of(lr=1.0, schedule="cosine", max_steps=30, warmup_steps=5,
                                      min_lr_ratio=0.1)
    rates = []
    for step in range(end + 5):
        if step == at:
            before = optimizer.param_groups[0]["lr"]
            schedule.resize(step, end)
            assert schedule.per_step.lr_lambdas[0](step) == pytest.approx(before)
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    after_warmup = rates[5:]
    assert all(a >= b - 1e-12 for a, b in zip(after_warmup, after_warmup[1:]))  # never up
    assert rates[end] == pytest.approx(0.1) and rates[-1] == pytest.approx(0.1)
    if at < 30:  # still descending when resized: the floor comes at the new end, not before
        assert rates[end - 1] > 0.1 + 1e-9


def test_a_cosine_sized_later_holds_the_peak_then_descends_from_there():
    optimizer, schedule = schedule_of(lr=1.0, schedule="cosine", max_steps=0, warmup_steps=2)
    rates = learning_rates_of(optimizer, schedule, 10)
    assert rates[2:] == [1.0] * 8
    schedule.resize(10, 20)
    rates = learning_rates_of(optimizer, schedule, 11)
    assert rates[0] == 1.0 and rates[10] == pytest.approx(0.1)


def test_a_resized_cosine_resumes_on_the_same_curve():
    train = {"lr": 1.0, "schedule": "cosine", "max_steps": 30, "warmup_steps": 5}
    optimizer, schedule = schedule_of(**train)
    learning_rates_of(optimizer, schedule, 12)
    schedule.resize(12, 50)
    learning_rates_of(optimizer, schedule, 8)
    saved = (optimizer.state_dict(), schedule.state_dict())
    whole = learning_rates_of(optimizer, schedule, 30)
    again, resumed = schedule_of(**{**train, "max_steps": 50})
    again.load_state_dict(saved[0])
    resumed.load_state_dict(saved[1])
    assert learning_rates_of(again, resumed, 30) == whole


def test_a_cosine_saved_by_torchs_scheduler_resumes_on_its_curve():
    """Checkpoints made before the cosine could be re-sized hold torch's own schedulers."""
    from torch.optim import lr_scheduler

    train = TrainConfig(lr=1.0, schedule="cosine", max_steps=30, warmup_steps=5)
    optimizer = build_optimizer([torch.nn.Parameter(torch.zeros(1))], train)
    ramp = lr_scheduler.LinearLR(optimizer, start_factor=1 / 6, total_iters=5)
    cosine = lr_scheduler.CosineAnnealingLR(optimizer, T_max=25, eta_min=0.1)
    old = lr_scheduler.SequentialLR(optimizer, [ramp, cosine], milestones=[5])
    for _ in range(12):
        optimizer.step()
        old.step()
    saved = optimizer.state_dict(), {"per_step": old.state_dict(), "on_plateau": {}}
    optimizer, schedule = schedule_of(**vars(train))  # as a resumed Trainer restores them
    optimizer.load_state_dict(saved[0])
    schedule.load_state_dict(saved[1])
    assert learning_rates_of(optimizer, schedule, 18) == pytest.approx(torch_cosine(30, 5, 30, 0.1)[12:])
