"""Tests for charrnn.model.parameters: the formulas that predict a layer's parameter count."""

from charrnn.model.parameters import layer_formula, one_bias_formula


def test_lstm_formulas():
    d, n = 16, 64
    assert layer_formula("lstm", d, n) == ("4(nd + n^2 + 2n)", 4 * (n * d + n * n + 2 * n))
    assert one_bias_formula("lstm", d, n) == ("4(nd + n^2 + n)", 4 * (n * d + n * n + n))
    assert one_bias_formula("rnn", d, n)[0] == "(nd + n^2 + n)"
    assert one_bias_formula("gru", d, n)[1] == 3 * (n * d + n * n + n) + n
    assert one_bias_formula("peephole", d, n) is None
