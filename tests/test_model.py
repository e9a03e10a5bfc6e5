import pytest
import torch

from charrnn.run.config import ModelConfig
from charrnn.model.model import CharRNN, map_state

KINDS = [("lstm", "tanh"), ("gru", "tanh"), ("rnn", "tanh"), ("rnn", "relu")]


@pytest.mark.parametrize("kind, nonlinearity", KINDS)
@pytest.mark.parametrize("layers", [1, 2])
def test_shapes_and_state_carry(kind, nonlinearity, layers):
    torch.manual_seed(0)
    model = CharRNN(5, ModelConfig(model=kind, nonlinearity=nonlinearity, layers=layers,
                                   hidden=4, embedding=3)).eval()
    tokens = torch.randint(0, 5, (2, 6))
    logits, state = model(tokens)
    assert logits.shape == (2, 6, 5)
    first, mid = model(tokens[:, :4])
    second, _ = model(tokens[:, 4:], mid)
    # Truncated BPTT relies on this: two windows with the state carried equal one long window.
    assert torch.allclose(torch.cat([first, second], 1), logits, atol=1e-6)
    zeros = model.initial_state(2)
    assert all(torch.equal(z, torch.zeros_like(s)) for z, s in
               zip(*(x if isinstance(x, tuple) else (x,) for x in (zeros, state))))


def test_tied_weights_share_one_matrix():
    model = CharRNN(7, ModelConfig(hidden=6, embedding=6, tie_weights=True))
    assert model.head.weight is model.embed.weight
    untied = CharRNN(7, ModelConfig(hidden=6, embedding=6))
    assert model.parameter_count() == untied.parameter_count() - 7 * 6


def test_lstm_parameter_count_matches_formula():
    d, n, v = 3, 4, 5
    model = CharRNN(v, ModelConfig(model="lstm", layers=1, hidden=n, embedding=d))
    # torch stores two bias vectors per gate: 4(nd + n^2 + 2n).
    assert sum(p.numel() for p in model.rnn.parameters()) == 4 * (n * d + n * n + 2 * n)


def test_map_state_handles_tensor_tuple_and_none():
    assert map_state(None, torch.zeros_like) is None
    pair = map_state((torch.ones(1), torch.ones(2)), torch.zeros_like)
    assert isinstance(pair, tuple) and pair[1].sum() == 0
    assert map_state(torch.ones(3), torch.zeros_like).sum() == 0
