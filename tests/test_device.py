"""charrnn.model.device: `--device` and `--precision` resolved, and refused in one line where
the machine cannot run them."""

import pytest
import torch

from charrnn.model.device import autocast, check_precision, loss_scaling, resolve_device, to_device
from charrnn.errors import UserError

CPU = torch.device("cpu")


def test_auto_picks_cuda_then_mps_then_the_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert resolve_device("auto") == CPU
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")


@pytest.mark.parametrize("name, message", [
    ("cuda", "--device cuda asked for, but torch sees no CUDA GPU here"),
    ("mps", "--device mps asked for, but this torch build or machine has no MPS"),
])
def test_a_device_this_machine_lacks_is_one_line(monkeypatch, name, message):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(UserError) as error:
        resolve_device(name)
    assert str(error.value) == message


def test_fp16_needs_cuda():
    with pytest.raises(UserError, match="--precision fp16 needs a CUDA GPU .* on cpu use --precision bf16"):
        check_precision(CPU, "fp16")
    check_precision(CPU, "bf16")
    check_precision(CPU, "fp32")


@pytest.mark.parametrize("precision, dtype", [("fp32", torch.float32), ("bf16", torch.bfloat16)])
def test_autocast_runs_a_matrix_product_at_the_precision_asked(precision, dtype):
    a = torch.ones(4, 4)
    with autocast(CPU, precision):
        assert (a @ a).dtype == dtype


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_no_loss_scaling_off_cuda(precision):
    assert not loss_scaling(CPU, precision).is_enabled()


def test_a_strided_window_reaches_the_device_unchanged():
    streams = torch.arange(60).reshape(3, 20)
    window = streams[:, 5:13], streams[:, 6:14]  # as a batch's inputs and targets are sliced
    moved = to_device(CPU, *window)
    assert [t.device for t in moved] == [CPU, CPU]
    assert all(torch.equal(m.cpu(), w) for m, w in zip(moved, window))
