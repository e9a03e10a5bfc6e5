"""The character-level language model: embedding -> recurrent stack -> linear head.

The recurrent stack is torch's fused nn.LSTM / nn.GRU / nn.RNN (cuDNN on a GPU), or one of
the scriptable cells in `charrnn.model.cells` for the kinds torch does not ship.
"""

import torch
from torch import nn

FUSED = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


class CharRNN(nn.Module):
    def __init__(self, vocab_size, config):
        super().__init__()
        self.config = config
        self.vocab_size = vocab_size
        self.embed = nn.Embedding(vocab_size, config.embedding)
        self.rnn = build_recurrent(config)
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden, vocab_size)
        if config.tie_weights:
            # Press & Wolf 2017 (arXiv:1608.05859): one matrix for input and output embeddings.
            self.head.weight = self.embed.weight

    def forward(self, tokens, state=None):
        """tokens (batch, time) -> logits (batch, time, vocab), the recurrent state after."""
        x = self.embed(tokens)
        out, state = self.rnn(x, state)
        return self.head(self.drop(out)), state

    def initial_state(self, batch_size, device=None):
        """Zeros shaped like the state forward() returns, for a batch of fresh streams."""
        _, state = self.rnn(torch.zeros(batch_size, 1, self.config.embedding, device=device))
        return map_state(state, torch.zeros_like)

    def parameter_count(self):
        return sum(p.numel() for p in self.parameters())


def build_recurrent(config):
    dropout = config.dropout if config.layers > 1 else 0.0
    if config.model in FUSED:
        extra = {"nonlinearity": config.nonlinearity} if config.model == "rnn" else {}
        return FUSED[config.model](config.embedding, config.hidden, config.layers,
                                   batch_first=True, dropout=dropout, **extra)
    from charrnn.model import cells

    return cells.build(config.model, config.embedding, config.hidden, config.layers, dropout)


def map_state(state, fn):
    """Apply fn to every tensor of a recurrent state (a tensor or a tuple of tensors)."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(fn(s) for s in state)
    return fn(state)

