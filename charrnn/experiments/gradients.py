"""Gradient flow through time: how much the loss at the end of a window still feels each
earlier hidden state, ||dL_T / dh_k|| for k = T..1.

A vanilla RNN's gradient shrinks (or grows) geometrically with the distance T - k, because
backpropagation multiplies one Jacobian diag(tanh') W_hh per step (Bengio, Simard &
Frasconi 1994; Pascanu, Mikolov & Bengio 2013, arXiv:1211.5063). The LSTM's cell state
is updated additively, c_t = f * c_{t-1} + i * g, so its gradient is scaled by the forget
gate alone and can survive many steps (Hochreiter & Schmidhuber 1997).

Method: the fused nn.LSTM / nn.GRU / nn.RNN hides its per-step states inside one kernel, so
the window is run one character at a time through the model's own recurrent stack, and
each step's state h_k (every layer of it, shape (layers, B, H)) is kept with
`retain_grad()`. The loss at the last step is computed from h_T itself, so one backward
pass fills h_k.grad = dL_T/dh_k for every k. One step per call is slow for training, but
fine at the sizes this is used at.
"""

import torch
import torch.nn.functional as F

from charrnn.data import corpus as corpora
from charrnn.data.batches import BatchStream
from charrnn.data.vocab import Vocabulary


def hidden_states(state):
    """The h part of a recurrent state: the tensor itself (GRU, RNN) or its first part."""
    return state[0] if isinstance(state, tuple) else state


def gradient_norms(model, inputs, targets):
    """||dL_T/dh_k|| for k = 1..T, averaged over the batch: a float tensor of length T.

    inputs, targets: (B, T) token ids. L_T is the cross-entropy of the last step alone,
    summed over the batch so each sequence gets its own, unscaled gradient; the norm is
    over all layers' h_k of one sequence, then averaged over the sequences. The backward
    pass also adds into the parameters' .grad (mean_gradient_norms clears them).
    """
    was_training = model.training
    model.eval()  # no dropout: measure the function itself
    states, state = [], None
    with torch.enable_grad():
        embedded = model.embed(inputs)
        for k in range(inputs.shape[1]):
            _, state = model.rnn(embedded[:, k:k + 1], state)
            hidden_states(state).retain_grad()
            states.append(hidden_states(state))
        # For a one-step call the top layer's output equals its final h; reading the logits
        # from h_T makes every path from h_k to L_T go through the kept states.
        logits = model.head(states[-1][-1])
        F.cross_entropy(logits, targets[:, -1], reduction="sum").backward()
    model.train(was_training)
    norms = [h.grad.transpose(0, 1).flatten(1).norm(dim=1).mean() for h in states]
    return torch.stack(norms).detach()


def windows(ids, batch_size, seq_len, count):
    """`count` (inputs, targets) windows of real text, spread evenly over the token ids."""
    stream = BatchStream(ids, batch_size, seq_len)
    picks = torch.linspace(0, stream.batches_per_epoch - 1, count).round().long().unique()
    return [stream.batch(int(i)) for i in picks]


class Windows(list):
    """Windows of token ids, and the vocabulary that encoded them."""

    def __init__(self, batches, vocab):
        super().__init__(batches)
        self.vocab = vocab


class WindowCache:
    """Real-text windows per (corpus, vocabulary), each corpus read once."""

    def __init__(self, corpus, batch_size, seq_len, count):
        self.corpus, self.shape, self.made, self.texts = corpus, (batch_size, seq_len, count), {}, {}

    def __call__(self, spec, vocab):
        spec = self.corpus or spec
        if spec not in self.texts:
            self.texts[spec] = corpora.load_text(spec)
        text = self.texts[spec]
        vocab = vocab or Vocabulary.from_text(text)
        key = (spec, tuple(vocab.chars))
        if key not in self.made:
            ids = torch.tensor(vocab.encode(vocab.without_unknown(text)), dtype=torch.long)
            self.made[key] = Windows(windows(ids, *self.shape), vocab)
        return self.made[key]


def mean_gradient_norms(model, batches):
    """gradient_norms averaged over several windows; a list of T floats, index k-1 for h_k."""
    model.zero_grad(set_to_none=True)
    total = sum(gradient_norms(model, inputs, targets) for inputs, targets in batches)
    model.zero_grad(set_to_none=True)
    return (total / len(batches)).tolist()


def fresh_model(kind, vocab_size, model_config, seed, forget_bias=None):
    """A newly initialised CharRNN of the given kind, otherwise shaped like model_config;
    with forget_bias, its forget (LSTM) or update (GRU) gates start at that bias."""
    from dataclasses import replace

    from charrnn.model.model import CharRNN

    torch.manual_seed(seed)
    model = CharRNN(vocab_size, replace(model_config, model=kind))
    if forget_bias is not None:
        set_forget_bias(model, forget_bias)
    return model


@torch.no_grad()
def set_forget_bias(model, value):
    """Start the gates that keep the old state at bias `value`: the LSTM's forget gate f
    and the GRU's update gate z (h' = (1 - z) n + z h). The vanilla RNN has none.

    With torch's default init these gates start near sigmoid(0) = 1/2, so the state, and
    its gradient, halves at every step; a bias of 1 or more lets the network remember
    from the start (Gers, Schmidhuber & Cummins 2000; Jozefowicz, Zaremba & Sutskever
    2015). Both gates sit in rows [n, 2n) of torch's and charrnn.model.cells' layouts (LSTM
    i, f, g, o; GRU r, z, n). Fused modules add two bias vectors, so the second one's
    slice is zeroed and the sum is `value`.
    """
    if model.config.model not in ("lstm", "gru", "peephole", "phased"):
        return
    hidden = model.config.hidden
    keep = slice(hidden, 2 * hidden)
    for name, parameter in model.rnn.named_parameters():
        if name.startswith("bias_ih") or name.endswith(".bias"):
            parameter[keep] = value
        elif name.startswith("bias_hh"):
            parameter[keep] = 0.0


def compare(models, batches):
    """{label: norms} for several models on the same windows (see mean_gradient_norms)."""
    return {label: mean_gradient_norms(model, batches) for label, model in models.items()}
