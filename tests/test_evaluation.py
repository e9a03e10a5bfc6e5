"""charrnn.train.evaluation: loss, bits per character, perplexity and accuracy against
cross-entropy worked out by hand; the hidden state carried from window to window; and the
checks on the text to score."""

import math

import pytest
import torch
from torch import nn

from charrnn.data.batches import validation_stream
from charrnn.run.config import ModelConfig
from charrnn.errors import UserError
from charrnn.train.evaluation import encode_text, evaluate, score_ids, scores
from charrnn.model.model import CharRNN
from charrnn.data.vocab import Vocabulary


class NextCharTable(nn.Module):
    """Logits for the next character read from a table by the current one, so every
    probability is known: after 0, 1 has probability 3/4; after 1, 0 has."""

    def __init__(self):
        super().__init__()
        self.table = nn.Parameter(torch.log(torch.tensor([[1.0, 3.0], [3.0, 1.0]])))

    def forward(self, tokens, state=None):
        return self.table[tokens], state


def stream(pattern, repeats=4):
    """One stream (batch 1) of windows of 4 over the pattern repeated, plus one character."""
    ids = torch.tensor(pattern * repeats + pattern[:1])
    return validation_stream(ids, batch_size=1, seq_len=4)


# Alternating text: every next character has probability 3/4 and is the likeliest.
# In pairs (0 0 1 1 ...): half the next characters have 3/4, half 1/4 and are missed.
@pytest.mark.parametrize("pattern, loss, accuracy", [
    ([0, 1], math.log(4 / 3), 1.0),
    ([0, 0, 1, 1], (math.log(4 / 3) + math.log(4)) / 2, 0.5),
])
def test_scores_equal_the_cross_entropy_worked_out_by_hand(pattern, loss, accuracy):
    got = evaluate(NextCharTable(), stream(pattern, repeats=16 // len(pattern)), "cpu")
    assert got["loss"] == pytest.approx(loss, rel=1e-6)
    assert got["bpc"] == pytest.approx(loss / math.log(2), rel=1e-6)
    assert got["perplexity"] == pytest.approx(math.exp(loss), rel=1e-6)
    assert got["accuracy"] == accuracy and got["chars"] == 16


def test_max_batches_scores_only_the_first_windows():
    assert evaluate(NextCharTable(), stream([0, 1]), "cpu", max_batches=1)["chars"] == 4


def test_a_huge_loss_still_has_a_finite_perplexity():
    assert scores(800.0, 0.0, 10)["perplexity"] == math.exp(700)


@pytest.fixture
def model():
    torch.manual_seed(0)
    return CharRNN(5, ModelConfig(model="lstm", layers=2, hidden=8, embedding=4))


def test_the_state_is_carried_across_windows(model):
    """Windows of 4 with the state carried score the text as one window of 16 does; the
    same windows each started afresh score it differently."""
    ids = torch.randint(0, 5, (17,), generator=torch.Generator().manual_seed(1))
    whole = evaluate(model, validation_stream(ids, 1, 16), "cpu")["loss"]
    windows = evaluate(model, validation_stream(ids, 1, 4), "cpu")["loss"]
    assert windows == pytest.approx(whole, rel=1e-5)
    fresh = sum(evaluate(model, validation_stream(ids[i:i + 5], 1, 4), "cpu")["loss"]
                for i in range(0, 16, 4)) / 4
    assert fresh != pytest.approx(whole, rel=1e-3)


@pytest.mark.parametrize("training", [True, False])
def test_evaluation_leaves_the_model_in_its_mode(model, training):
    model.train(training)
    evaluate(model, validation_stream(torch.arange(5).repeat(4), 1, 4), "cpu")
    assert model.training is training


VOCAB = Vocabulary(list("abc"))


def test_text_is_encoded_with_unknown_characters_skipped_and_counted():
    assert encode_text(VOCAB, "abxcay", "skip", "f.txt") == ([0, 1, 2, 0], 2)


@pytest.mark.parametrize("text, unknown, message", [
    ("abxcy", "error", "f.txt has characters the model's vocabulary lacks: 'x' (U+0078), "
                       "'y' (U+0079); pass --unknown skip to leave them out"),
    ("axyz", "skip", "f.txt is too short to score: it needs at least 2 known characters"),
])
def test_text_that_cannot_be_scored_is_one_clear_line(text, unknown, message):
    with pytest.raises(UserError) as error:
        encode_text(VOCAB, text, unknown, "f.txt")
    assert str(error.value) == message


@pytest.mark.parametrize("batch_size, seq_len, max_batches", [(0, 4, 0), (1, 0, 0), (1, 4, -1)])
def test_sizes_that_cannot_be_laid_out_are_refused(model, batch_size, seq_len, max_batches):
    with pytest.raises(UserError, match="--batch-size and --seq-len must be at least 1"):
        score_ids(model, [0, 1, 2, 3, 4] * 4, batch_size, seq_len, "cpu", max_batches)


def test_scoring_ids_lays_them_out_as_validation_does(model):
    ids = [0, 1, 2, 3, 4] * 4
    direct = evaluate(model, validation_stream(torch.tensor(ids), 2, 3), "cpu")
    assert score_ids(model, ids, 2, 3, "cpu", 0) == direct
