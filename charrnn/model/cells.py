"""Recurrent stacks torch does not ship: the peephole LSTM and the phased LSTM.

Each behaves like nn.LSTM(batch_first=True): `forward(x (B, T, input), state=None) ->
(out (B, T, hidden), state)`, where state is a tuple of tensors shaped (layers, B, ·) and
None means zeros, with dropout between layers but not after the last. They are written
in the TorchScript subset, so `torch.jit.script` compiles them; `charrnn.model.model` runs them
eagerly. Hand-written because torch has no peephole or phased LSTM.
"""

import math
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from charrnn.errors import UserError


def build(kind, input_size, hidden, layers, dropout=0.0):
    """The recurrent stack for a model kind torch does not ship ("peephole" or "phased")."""
    stacks = {"peephole": PeepholeLSTM, "phased": PhasedLSTM}
    if kind not in stacks:
        raise UserError(f"no scriptable cell for model {kind!r}; kinds are: {', '.join(stacks)}")
    return stacks[kind](input_size, hidden, layers, dropout)


class PeepholeLayer(nn.Module):
    """One LSTM layer whose gates also see the cell state (Gers & Schmidhuber 2000,
    "Recurrent nets that time and count"), in the form of Graves 2013 (arXiv:1308.0850,
    eqs. 7-11): i and f see c_{t-1}, o sees c_t, and h = o * tanh(c)."""

    def __init__(self, input_size, hidden):
        super().__init__()
        self.hidden_size = hidden
        # Gate rows in nn.LSTM's order (i, f, g, o), so weights copy across unchanged.
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden, hidden))
        self.bias = nn.Parameter(torch.empty(4 * hidden))
        # Diagonal peepholes: each gate sees only its own unit's cell.
        self.peephole_i = nn.Parameter(torch.empty(hidden))
        self.peephole_f = nn.Parameter(torch.empty(hidden))
        self.peephole_o = nn.Parameter(torch.empty(hidden))
        self.init_lstm_weights()

    def extra_repr(self):
        return f"{self.weight_ih.shape[1]}, {self.hidden_size}"

    def init_lstm_weights(self):
        # nn.LSTM's U(-1/sqrt(H), 1/sqrt(H)) for every weight, so model kinds start alike.
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in (self.weight_ih, self.weight_hh, self.bias,
                       self.peephole_i, self.peephole_f, self.peephole_o):
            nn.init.uniform_(weight, -bound, bound)

    def forward(self, x: Tensor, state: List[Tensor]) -> Tuple[Tensor, List[Tensor]]:
        """x (B, T, input), state [h, c] each (B, H) -> out (B, T, H), [h, c] after."""
        h, c = state[0], state[1]
        # The input projection of every step in one matmul; only h @ W_hh stays in the loop.
        gates_x = F.linear(x, self.weight_ih, self.bias).unbind(1)
        w_hh = self.weight_hh.t()
        outs: List[Tensor] = []
        for gx in gates_x:
            h, c = self.step(gx, w_hh, h, c)
            outs.append(h)
        return torch.stack(outs, 1), [h, c]

    def step(self, gates_x: Tensor, w_hh: Tensor, h: Tensor, c: Tensor) -> Tuple[Tensor, Tensor]:
        i, f, g, o = torch.addmm(gates_x, h, w_hh).chunk(4, 1)
        i = torch.sigmoid(i + self.peephole_i * c)
        f = torch.sigmoid(f + self.peephole_f * c)
        c = f * c + i * torch.tanh(g)
        o = torch.sigmoid(o + self.peephole_o * c)
        return o * torch.tanh(c), c


