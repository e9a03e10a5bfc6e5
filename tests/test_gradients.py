"""Tests for charrnn.experiments.gradients: dL_T/dh_k against hand-derived backpropagation, shapes for
every kind, and the vanishing gradient of a vanilla RNN next to an LSTM."""

import pytest
import torch
import torch.nn.functional as F

from charrnn.experiments import gradients
from charrnn.run.config import ModelConfig
from charrnn.model.model import CharRNN

VOCAB, BATCH, TIME = 7, 3, 6
KINDS = ["lstm", "gru", "rnn", "peephole", "phased"]


def tokens(length=TIME + 1, seed=0, vocab=VOCAB, batch=BATCH):
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, vocab, (batch, length), generator=generator)
    return ids[:, :-1], ids[:, 1:]


def model_of(kind, layers=1, hidden=5, seed=0, dropout=0.0):
    torch.manual_seed(seed)
    config = ModelConfig(model=kind, layers=layers, hidden=hidden, embedding=4, dropout=dropout)
    return CharRNN(VOCAB, config).double()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("layers", [1, 2])
def test_one_finite_norm_per_step(kind, layers):
    inputs, targets = tokens()
    norms = gradients.gradient_norms(model_of(kind, layers, dropout=0.5), inputs, targets)
    assert norms.shape == (TIME,)
    assert torch.isfinite(norms).all() and (norms > 0).all()


def test_last_step_matches_the_softmax_gradient():
    """dL_T/dh_T = (softmax(W h_T + b) - onehot(y_T)) W, per sequence."""
    model, (inputs, targets) = model_of("lstm"), tokens()
    norms = gradients.gradient_norms(model, inputs, targets)
    logits, _ = model(inputs)
    probs = F.softmax(logits[:, -1], dim=-1) - F.one_hot(targets[:, -1], VOCAB)
    expected = (probs @ model.head.weight).norm(dim=1).mean()
    assert norms[-1].item() == pytest.approx(expected.item(), rel=1e-9)


def test_matches_the_bptt_recursion_of_a_tanh_rnn():
    """For h_k = tanh(W_ih x_k + W_hh h_{k-1} + b): dL/dh_{k-1} = (dL/dh_k * (1 - h_k^2)) W_hh,
    computed here from the fused forward's outputs, with no autograd."""
    model, (inputs, targets) = model_of("rnn"), tokens()
    norms = gradients.gradient_norms(model, inputs, targets)
    with torch.no_grad():
        logits, _ = model(inputs)
        states, _ = model.rnn(model.embed(inputs))
        grad = (F.softmax(logits[:, -1], -1) - F.one_hot(targets[:, -1], VOCAB)) @ model.head.weight
        expected = [grad.norm(dim=1).mean()]
        for k in range(TIME - 1, 0, -1):
            grad = (grad * (1 - states[:, k] ** 2)) @ model.rnn.weight_hh_l0
            expected.append(grad.norm(dim=1).mean())
    assert torch.allclose(norms, torch.stack(expected[::-1]), rtol=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fresh_rnn_gradient_vanishes_faster_than_an_lstm(seed):
    """torch's default init gives the RNN's W_hh a spectral radius near 1/sqrt(3), so its
    gradient shrinks ~2x per step; an LSTM with forget bias 1 keeps ~0.73 of its cell."""
    config = ModelConfig(layers=1, hidden=16, embedding=8)
    inputs, targets = tokens(length=21, seed=seed, vocab=12, batch=4)
    kept = {}
    for kind, bias in (("rnn", None), ("lstm", 1.0)):
        norms = gradients.gradient_norms(gradients.fresh_model(kind, 12, config, seed, bias),
                                         inputs, targets)
        kept[kind] = (norms[0] / norms[-1]).item()  # 19 steps back, relative to the last
    assert kept["rnn"] * 100 < kept["lstm"]


def test_set_forget_bias_sets_only_the_forget_gate():
    model = gradients.fresh_model("lstm", VOCAB, ModelConfig(layers=2, hidden=3, embedding=4), 0, 2.0)
    for layer in range(2):
        b_ih, b_hh = getattr(model.rnn, f"bias_ih_l{layer}"), getattr(model.rnn, f"bias_hh_l{layer}")
        assert (b_ih[3:6] == 2.0).all() and (b_hh[3:6] == 0.0).all()
        assert (b_ih[:3] != 2.0).all()


@pytest.mark.parametrize("kind", ["peephole", "phased"])
def test_set_forget_bias_on_scriptable_cells(kind):
    model = gradients.fresh_model(kind, VOCAB, ModelConfig(layers=1, hidden=3, embedding=4), 0, 1.5)
    assert (model.rnn.layers[0].bias[3:6] == 1.5).all()


def test_set_forget_bias_sets_the_update_gate_of_a_gru():
    model = gradients.fresh_model("gru", VOCAB, ModelConfig(model="gru", layers=1, hidden=3,
                                                            embedding=4), 0, 2.0)
    assert (model.rnn.bias_ih_l0[3:6] == 2.0).all() and (model.rnn.bias_hh_l0[3:6] == 0.0).all()
    assert (model.rnn.bias_ih_l0[:3] != 2.0).all()


@pytest.mark.parametrize("kind", ["lstm", "gru", "peephole"])
def test_a_forget_bias_keeps_the_gradient_alive(kind):
    """Gates that start near 0.88 instead of 1/2 keep far more gradient over 19 steps."""
    config = ModelConfig(layers=1, hidden=16, embedding=8)
    inputs, targets = tokens(length=21, vocab=12, batch=4)
    kept = []
    for bias in (None, 2.0):
        model = gradients.fresh_model(kind, 12, config, 0, bias)
        norms = gradients.gradient_norms(model, inputs, targets)
        kept.append((norms[0] / norms[-1]).item())
    assert kept[1] > 100 * kept[0]


def test_set_forget_bias_leaves_the_vanilla_rnn_alone():
    config = ModelConfig(model="rnn", layers=1, hidden=3, embedding=4)
    plain = gradients.fresh_model("rnn", VOCAB, config, 0)
    biased = gradients.fresh_model("rnn", VOCAB, config, 0, 3.0)
    assert all(torch.equal(a, b) for a, b in zip(plain.parameters(), biased.parameters()))


def test_windows_are_real_consecutive_text_spread_over_the_corpus():
    ids = torch.arange(1000)
    batches = gradients.windows(ids, batch_size=2, seq_len=10, count=4)
    assert len(batches) == 4
    for inputs, targets in batches:
        assert inputs.shape == targets.shape == (2, 10)
        assert torch.equal(targets, inputs + 1)
    starts = [int(inputs[0, 0]) for inputs, _ in batches]
    assert starts[0] == 0 and starts[-1] >= 480  # reaches the end of the first stream


def test_mean_norms_leave_the_model_as_found():
    model, (inputs, targets) = model_of("gru", dropout=0.3), tokens()
    model.train()
    norms = gradients.mean_gradient_norms(model, [(inputs, targets)] * 2)
    assert len(norms) == TIME
    assert model.training
    assert all(p.grad is None for p in model.parameters())
    assert norms == pytest.approx(gradients.gradient_norms(model, inputs, targets).tolist())
