"""Tests for charrnn.model.cells: gradient checks for every recurrent kind, state carry, and the
peephole and phased LSTMs against what they must reduce to."""

import math
import warnings

import pytest
import torch
from torch import nn
from torch.func import functional_call

from charrnn.model import cells
from charrnn.run.config import ModelConfig
from charrnn.errors import UserError
from charrnn.model.model import CharRNN

INPUT, HIDDEN, BATCH, TIME = 3, 4, 2, 5
KINDS = ["lstm", "gru", "rnn_tanh", "rnn_relu", "peephole", "phased"]
SCRIPTABLE = ["peephole", "phased"]


def make(kind, layers, dropout=0.0):
    """A float64 recurrent stack of the given kind; phased with its gate kept off its kinks."""
    torch.manual_seed(0)
    if kind in SCRIPTABLE:
        module = cells.build(kind, INPUT, HIDDEN, layers, dropout)
    else:
        fused = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn_tanh": nn.RNN, "rnn_relu": nn.RNN}[kind]
        extra = {"nonlinearity": kind[4:]} if kind.startswith("rnn") else {}
        module = fused(INPUT, HIDDEN, layers, batch_first=True, dropout=dropout, **extra)
    module = module.double()
    if kind == "phased":
        for layer in module.layers:
            place_gate_off_kinks(layer, times=torch.arange(16.0))
    return module


def place_gate_off_kinks(layer, times, margin=0.05):
    """Give each unit a period and shift whose phases at `times` stay `margin` away from
    the gate's corners (0, r_on/2, r_on, wrap), with a leak big enough to carry gradient.
    Finite differences across a corner would disagree with the one-sided derivative."""
    generator = torch.Generator().manual_seed(1)
    r_on = 0.5
    layer.leak = 0.05
    corners = torch.tensor([0.0, r_on / 2, r_on, 1.0], dtype=torch.float64)
    with torch.no_grad():
        layer.log_r_on.fill_(math.log(r_on))
        for unit in range(layer.hidden_size):
            while True:
                tau = 2.0 + 6.0 * torch.rand((), generator=generator, dtype=torch.float64)
                shift = tau * torch.rand((), generator=generator, dtype=torch.float64)
                phi = torch.remainder(times.double() - shift, tau) / tau
                if (phi[:, None] - corners).abs().min() > margin:
                    break
            layer.log_tau[unit] = tau.log()
            layer.shift[unit] = shift


def as_tuple(state):
    return state if isinstance(state, tuple) else (state,)


def like(module, state):
    """A state in the module's own form (a tensor for GRU/RNN, a tuple for the LSTMs)."""
    return state if isinstance(module, (nn.LSTM, cells.LayerStack)) else state[0]


def prefix_state(module, steps=3):
    """A non-zero state (and, for phased, t = steps) from running a random prefix."""
    with torch.no_grad():
        _, state = module(torch.randn(BATCH, steps, INPUT, dtype=torch.float64))
    return as_tuple(state)


@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("kind", KINDS)
def test_gradcheck_inputs_state_and_weights(kind, layers):
    module = make(kind, layers)
    start = prefix_state(module)
    # Phased time is a position, not a differentiable input; h and c are.
    differentiable = [s.clone().requires_grad_() for s in start if s.shape[-1] == HIDDEN]
    fixed = [s for s in start if s.shape[-1] != HIDDEN]
    names = [name for name, _ in module.named_parameters()]
    weights = [p.detach().clone().requires_grad_() for _, p in module.named_parameters()]
    x = torch.randn(BATCH, TIME, INPUT, dtype=torch.float64, requires_grad=True)

    def run(x, *tensors):
        state = tuple(tensors[:len(differentiable)]) + tuple(fixed)
        params = dict(zip(names, tensors[len(differentiable):]))
        out, final = functional_call(module, params, (x, like(module, state)))
        return (out,) + tuple(s for s in as_tuple(final) if s.requires_grad)

    # One layer: every entry checked one by one. Two: the path between layers is what is
    # new, and gradcheck's random-projection mode checks it at a fraction of the cost.
    assert torch.autograd.gradcheck(run, (x, *differentiable, *weights), fast_mode=layers > 1)


