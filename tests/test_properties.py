"""Properties that must hold for any input, checked with hypothesis: the vocabulary round
trip, seeded sampling being repeatable, and the stop-string filter of streamed samples.
(The ABC tune splitter's property, that it never loses or duplicates a character of the
tunes, lives in tests/test_music_tunes.py.)"""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from charrnn.run.config import ModelConfig
from charrnn.model.model import CharRNN
from charrnn.sample.sampling import SampleSettings, StopFilter, generate
from charrnn.data.vocab import Vocabulary

ALPHABET = "ab\n"  # few characters, so stop strings and their partial matches are common


# ---- the vocabulary ----------------------------------------------------------------------

@settings(max_examples=100, deadline=None)
@given(st.text(), st.text())
def test_vocabulary_round_trip_on_any_unicode(text, more):
    vocab = Vocabulary.from_text(text + more)
    ids = vocab.encode(text)
    assert vocab.decode(ids) == text
    assert all(0 <= i < len(vocab) for i in ids)
    assert len(vocab) == len(set(text + more))
    # The vocabulary travels in the checkpoint as a plain list; rebuilt, it encodes alike.
    assert Vocabulary(vocab.to_list()).encode(text) == ids


# ---- seeded sampling ----------------------------------------------------------------------

@pytest.fixture(scope="module", params=["lstm", "gru", "peephole"])
def tiny_model(request):
    torch.manual_seed(0)
    vocab = Vocabulary.from_text("abcde\n")
    config = ModelConfig(model=request.param, layers=2, hidden=8, embedding=4)
    return CharRNN(len(vocab), config).eval(), vocab


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), temperature=st.sampled_from([0.0, 0.01, 0.7, 1.0, 3.0]),
       top_k=st.integers(0, 8), top_p=st.floats(0.05, 1.0), num_samples=st.integers(1, 3),
       prime=st.text("abcde\n", max_size=4), stop=st.text("ab", max_size=2))
def test_seeded_sampling_is_repeatable(tiny_model, seed, temperature, top_k, top_p, num_samples,
                                       prime, stop):
    model, vocab = tiny_model
    settings = SampleSettings(length=30, temperature=temperature, top_k=top_k, top_p=top_p,
                              seed=seed, num_samples=num_samples, prime=prime, stop=stop)
    first = generate(model, vocab, settings)
    assert generate(model, vocab, settings) == first
    assert len(first) == num_samples
    for text in first:
        assert len(text) <= 30 and not vocab.unknown(text)
        assert not stop or stop not in text


# ---- the stop-string filter ----------------------------------------------------------------

def feed_all(text, stop):
    """Feed text one character at a time, as generate() does (stopping once done);
    returns the streamed pieces joined, and what finish() returns."""
    stream, streamed = StopFilter(stop), []
    for ch in text:
        streamed.append(stream.feed(ch))
        assert not stop or stop not in "".join(streamed)  # never shown, not even for a moment
        if stream.done:
            break
    pieces = []
    whole = stream.finish(lambda _, piece: pieces.append(piece), 0)
    return "".join(streamed + pieces), whole, stream.done


@settings(max_examples=300, deadline=None)
@given(st.text(ALPHABET, max_size=30), st.text(ALPHABET, min_size=1, max_size=4))
def test_stop_filter_emits_exactly_the_text_before_the_stop_string(text, stop):
    shown, whole, done = feed_all(text, stop)
    expected = text.split(stop, 1)[0]
    assert shown == whole == expected
    assert done == (stop in text)


@pytest.mark.parametrize("text", ["", "a", "ab\nba"])
def test_stop_filter_without_a_stop_string_passes_everything(text):
    assert feed_all(text, "")[:2] == (text, text)
