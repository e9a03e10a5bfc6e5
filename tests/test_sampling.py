import pytest
import torch

from charrnn.run.config import ModelConfig
from charrnn.errors import UserError
from charrnn.model.model import CharRNN
from charrnn.sample.sampling import SampleSettings, StopFilter, clean_prime, generate, generate_samples, pick_next
from charrnn.data.vocab import Vocabulary


@pytest.fixture
def model_and_vocab():
    torch.manual_seed(0)
    vocab = Vocabulary.from_text("abcdefgh \n")
    return CharRNN(len(vocab), ModelConfig(hidden=8, embedding=4, layers=1)).eval(), vocab


def test_greedy_picks_the_argmax():
    logits = torch.tensor([[0.1, 3.0, 0.2], [5.0, 0.0, 0.0]])
    assert pick_next(logits, 0.0).tolist() == [1, 0]


def test_top_k_one_is_greedy_and_top_k_limits_choices():
    g = torch.Generator().manual_seed(0)
    logits = torch.tensor([[1.0, 2.0, 3.0, 0.5]]).repeat(500, 1)
    assert set(pick_next(logits, 1.0, top_k=1, generator=g).tolist()) == {2}
    assert set(pick_next(logits, 5.0, top_k=2, generator=g).tolist()) == {1, 2}


def test_top_p_keeps_the_nucleus():
    g = torch.Generator().manual_seed(0)
    probs = torch.tensor([[0.5, 0.3, 0.15, 0.05]])
    logits = probs.log().repeat(2000, 1)
    assert set(pick_next(logits, 1.0, top_p=0.7, generator=g).tolist()) == {0, 1}
    assert set(pick_next(logits, 1.0, top_p=0.01, generator=g).tolist()) == {0}


def test_temperature_sharpens_and_flattens():
    g = torch.Generator().manual_seed(0)
    logits = torch.tensor([[2.0, 0.0]]).repeat(4000, 1)
    share = lambda t: (pick_next(logits, t, generator=g) == 0).float().mean().item()
    cold, warm, hot = share(0.3), share(1.0), share(10.0)
    assert cold > 0.99 and 0.83 < warm < 0.93 and 0.45 < hot < 0.6  # softmax(2,0)[0] = 0.88


def test_same_seed_same_text_different_seed_different(model_and_vocab):
    model, vocab = model_and_vocab
    settings = SampleSettings(length=60, seed=7, num_samples=3, prime="ab")
    assert generate(model, vocab, settings) == generate(model, vocab, settings)
    other = SampleSettings(length=60, seed=8, num_samples=3, prime="ab")
    assert generate(model, vocab, settings) != generate(model, vocab, other)


def test_streamed_pieces_add_up_to_the_samples(model_and_vocab):
    model, vocab = model_and_vocab
    pieces = {0: [], 1: []}
    texts = generate(model, vocab, SampleSettings(length=50, seed=1, num_samples=2, stop="a"),
                     on_text=lambda i, piece: pieces[i].append(piece))
    assert ["".join(pieces[i]) for i in range(2)] == texts
    assert all("a" not in t for t in texts)


def test_samples_say_whether_the_stop_ended_them(model_and_vocab):
    model, vocab = model_and_vocab
    samples = generate_samples(model, vocab, SampleSettings(length=200, seed=3, num_samples=4, stop="a"))
    for sample in samples:
        assert sample.stopped == (len(sample.text) < 200)


def test_sampling_continues_the_state_instead_of_rerunning_the_context(model_and_vocab):
    """Greedy generation equals greedy decoding by full forward passes over the growing text."""
    model, vocab = model_and_vocab
    text = generate(model, vocab, SampleSettings(length=20, temperature=0.0, prime="ab"))[0]
    context = "ab"
    for _ in range(20):
        logits, _ = model(torch.tensor([vocab.encode(context)]))
        context += vocab.chars[logits[0, -1].argmax().item()]
    assert "ab" + text == context


def test_unknown_prime_characters():
    vocab = Vocabulary.from_text("abc")
    with pytest.raises(UserError, match="'z' \\(U\\+007A\\)"):
        clean_prime(vocab, "abz")
    assert clean_prime(vocab, "azbz", unknown="skip") == "ab"


@pytest.mark.parametrize("stop, text, expected", [
    ("\n\n", "tune\none\n\nnext", "tune\none"),
    ("ab", "xxaxab", "xxax"),
    ("ab", "aaaa", "aaaa"),
    ("", "abc", "abc"),
])
def test_stop_filter(stop, text, expected):
    stop_filter, emitted = StopFilter(stop), []
    for ch in text:
        if not stop_filter.done:
            emitted.append(stop_filter.feed(ch))
    assert stop_filter.finish(lambda i, piece: emitted.append(piece), 0) == expected
    assert "".join(emitted) == expected


def test_draws_follow_the_softmax():
    g = torch.Generator().manual_seed(0)
    probs = torch.tensor([0.5, 0.3, 0.15, 0.05])
    draws = pick_next(probs.log().repeat(40000, 1), 1.0, generator=g)
    frequencies = torch.bincount(draws, minlength=4).float() / len(draws)
    assert torch.allclose(frequencies, probs, atol=0.01)