def test_phased_gradcheck_visits_every_branch_of_the_time_gate():
    # Guards the gradcheck above against testing one branch only.
    layer = make("phased", 1).layers[0]
    phi = torch.remainder(torch.arange(3.0, 3.0 + TIME)[:, None].double() - layer.shift,
                          layer.log_tau.exp()) / layer.log_tau.exp()
    assert (phi < 0.25).any() and ((phi > 0.25) & (phi < 0.5)).any() and (phi > 0.5).any()


@pytest.mark.parametrize("layers", [1, 3])
@pytest.mark.parametrize("kind", SCRIPTABLE)
def test_shapes_match_nn_lstm(kind, layers):
    module = cells.build(kind, INPUT, HIDDEN, layers, 0.0)
    out, state = module(torch.randn(BATCH, TIME, INPUT))
    assert out.shape == (BATCH, TIME, HIDDEN)
    _, (h, c) = nn.LSTM(INPUT, HIDDEN, layers, batch_first=True)(torch.randn(BATCH, TIME, INPUT))
    assert [s.shape for s in state[:2]] == [h.shape, c.shape]
    if kind == "phased":
        assert state[2].shape == (layers, BATCH, 1)


@pytest.mark.parametrize("split", [1, 2, 4])
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("kind", KINDS)
def test_two_chunks_with_carried_state_equal_one_run(kind, layers, split):
    module = make(kind, layers)
    x = torch.randn(BATCH, TIME, INPUT, dtype=torch.float64)
    whole, whole_state = module(x)
    first, state = module(x[:, :split])
    second, chunked_state = module(x[:, split:], state)
    torch.testing.assert_close(torch.cat([first, second], 1), whole, rtol=0, atol=1e-12)
    for a, b in zip(as_tuple(chunked_state), as_tuple(whole_state)):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)


@pytest.mark.parametrize("layers", [1, 2])
def test_peephole_with_zero_peepholes_is_nn_lstm(layers):
    lstm = nn.LSTM(INPUT, HIDDEN, layers, batch_first=True).double()
    peephole = cells.build("peephole", INPUT, HIDDEN, layers, 0.0).double()
    with torch.no_grad():
        for i, layer in enumerate(peephole.layers):
            layer.weight_ih.copy_(getattr(lstm, f"weight_ih_l{i}"))
            layer.weight_hh.copy_(getattr(lstm, f"weight_hh_l{i}"))
            layer.bias.copy_(getattr(lstm, f"bias_ih_l{i}") + getattr(lstm, f"bias_hh_l{i}"))
            for weight in (layer.peephole_i, layer.peephole_f, layer.peephole_o):
                weight.zero_()
    x = torch.randn(BATCH, TIME, INPUT, dtype=torch.float64)
    state = tuple(torch.randn(layers, BATCH, HIDDEN, dtype=torch.float64) for _ in range(2))
    expected, expected_state = lstm(x, state)
    out, final = peephole(x, state)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-12)
    for a, b in zip(final, expected_state):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)


def test_peephole_step_follows_the_equations():
    # Graves 2013 (arXiv:1308.0850) eqs. 7-11, written out for one step.
    layer = cells.PeepholeLayer(INPUT, HIDDEN)
    x, h, c = torch.randn(BATCH, INPUT), torch.randn(BATCH, HIDDEN), torch.randn(BATCH, HIDDEN)
    i, f, g, o = (x @ layer.weight_ih.T + h @ layer.weight_hh.T + layer.bias).chunk(4, 1)
    i = torch.sigmoid(i + layer.peephole_i * c)
    f = torch.sigmoid(f + layer.peephole_f * c)
    c_next = f * c + i * torch.tanh(g)
    h_next = torch.sigmoid(o + layer.peephole_o * c_next) * torch.tanh(c_next)
    out, (h_after, c_after) = layer(x.unsqueeze(1), [h, c])
    torch.testing.assert_close((out[:, 0], h_after, c_after), (h_next, h_next, c_next))


def test_peepholes_change_the_output():
    peephole = cells.build("peephole", INPUT, HIDDEN, 1, 0.0)
    x = torch.randn(BATCH, TIME, INPUT)
    before, _ = peephole(x)
    with torch.no_grad():
        peephole.layers[0].peephole_f.add_(1.0)
    assert not torch.allclose(peephole(x)[0], before)


