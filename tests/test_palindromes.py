"""Tests for charrnn.experiments.palindromes: the data are palindromes whose answer lies L - 1 steps
back, training learns a short one, and a run is reproducible."""

import pytest
import torch

from charrnn.experiments import palindromes as task

FAST = task.Settings(hidden=32, embedding=8, batch_size=32, steps=300, lr=1e-2,
                     eval_every=25, eval_size=300, target=0.99)


@pytest.mark.parametrize("length", [2, 3, 4, 5, 10, 31])
def test_sequences_are_digit_palindromes(length):
    sequences = task.palindromes(200, length, torch.Generator().manual_seed(length))
    assert sequences.shape == (200, length)
    assert torch.equal(sequences, sequences.flip(1))
    assert sequences.min() >= 0 and sequences.max() < task.DIGITS


@pytest.mark.parametrize("length", [5, 12])
def test_only_the_first_digit_gives_the_answer_away(length):
    inputs, target = task.split(task.palindromes(5000, length, torch.Generator().manual_seed(0)))
    assert inputs.shape == (5000, length - 1)
    assert torch.equal(target, inputs[:, 0])
    # Every digit shows up as an answer, about equally often.
    counts = torch.bincount(target, minlength=task.DIGITS).float()
    assert counts.min() > 0.8 * counts.mean()
    # The digits in between carry no information about the answer.
    for position in range(1, length // 2):
        assert (inputs[:, position] == target).float().mean() < 0.13


@pytest.mark.parametrize("length", [0, 1])
def test_too_short_lengths_are_refused(length):
    with pytest.raises(ValueError):
        task.palindromes(3, length)


def test_generation_is_seeded():
    first = task.palindromes(50, 9, torch.Generator().manual_seed(7))
    second = task.palindromes(50, 9, torch.Generator().manual_seed(7))
    assert torch.equal(first, second)
    assert not torch.equal(first, task.palindromes(50, 9, torch.Generator().manual_seed(8)))


def test_an_lstm_learns_length_5():
    result = task.train_one("lstm", 5, FAST)
    assert result.accuracy > 0.95
    assert result.steps <= FAST.steps and result.model == "lstm" and result.length == 5


def test_untrained_models_score_near_chance():
    model = task.build_model("rnn", FAST)
    score = task.accuracy(model, task.palindromes(2000, 8, torch.Generator().manual_seed(0)))
    assert abs(score - task.CHANCE) < 0.1


def test_runs_are_reproducible():
    settings = task.Settings(hidden=8, embedding=4, batch_size=16, steps=20, eval_every=10,
                             eval_size=100)
    seen = []
    first = task.run(["rnn", "gru"], [4, 6], settings, on_result=seen.append)
    second = task.run(["rnn", "gru"], [4, 6], settings)
    assert [(r.model, r.length) for r in seen] == [("rnn", 4), ("gru", 4), ("rnn", 6), ("gru", 6)]
    assert [[(r.accuracy, r.steps) for r in rs] for rs in first.values()] == \
        [[(r.accuracy, r.steps) for r in rs] for rs in second.values()]
