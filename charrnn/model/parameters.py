"""Parameter counts of a CharRNN, part by part, beside the formulas that predict them."""

import re

# Gate blocks per layer: each block has an input matrix, a recurrent matrix and biases.
GATES = {"lstm": 4, "gru": 3, "rnn": 1, "peephole": 4, "phased": 4}


def gate_factor(gates):
    return "" if gates == 1 else str(gates)


def layer_formula(kind, d, n):
    """(formula, value) of a recurrent layer's parameters as torch stores them,
    for input width d and hidden width n."""
    g = GATES[kind]
    if kind == "peephole":  # one bias, plus three diagonal peephole vectors
        return "4(nd + n^2 + n) + 3n", 4 * (n * d + n * n + n) + 3 * n
    if kind == "phased":  # the peephole layer, plus period, shift and open ratio per unit
        return "4(nd + n^2 + n) + 6n", 4 * (n * d + n * n + n) + 6 * n
    return f"{gate_factor(g)}(nd + n^2 + 2n)", g * (n * d + n * n + 2 * n)


def one_bias_formula(kind, d, n):
    """The count with no redundant bias, for the fused kinds; None for the others.

    torch's nn.LSTM/GRU/RNN keep two bias vectors, b_ih and b_hh. In the LSTM and the
    vanilla RNN only their sum ever appears, so one would do. In the GRU, b_hn sits inside
    r * (W_hn h + b_hn) (torch.nn.GRU's equations), so that one part is not redundant.
    """
    g = GATES[kind]
    if kind == "gru":
        return "3(nd + n^2 + n) + n", 3 * (n * d + n * n + n) + n
    if kind in ("lstm", "rnn"):
        return f"{gate_factor(g)}(nd + n^2 + n)", g * (n * d + n * n + n)
    return None


def recurrent_layer_of(name):
    """The layer index in a recurrent parameter's name (weight_ih_l0, layers.0.bias)."""
    match = re.search(r"_l(\d+)(?:_|$)", name) or re.search(r"layers\.(\d+)\.", name)
    return int(match.group(1)) if match else None


def parameter_rows(model):
    """[{part, params, formula, formula_value, one_bias, one_bias_value}] then a total row;
    counts from model.named_parameters() (a tied matrix counted once)."""
    config, counts = model.config, {}
    for name, parameter in model.named_parameters():
        module, rest = name.split(".", 1)
        part = f"rnn layer {recurrent_layer_of(rest)}" if module == "rnn" else module
        counts[part] = counts.get(part, 0) + parameter.numel()
    rows = []
    for part, count in counts.items():
        row = {"part": part, "params": count}
        if part.startswith("rnn layer"):
            d = config.embedding if part.endswith(" 0") else config.hidden
            row.update(layer_formula_fields(config.model, d, config.hidden))
        else:
            row.update(end_formula(part, model.vocab_size, config))
        rows.append(row)
    rows.append({"part": "total", "params": sum(r["params"] for r in rows)})
    return rows


def end_formula(part, vocab_size, config):
    """The embedding (V x E) and output head (V x n weights, V biases; the weight is the
    embedding's when tied) counts, for vocabulary size V."""
    v, n = vocab_size, config.hidden
    if part == "embed":
        return {"formula": "VE", "formula_value": v * config.embedding, "V": v, "E": config.embedding}
    if part == "head" and config.tie_weights:
        return {"formula": "V (weight tied to embed)", "formula_value": v, "V": v}
    if part == "head":
        return {"formula": "Vn + V", "formula_value": v * n + v, "V": v, "n": n}
    return {}


def layer_formula_fields(kind, d, n):
    formula, value = layer_formula(kind, d, n)
    fields = {"d": d, "n": n, "formula": formula, "formula_value": value}
    lean = one_bias_formula(kind, d, n)
    if lean:
        fields.update(one_bias=lean[0], one_bias_value=lean[1])
    return fields