@pytest.mark.parametrize("kind", SCRIPTABLE)
def test_dropout_only_between_layers(kind):
    x = torch.randn(BATCH, TIME, INPUT)
    single = cells.build(kind, INPUT, HIDDEN, 1, 0.5).train()
    torch.testing.assert_close(single(x)[0], single(x)[0])
    stacked = cells.build(kind, INPUT, HIDDEN, 2, 0.5).train()
    assert not torch.equal(stacked(x)[0], stacked(x)[0])
    stacked.eval()
    torch.testing.assert_close(stacked(x)[0], stacked(x)[0])


@pytest.mark.parametrize("training, leak", [(True, 0.01), (False, 0.0)])
def test_time_gate_follows_the_paper(training, leak):
    layer = cells.PhasedLayer(INPUT, 1, leak=0.01, r_on=0.2).train(training)
    with torch.no_grad():
        layer.log_tau.fill_(math.log(10.0))
        layer.shift.fill_(-0.5)  # phases (t + 0.5) / 10: off the gate's corners
    k = layer.time_gate(torch.arange(11.0).view(-1, 1)).flatten()
    # rising half (phi 0.05 of r_on 0.2), falling half (0.15), closed (0.25 .. 0.95), again.
    closed = [leak * (t + 0.5) / 10 for t in range(2, 10)]
    torch.testing.assert_close(k, torch.tensor([0.5, 0.5] + closed + [0.5]))


def test_closed_phased_units_hold_their_state_at_eval():
    module = cells.build("phased", INPUT, HIDDEN, 1, 0.0).eval()
    with torch.no_grad():
        layer = module.layers[0]
        layer.log_tau.fill_(math.log(1000.0))
        layer.shift.fill_(-10.0)  # phases 0.010 .. 0.015, past r_on = 0.001
        layer.log_r_on.fill_(math.log(0.001))
    h, c = torch.randn(1, BATCH, HIDDEN), torch.randn(1, BATCH, HIDDEN)
    out, (h_after, c_after, _) = module(torch.randn(BATCH, TIME, INPUT), (h, c, torch.zeros(1, BATCH, 1)))
    torch.testing.assert_close(out, h[0].unsqueeze(1).expand(-1, TIME, -1))
    torch.testing.assert_close((h_after, c_after), (h, c))


def test_phased_time_starts_at_zero_and_counts_positions():
    model = CharRNN(5, ModelConfig(model="phased", layers=2, hidden=HIDDEN, embedding=INPUT))
    zeros = model.initial_state(BATCH)
    assert len(zeros) == 3 and all(not s.any() for s in zeros)
    _, state = model(torch.zeros(BATCH, TIME, dtype=torch.long), zeros)
    _, state = model(torch.zeros(BATCH, 2, dtype=torch.long), state)
    assert torch.equal(state[2], torch.full((2, BATCH, 1), TIME + 2.0))


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("kind", SCRIPTABLE)
def test_torchscript_computes_the_same(kind, layers, training):
    module = cells.build(kind, INPUT, HIDDEN, layers, 0.0).train(training)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            scripted = torch.jit.script(module)
    except (AttributeError, RuntimeError, NotImplementedError) as error:
        pytest.skip(f"torch.jit.script unavailable: {error}")
    x = torch.randn(BATCH, TIME, INPUT)
    out, state = module(x)
    for _ in range(3):  # the profiling executor optimises after the first calls
        scripted_out, scripted_state = scripted(x[:, :2])
        scripted_out, scripted_state = scripted(x[:, 2:], scripted_state)
    torch.testing.assert_close(scripted(x)[0], out)
    torch.testing.assert_close(tuple(scripted_state), tuple(state))


@pytest.mark.parametrize("kind", SCRIPTABLE)
def test_charrnn_learns_a_repeating_sequence(kind):
    torch.manual_seed(0)
    model = CharRNN(3, ModelConfig(model=kind, layers=1, hidden=32, embedding=8))
    tokens = torch.arange(4 * 13).remainder(3).view(4, 13)  # "abcabc..." in 4 streams
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-2)
    losses = []
    for _ in range(100):
        logits, _ = model(tokens[:, :-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, 3), tokens[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    # Well below ln 3, the best a model that ignores its past can do.
    assert losses[-1] < 0.5 * losses[0]


def test_build_rejects_a_kind_it_does_not_have():
    with pytest.raises(UserError, match="lstm"):
        cells.build("lstm", INPUT, HIDDEN, 1, 0.0)
