"""Where a model runs and at what precision: the device choice (`--device auto` picks CUDA,
then MPS, then the CPU), the autocast types each device can run, and the autocast context.
Training, evaluation and sampling all ask this module, so none imports another for it."""

import torch

from charrnn.errors import UserError


def resolve_device(name):
    """The torch device `--device NAME` means here; a device this machine lacks is a UserError."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda asked for, but torch sees no CUDA GPU here")
    if name == "mps" and not torch.backends.mps.is_available():
        raise UserError("--device mps asked for, but this torch build or machine has no MPS")
    return torch.device(name)


def check_precision(device, precision):
    """Refuse autocast types the device cannot run, in one line rather than deep in torch."""
    if precision == "fp16" and device.type != "cuda":
        raise UserError(f"--precision fp16 needs a CUDA GPU (it relies on gradient scaling there); "
                        f"on {device.type} use --precision bf16 or fp32")
    if precision == "bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise UserError("this GPU has no bfloat16 support; use --precision fp16 or fp32")


def autocast(device, precision):
    """The autocast context for `--precision fp32|bf16|fp16` on a device (fp32: autocast off)."""
    if precision == "fp32":
        return torch.autocast(device.type, enabled=False)
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return torch.autocast(device.type, dtype=dtype)


def loss_scaling(device, precision):
    """fp16 on CUDA scales the loss so small gradients do not underflow; elsewhere a no-op."""
    return torch.amp.GradScaler(enabled=precision == "fp16" and device.type == "cuda")


def to_device(device, *tensors):
    """Copy a batch to the device. A training window is a strided slice of the streams,
    which torch would first copy into ordinary (pageable) memory and then copy
    synchronously; staged through page-locked (pinned) memory, the copy to a GPU runs
    asynchronously."""
    if device.type == "cuda":
        tensors = [torch.empty(t.shape, dtype=t.dtype, pin_memory=True).copy_(t) for t in tensors]
    return [t.to(device, non_blocking=True) for t in tensors]