class PhasedLayer(PeepholeLayer):
    """A peephole LSTM layer with the time gate of the phased LSTM (Neil, Pfeiffer & Liu,
    NeurIPS 2016, arXiv:1610.09513, Sec. 2): each unit opens for a fraction r_on of its
    own period tau, shifted by s, and otherwise holds its state (leaking alpha when
    training). The paper's LSTM is the peephole one, hence the subclass."""

    def __init__(self, input_size, hidden, leak=1e-3, r_on=0.05, log_tau_range=(1.0, 6.0)):
        super().__init__(input_size, hidden)
        self.leak = float(leak)
        # Periods log-uniform like the paper's exp(U(a, b)), with the range moved to the
        # time scales of characters: e^1 ~ 3 (a syllable) to e^6 ~ 400 (a short tune).
        # tau and r_on are learnt in log space so a step of the optimiser cannot make
        # them negative, which the paper's raw parameters allow.
        self.log_tau = nn.Parameter(torch.empty(hidden).uniform_(*log_tau_range))
        self.shift = nn.Parameter(torch.rand(hidden) * self.log_tau.detach().exp())
        self.log_r_on = nn.Parameter(torch.full((hidden,), math.log(r_on)))

    def time_gate(self, times: Tensor) -> Tensor:
        """Openness k in [0, 1] of every unit at the given times (..., 1) -> (..., H)."""
        tau = self.log_tau.exp()
        r_on = self.log_r_on.exp()
        phi = torch.remainder(times - self.shift, tau) / tau
        rising = 2.0 * phi / r_on
        # The paper leaks alpha in the closed phase while training only, and 0 at test.
        leak = self.leak if self.training else 0.0
        return torch.where(phi < 0.5 * r_on, rising,
                           torch.where(phi < r_on, 2.0 - rising, leak * phi))

    def forward(self, x: Tensor, state: List[Tensor]) -> Tuple[Tensor, List[Tensor]]:
        """x (B, T, input), state [h, c, t] with t (B, 1) the position of x[:, 0]."""
        h, c, time = state[0], state[1], state[2]
        steps = torch.arange(x.size(1), dtype=time.dtype, device=time.device)
        gates_k = self.time_gate(time.unsqueeze(1) + steps.view(1, -1, 1)).unbind(1)
        gates_x = F.linear(x, self.weight_ih, self.bias).unbind(1)
        w_hh = self.weight_hh.t()
        outs: List[Tensor] = []
        for t in range(len(gates_x)):
            h_new, c_new = self.step(gates_x[t], w_hh, h, c)
            k = gates_k[t]
            c = k * c_new + (1.0 - k) * c
            h = k * h_new + (1.0 - k) * h
            outs.append(h)
        return torch.stack(outs, 1), [h, c, time + x.size(1)]


class LayerStack(nn.Module):
    """Layers run one after another with dropout between them, states kept per layer."""

    def __init__(self, layers, dropout):
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.between = nn.Dropout(dropout)
        self.input_size = layers[0].weight_ih.shape[1]
        self.hidden_size = layers[0].hidden_size
        self.num_layers = len(layers)
        self.batch_first = True

    def run_layers(self, x: Tensor, state: List[Tensor]) -> Tuple[Tensor, List[Tensor]]:
        """state: one (layers, B, ·) tensor per part -> out, the same parts after."""
        finals: List[List[Tensor]] = []
        for i, layer in enumerate(self.layers):
            if i > 0:
                x = self.between(x)
            x, final = layer(x, [part[i] for part in state])
            finals.append(final)
        return x, [torch.stack([f[j] for f in finals]) for j in range(len(state))]

    def zeros(self, x: Tensor, width: int) -> Tensor:
        return x.new_zeros((self.num_layers, x.size(0), width))


class PeepholeLSTM(LayerStack):
    """Stacked peephole LSTM; state (h, c), each (layers, B, hidden)."""

    def __init__(self, input_size, hidden, layers=1, dropout=0.0):
        widths = [input_size] + [hidden] * (layers - 1)
        super().__init__([PeepholeLayer(w, hidden) for w in widths], dropout)

    def forward(self, x: Tensor, state: Optional[Tuple[Tensor, Tensor]] = None
                ) -> Tuple[Tensor, Tuple[Tensor, Tensor]]:
        if state is None:
            state = (self.zeros(x, self.hidden_size), self.zeros(x, self.hidden_size))
        out, final = self.run_layers(x, [state[0], state[1]])
        return out, (final[0], final[1])


class PhasedLSTM(LayerStack):
    """Stacked phased LSTM; state (h, c, t): h and c (layers, B, hidden), t (layers, B, 1)
    the position in the stream of the next character, 0 for a fresh stream. Keeping t in
    the state makes a sequence run in chunks match the same sequence run at once.
    t is float32 (float64 for float64 inputs): exact positions up to 2**24 characters."""

    def __init__(self, input_size, hidden, layers=1, dropout=0.0, leak=1e-3, r_on=0.05,
                 log_tau_range=(1.0, 6.0)):
        widths = [input_size] + [hidden] * (layers - 1)
        super().__init__([PhasedLayer(w, hidden, leak, r_on, log_tau_range) for w in widths],
                         dropout)

    def forward(self, x: Tensor, state: Optional[Tuple[Tensor, Tensor, Tensor]] = None
                ) -> Tuple[Tensor, Tuple[Tensor, Tensor, Tensor]]:
        if state is None:
            # Half precision would count positions exactly only to 2048.
            time_dtype = torch.float64 if x.dtype == torch.float64 else torch.float32
            time = torch.zeros((self.num_layers, x.size(0), 1), dtype=time_dtype, device=x.device)
            state = (self.zeros(x, self.hidden_size), self.zeros(x, self.hidden_size), time)
        out, final = self.run_layers(x, [state[0], state[1], state[2]])
        return out, (final[0], final[1], final[2])
