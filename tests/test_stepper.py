"""Stepper: one character at a time gives the same logits and states as the full forward."""


import pytest
import torch

from charrnn.run.config import ModelConfig
from charrnn.model.model import CharRNN, map_state
from charrnn.sample.stepper import Stepper

VOCAB = 11
FUSED_KINDS = [("lstm", "tanh"), ("gru", "tanh"), ("rnn", "tanh"), ("rnn", "relu")]


def build(kind="lstm", nonlinearity="tanh", layers=2, tied=False, seed=0):
    torch.manual_seed(seed)
    config = ModelConfig(model=kind, nonlinearity=nonlinearity, layers=layers, hidden=6,
                         embedding=6 if tied else 5, dropout=0.25, tie_weights=tied)
    return CharRNN(VOCAB, config).eval()


def step_through(stepper, tokens, state=None):
    """Logits (B, T, V) from stepping token by token, and the state after."""
    logits = []
    for t in range(tokens.shape[1]):
        out, state = stepper.step(tokens[:, t], state)
        logits.append(out)
    return torch.stack(logits, 1), state


def assert_same_state(a, b):
    assert isinstance(a, tuple) == isinstance(b, tuple)
    for x, y in zip(*(s if isinstance(s, tuple) else (s,) for s in (a, b))):
        torch.testing.assert_close(x, y, atol=1e-5, rtol=0)


@pytest.mark.parametrize("kind,nonlinearity", FUSED_KINDS)
@pytest.mark.parametrize("layers", [1, 2, 3])
@pytest.mark.parametrize("tied", [False, True])
@pytest.mark.parametrize("batch", [1, 3])
def test_stepping_matches_full_forward(kind, nonlinearity, layers, tied, batch):
    model = build(kind, nonlinearity, layers, tied)
    stepper = Stepper(model)
    assert stepper.fused
    tokens = torch.randint(VOCAB, (batch, 9))
    with torch.no_grad():
        expected, expected_state = model(tokens)
    logits, state = step_through(stepper, tokens)
    torch.testing.assert_close(logits, expected, atol=1e-5, rtol=0)
    assert_same_state(state, expected_state)


@pytest.mark.parametrize("kind,nonlinearity", FUSED_KINDS)
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("tied", [False, True])
def test_stepping_continues_from_a_primed_state(kind, nonlinearity, layers, tied):
    model = build(kind, nonlinearity, layers, tied)
    prime, tokens = torch.randint(VOCAB, (3, 5)), torch.randint(VOCAB, (3, 7))
    with torch.no_grad():
        _, primed = model(prime)
        expected, _ = model(tokens, primed)
    assert all(s.abs().sum() > 0 for s in (primed if isinstance(primed, tuple) else (primed,)))
    logits, _ = step_through(Stepper(model), tokens, primed)
    torch.testing.assert_close(logits, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("kind,nonlinearity", FUSED_KINDS)
def test_forward_continues_from_a_stepped_state(kind, nonlinearity):
    model = build(kind, nonlinearity, layers=2)
    prime, tokens = torch.randint(VOCAB, (2, 5)), torch.randint(VOCAB, (2, 4))
    _, stepped = step_through(Stepper(model), prime)
    with torch.no_grad():
        expected, _ = model(torch.cat([prime, tokens], 1))
    logits, _ = model(tokens, stepped)  # autograd on: the state must be an ordinary tensor
    torch.testing.assert_close(logits.detach(), expected[:, 5:], atol=1e-5, rtol=0)


@pytest.mark.parametrize("kind,nonlinearity", FUSED_KINDS)
def test_step_leaves_the_given_state_untouched(kind, nonlinearity):
    model = build(kind, nonlinearity)
    with torch.no_grad():
        _, state = model(torch.randint(VOCAB, (2, 4)))
    before = map_state(state, torch.clone)
    Stepper(model).step(torch.tensor([1, 2]), state)
    assert_same_state(state, before)


def test_initial_state_matches_the_model_format():
    for kind, nonlinearity in FUSED_KINDS:
        model = build(kind, nonlinearity, layers=3)
        expected = model.initial_state(4)
        assert_same_state(Stepper(model).initial_state(4), expected)


def test_stepper_is_a_snapshot_of_the_weights():
    model = build("lstm")
    stepper = Stepper(model)
    tokens = torch.randint(VOCAB, (1, 4))
    before, _ = step_through(stepper, tokens)
    with torch.no_grad():
        model.head.bias.add_(1.0)
    after, _ = step_through(stepper, tokens)
    torch.testing.assert_close(after, before)
    rebuilt, _ = step_through(Stepper(model), tokens)
    torch.testing.assert_close(rebuilt, before + 1.0)


def test_training_mode_model_is_refused():
    with pytest.raises(ValueError, match="eval"):
        Stepper(build("gru").train())


class HalvedLSTM(torch.nn.LSTM):
    """A stand-in recurrent module with no fused equivalent: an LSTM whose outputs are halved."""

    def forward(self, x, state=None):
        out, state = super().forward(x, state)
        return out * 0.5, state


def test_unknown_recurrent_module_falls_back_to_the_model():
    model = build("lstm", layers=2)
    model.rnn.__class__ = HalvedLSTM
    stepper = Stepper(model)
    assert not stepper.fused
    tokens = torch.randint(VOCAB, (3, 6))
    with torch.no_grad():
        expected, expected_state = model(tokens)
    logits, state = step_through(stepper, tokens)
    torch.testing.assert_close(logits, expected, atol=1e-5, rtol=0)
    assert_same_state(state, expected_state)


def test_peephole_falls_back_to_the_model():
    model = build("peephole", layers=2)
    stepper = Stepper(model)
    assert not stepper.fused
    tokens = torch.randint(VOCAB, (2, 6))
    with torch.no_grad():
        expected, _ = model(tokens)
    logits, _ = step_through(stepper, tokens)
    torch.testing.assert_close(logits, expected, atol=1e-5, rtol=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("kind,nonlinearity", FUSED_KINDS)
def test_stepping_on_cuda_matches_full_forward(kind, nonlinearity, monkeypatch):
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)  # cuDNN's RNNs default to TF32
    model = build(kind, nonlinearity).cuda()
    tokens = torch.randint(VOCAB, (3, 6), device="cuda")
    with torch.no_grad():
        expected, _ = model(tokens)
    logits, _ = step_through(Stepper(model), tokens)
    assert logits.device.type == "cuda"
    torch.testing.assert_close(logits, expected, atol=1e-4, rtol=1e-4)
