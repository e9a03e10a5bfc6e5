import pytest
import torch

from charrnn.config import OPTIMIZERS, TrainConfig
from charrnn.optim import build_optimizer, build_schedule


def learning_rates(train, steps):
    """The learning rate at each of `steps` steps of a run as long as train.max_steps."""
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = build_optimizer([param], train)
    schedule = build_schedule(optimizer, train, train.max_steps or steps)
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
    assert learning_rates(TrainConfig(lr=1.0), 5) == [1.0] * 5
    assert learning_rates(TrainConfig(lr=1.0, schedule="step", decay_every=2, decay_rate=0.5), 5) == \
        [1.0, 1.0, 0.5, 0.5, 0.25]
    cosine = learning_rates(TrainConfig(lr=1.0, schedule="cosine", max_steps=10, min_lr_ratio=0.1), 11)
    assert cosine[0] == 1.0 and all(a > b for a, b in zip(cosine, cosine[1:10]))
    assert cosine[10] == pytest.approx(0.1)
    warm = learning_rates(TrainConfig(lr=1.0, warmup_steps=3), 5)
    assert warm == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0])
