"""Beam search against greedy decoding, against exhaustive search, and against the model's
own teacher-forced scoring (model.forward, not the Stepper the search steps with)."""

import itertools

import pytest
import torch

from charrnn.sample.beam import search
from charrnn.run.config import ModelConfig
from charrnn.model.model import CharRNN
from charrnn.sample.sampling import SampleSettings, generate_samples, start_ids
from charrnn.data.vocab import Vocabulary

KINDS = ["lstm", "gru", "rnn", "peephole"]  # the fused kinds and one the Stepper runs unfused


def tiny_model(kind, seed, chars="abcde \n"):
    torch.manual_seed(seed)
    vocab = Vocabulary.from_text(chars)
    config = ModelConfig(model=kind, layers=2, hidden=8, embedding=4)
    return CharRNN(len(vocab), config).eval(), vocab


def log_prob(model, vocab, prime, text):
    """Summed log-probability of `text` after `prime`, by one teacher-forced forward pass."""
    context = start_ids(vocab, prime)
    ids = context + vocab.encode(text)
    with torch.no_grad():
        logits, _ = model(torch.tensor([ids[:-1]]))
    log_probs = torch.log_softmax(logits[0].double(), -1)
    return sum(log_probs[i, ids[i + 1]].item() for i in range(len(context) - 1, len(ids) - 1))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("prime, stop", [("", ""), ("ab", ""), ("ab", "a"), ("", "c "), ("e", "\n")])
def test_a_beam_of_one_is_greedy_decoding(kind, prime, stop):
    for seed in range(3):
        model, vocab = tiny_model(kind, seed)
        settings = SampleSettings(length=40, temperature=0, prime=prime, stop=stop)
        greedy = generate_samples(model, vocab, settings)[0]
        found = search(model, vocab, 1, 40, prime, stop)
        assert (found.text, found.stopped) == (greedy.text, greedy.stopped)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("width", [2, 5, 16])
@pytest.mark.parametrize("stop", ["", " "])
def test_a_wider_beam_never_scores_below_greedy(kind, seed, width, stop):
    model, vocab = tiny_model(kind, seed)
    greedy = search(model, vocab, 1, 30, "a", stop)
    found = search(model, vocab, width, 30, "a", stop)
    assert found.score >= greedy.score
    # ...under the model's own scoring too, not only the search's bookkeeping.
    scored = log_prob(model, vocab, "a", found.text + stop * found.stopped)
    assert scored == pytest.approx(found.log_prob, abs=1e-5)
    assert scored / found.length >= log_prob(model, vocab, "a", greedy.text + stop * greedy.stopped) \
        / greedy.length - 1e-6


def exhaustive_best(model, vocab, prime, length, stop):
    """The best continuation by mean log-probability among every one the search could end
    with: `length` characters without the stop character, or fewer ending at it."""
    others = [c for c in vocab.chars if c != stop]
    texts = ["".join(t) for t in itertools.product(others, repeat=length)]
    if stop:
        texts += ["".join(t) + stop for n in range(length) for t in itertools.product(others, repeat=n)]
    return max(texts, key=lambda text: log_prob(model, vocab, prime, text) / len(text))


@pytest.mark.parametrize("kind", ["lstm", "gru"])
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("stop", ["", "b"])
def test_a_beam_as_wide_as_every_prefix_finds_the_best_text(kind, seed, stop):
    model, vocab = tiny_model(kind, seed, chars="ab\n")
    best = exhaustive_best(model, vocab, "a", 4, stop)
    found = search(model, vocab, 3 ** 4, 4, "a", stop)
    assert found.text + stop * found.stopped == best


def test_the_length_bounds_the_search_and_the_stop_is_not_shown():
    model, vocab = tiny_model("lstm", 0)
    for length in (1, 7):
        found = search(model, vocab, 3, length, "ab", "")
        assert len(found.text) == found.length == length and not found.stopped
    found = search(model, vocab, 3, 50, "ab", "c")
    assert "c" not in found.text
