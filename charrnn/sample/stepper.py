"""Advance a CharRNN one character at a time, fast, for sampling.

Calling the fused nn.LSTM / nn.GRU / nn.RNN with a length-1 sequence pays the kernel's
whole per-call set-up for a handful of small matrix products (on a 2-core CPU a 2x384
LSTM samples ~250 chars/s that way). A Stepper packs the weights once (layer 0's input
projection becomes a per-token table row) and runs each layer as one or two `addmm`s plus
in-place pointwise ops on gate buffers it keeps between calls.

The packed weights are a snapshot: build the Stepper after loading or training, and
build a new one if the weights change. The state has exactly the format `model.forward`
takes and returns, so a prime can run through `model.forward` in one call and stepping
continue from its state, or the other way round.
"""

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class Layer:
    """One packed recurrent layer: x @ w_in + b_in is the input projection (layer 0
    reads it from a per-token table instead), h @ w_hh (+ b_hh for GRU) the recurrent one."""

    w_in: torch.Tensor | None
    b_in: torch.Tensor | None
    w_hh: torch.Tensor
    b_hh: torch.Tensor | None


class Stepper:
    """`step(tokens (B,), state) -> (logits (B, V), state)` for a CharRNN in eval mode.

    Computes the eval-mode function (no dropout). Kinds torch has no fused module for
    (peephole, phased, ...) and unusual fused configurations (bidirectional, projections)
    fall back to calling the model with a length-1 sequence. Gate buffers are reused
    between calls, so one Stepper must not step from two threads at once; the logits and
    states it returns are fresh tensors and never overwritten.
    """

    def __init__(self, model):
        if model.training:
            raise ValueError("Stepper needs a model in eval mode; call model.eval() first")
        self.model = model
        self.device = model.head.weight.device
        self.kind = fused_kind(model.rnn)
        self.fused = self.kind is not None
        self.scratch = {}  # batch size -> per-layer gate buffers and their views
        if self.fused:
            with torch.no_grad():
                self.table, self.layers = pack_recurrent(model.embed.weight, model.rnn, self.kind)
                self.head_w = model.head.weight.detach().t().contiguous()
                self.head_b = model.head.bias.detach().clone()
            self.make_buffers, self.cell = CELLS[self.kind]

    def step(self, tokens, state=None):
        """Feed one token per stream; the logits for the next character and the new state."""
        # no_grad rather than inference_mode: inference tensors in the returned state
        # would break a caller that later feeds it to model.forward with autograd on.
        with torch.no_grad():
            tokens = tokens.to(self.device)
            if not self.fused:
                logits, state = self.model(tokens[:, None], state)
                return logits[:, 0], state
            return self.step_fused(tokens, state)

    def step_fused(self, tokens, state):
        hs, cs = self.split_state(state, tokens.shape[0])
        h_new = torch.empty_like(hs)
        c_new = None if cs is None else torch.empty_like(cs)
        # unbind once rather than indexing per layer: every view is a dispatched op.
        h_in, h_out = hs.unbind(0), h_new.unbind(0)
        # Only the LSTM cell reads c; the other cells get h in its place and ignore it.
        c_in, c_out = (cs.unbind(0), c_new.unbind(0)) if cs is not None else (h_in, h_out)
        x = None
        for index, (layer, bufs) in enumerate(zip(self.layers, self.buffers(tokens.shape[0]))):
            if index == 0:
                torch.index_select(self.table, 0, tokens, out=bufs[0])
            else:
                torch.addmm(layer.b_in, x, layer.w_in, out=bufs[0])
            self.cell(bufs, layer, h_in[index], h_out[index], c_in[index], c_out[index])
            x = h_out[index]
        logits = torch.addmm(self.head_b, x, self.head_w)
        return logits, (h_new if c_new is None else (h_new, c_new))

    def buffers(self, batch):
        """Per-layer gate buffers for this batch size, made once: views cost time per step."""
        if batch not in self.scratch:
            width = self.table.shape[1]
            self.scratch[batch] = [self.make_buffers(self.table.new_empty(batch, width))
                                   for _ in self.layers]
        return self.scratch[batch]

    def split_state(self, state, batch):
        """(h, c) for an LSTM, (h, None) otherwise; zeros when state is None."""
        if state is None:
            shape = (len(self.layers), batch, self.layers[0].w_hh.shape[0])
            zeros = self.table.new_zeros(shape)
            return (zeros, torch.zeros_like(zeros) if self.kind == "lstm" else None)
        if isinstance(state, tuple):
            return state
        return state, None

    def initial_state(self, batch_size):
        """Zeros in the model's state format, for `batch_size` fresh streams."""
        if not self.fused:
            return self.model.initial_state(batch_size, device=self.device)
        h, c = self.split_state(None, batch_size)
        return (h, c) if c is not None else h


