"""The reader's state (charrnn.music.abc.grammar.state): readers with equal states accept the
same continuations, and every attribute of a reader is in the state or declared outside it."""

import functools
from dataclasses import fields

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from charrnn.music.abc.collections import load_tunes
from charrnn.music.abc.grammar import TuneReader
from charrnn.music.abc.grammar.state import OUTSIDE, TuneState
from charrnn.music.steer.completion import completion
from charrnn.music.steer.constraint import TuneConstraint

# What continuations are written with. A tie (-) is left out: it copies the pitch of the
# note before, which the state keeps only as how many characters it takes (state._last_view),
# so two readers with equal states after C and after D differ on "-C" by design.
ALPHABET = sorted(set("".join(load_tunes("oneills1850")[:40])) - {"-"})


def _with_equal_states(make_reader, tunes):
    """Pairs of different prefixes of `tunes` whose readers have equal states, each with
    the rest of its tune: (prefix, rest, other prefix, its rest)."""
    first, pairs = {}, []
    for tune in tunes:
        reader = make_reader()
        for end, ch in enumerate(tune, 1):
            reader.feed_char(ch)
            if not reader.alive or reader.ended:
                break
            seen = first.setdefault(reader.key(), (tune[:end], tune[end:]))
            if seen[0] != tune[:end]:
                pairs.append(seen + (tune[:end], tune[end:]))
    return pairs[::max(1, len(pairs) // 500)]


@functools.cache
def _readers():
    """(how to make a reader, the pairs of texts it reads to equal states): the checker's
    reader and a sampled tune's, over O'Neill's tunes."""
    tunes = [tune.replace("-", "") for tune in load_tunes("oneills1850")[:40]]
    constraint = TuneConstraint(ALPHABET + ["-"])
    makers = {"check": lambda: TuneReader(lookahead=True), "sampled": constraint.reader}
    return {name: (make, _with_equal_states(make, tunes)) for name, make in makers.items()}


def test_tunes_revisit_states():
    """The property below has pairs to try: a tune's states recur, in other tunes or later."""
    for name, (_, pairs) in _readers().items():
        assert len(pairs) >= 100, name


@pytest.mark.parametrize("kind", ["check", "sampled"])
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_readers_with_equal_states_accept_the_same_continuations(kind, data):
    """Either tune's own rest, with a few characters put in somewhere: after each character
    both readers are alive or both not, and their states are still equal; and the sampler's
    way to the end (a completion) is as long from either, before and after."""
    make, pairs = _readers()[kind]
    one, one_rest, other, other_rest = data.draw(st.sampled_from(pairs))
    rest = data.draw(st.sampled_from([one_rest, other_rest]))
    cut = data.draw(st.integers(0, len(rest)))
    continuation = rest[:cut] + data.draw(st.text(alphabet=ALPHABET, max_size=3)) + rest[cut:]
    a, b = make().feed(one), make().feed(other)
    assert a.key() == b.key()
    assert _to_end(a) == _to_end(b), (one, other)
    for ch in continuation:
        a.feed_char(ch)
        b.feed_char(ch)
        assert (a.alive, a.ended) == (b.alive, b.ended), (one, other, continuation)
        if not a.alive or a.ended:
            break
        assert a.key() == b.key(), (one, other, continuation)
    if a.alive and not a.ended:
        assert _to_end(a) == _to_end(b), (one, other, continuation)


def _to_end(reader):
    """How many characters the completion the sampler relies on takes, or None."""
    text = completion(reader)
    return None if text is None else len(text)


def test_the_state_is_the_cache_key():
    """Equal states are one key: equal, with one hash; a different one is another key."""
    reader = TuneReader().feed("X:1\nT:A\nM:6/8\nK:G\nABc ")
    again = TuneReader().feed("X:1\nT:B\nM:6/8\nK:G\nABc ")  # another title: free text
    other = TuneReader().feed("X:1\nT:A\nM:6/8\nK:G\nABc d")
    assert reader.key() == again.key() and hash(reader.key()) == hash(again.key())
    assert len({reader.key(), again.key(), other.key()}) == 2
    assert isinstance(reader.key(), TuneState) and reader.key().mode == "music"


def test_an_attribute_neither_in_the_state_nor_outside_it_is_refused():
    """A field added to the reader is in its key by construction, or said to be outside."""
    reader = TuneReader().feed("X:1\nT:A\nM:6/8\nK:G\nABc ")
    reader.undeclared = 1
    with pytest.raises(AssertionError, match="undeclared"):
        reader.key()


def test_the_state_and_outside_are_apart():
    assert not {f.name for f in fields(TuneState)} & set(OUTSIDE)