def fused_kind(rnn):
    """'lstm', 'gru', 'rnn_tanh' or 'rnn_relu' when the stack can be packed, else None."""
    if getattr(rnn, "bidirectional", False) or getattr(rnn, "proj_size", 0):
        return None
    if type(rnn) is nn.LSTM:
        return "lstm"
    if type(rnn) is nn.GRU:
        return "gru"
    if type(rnn) is nn.RNN:
        return "rnn_" + rnn.nonlinearity
    return None


def pack_recurrent(embedding, rnn, kind):
    """The layer-0 table (vocab, gates*H) and the packed layers, as fresh tensors."""
    layers = []
    for index in range(rnn.num_layers):
        w_ih, w_hh, b_ih, b_hh = layer_weights(rnn, index, kind)
        if kind != "gru":
            # One bias for both projections; GRU keeps b_hn inside r * (W_hn h + b_hn).
            b_ih, b_hh = b_ih + b_hh, None
        if index == 0:
            table = torch.addmm(b_ih, embedding.detach(), w_ih.t())
            layers.append(Layer(None, None, w_hh.t().contiguous(), b_hh))
        else:
            layers.append(Layer(w_ih.t().contiguous(), b_ih, w_hh.t().contiguous(), b_hh))
    return table, layers


def layer_weights(rnn, index, kind):
    """Copies of one layer's (w_ih, w_hh, b_ih, b_hh); LSTM gates reordered i,f,o,g so
    the three sigmoid gates are one contiguous slice (torch stores i,f,g,o)."""
    w_ih = getattr(rnn, f"weight_ih_l{index}").detach()
    w_hh = getattr(rnn, f"weight_hh_l{index}").detach()
    if rnn.bias:
        b_ih = getattr(rnn, f"bias_ih_l{index}").detach()
        b_hh = getattr(rnn, f"bias_hh_l{index}").detach()
    else:
        b_ih = b_hh = w_ih.new_zeros(w_ih.shape[0])
    if kind == "lstm":
        return tuple(reorder_lstm_gates(t) for t in (w_ih, w_hh, b_ih, b_hh))
    return w_ih.clone(), w_hh.clone(), b_ih.clone(), b_hh.clone()


def reorder_lstm_gates(tensor):
    i, f, g, o = tensor.chunk(4, 0)
    return torch.cat([i, f, o, g], 0)


def lstm_scratch(gates):
    """gates (B, 4H) packed i,f,o,g; the sigmoid block, the tanh block and i, f, o."""
    hidden = gates.shape[1] // 4
    sig, g = gates[:, : 3 * hidden], gates[:, 3 * hidden :]
    return (gates, sig, g, *sig.chunk(3, 1))


def lstm_cell(bufs, layer, h, h_out, c, c_out):
    """c' = f*c + i*g, h' = o*tanh(c') (Hochreiter & Schmidhuber 1997, with the forget
    gate of Gers et al. 2000), as torch.nn.LSTM computes it."""
    gates, sig, g, i, f, o = bufs
    gates.addmm_(h, layer.w_hh)
    sig.sigmoid_()
    g.tanh_()
    torch.mul(f, c, out=c_out)
    c_out.addcmul_(i, g)
    torch.tanh(c_out, out=h_out)
    h_out.mul_(o)


def gru_scratch(gates):
    """gates (B, 3H) from the input; a second (B, 3H) for the recurrent projection."""
    hidden = gates.shape[1] // 3
    recurrent = torch.empty_like(gates)
    rz = gates[:, : 2 * hidden]
    return (gates, recurrent, rz, recurrent[:, : 2 * hidden], gates[:, 2 * hidden :],
            recurrent[:, 2 * hidden :], *rz.chunk(2, 1))


def gru_cell(bufs, layer, h, h_out, _c, _c_out):
    """r, z = sigmoid(.), n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = n + z*(h - n)
    (Cho et al. 2014, arXiv:1406.1078, in torch.nn.GRU's form)."""
    gates, recurrent, rz, rz_h, n, n_h, r, z = bufs
    torch.addmm(layer.b_hh, h, layer.w_hh, out=recurrent)
    rz.add_(rz_h).sigmoid_()
    n.addcmul_(r, n_h).tanh_()
    torch.sub(h, n, out=h_out)
    h_out.mul_(z).add_(n)


def rnn_scratch(gates):
    return (gates,)


def tanh_cell(bufs, layer, h, h_out, _c, _c_out):
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh), as torch.nn.RNN."""
    bufs[0].addmm_(h, layer.w_hh)
    torch.tanh(bufs[0], out=h_out)


def relu_cell(bufs, layer, h, h_out, _c, _c_out):
    """h' = relu(W_ih x + b_ih + W_hh h + b_hh), as torch.nn.RNN(nonlinearity="relu")."""
    bufs[0].addmm_(h, layer.w_hh)
    torch.clamp_min(bufs[0], 0.0, out=h_out)  # torch.relu has no out= form


# kind -> (gate buffers and views from a (B, gates*H) tensor, the cell update)
CELLS = {"lstm": (lstm_scratch, lstm_cell), "gru": (gru_scratch, gru_cell),
         "rnn_tanh": (rnn_scratch, tanh_cell), "rnn_relu": (rnn_scratch, relu_cell)}
