"""Sampling whole ABC tunes: start from a header, end at the tune delimiter, number them.

A tune is complete when the model writes the delimiter (a blank line, as ABC 2.1 ends a
tune); one that reaches the length cap first is dropped and another is drawn. With a key
asked for, the model writes the rest of the header itself and the K: line is put in when
the header ends, so any corpus's header style works.
"""

import re
from dataclasses import dataclass, replace

from charrnn.music.tunes import TUNE_END
from charrnn.sampling import generate_samples

ROUNDS_PER_TUNE = 5  # draws allowed per tune before giving up on complete ones


@dataclass
class TuneHeader:
    title: str = ""
    meter: str = ""
    key: str = ""
    prime: str = ""  # any ABC header text the user gives instead of (or before) the fields


def header_prime(header):
    """The text every tune starts from: X:1, then the fields asked for (K: comes later)."""
    text = header.prime or "X:1\n"
    if not text.startswith("X:"):
        text = "X:1\n" + text
    if text and not text.endswith("\n"):
        text += "\n"
    if header.title:
        text += f"T:{header.title}\n"
    if header.meter:
        text += f"M:{header.meter}\n"
    return text


def sample_tune(model, vocab, header, settings):
    """One tune (or None if the length cap came first), prime included."""
    prime = header_prime(header)
    if header.key:
        # The model finishes the header up to where it would write K:, then the key is set.
        # The prime loses its last newline so that a K: written at once is caught too.
        head = draw(model, vocab, replace(settings, prime=prime[:-1], stop="\nK:"))
        if head is None or TUNE_END in head:
            return None
        prime = prime[:-1] + head + f"\nK:{header.key}\n"
    body = draw(model, vocab, replace(settings, prime=prime, stop=TUNE_END))
    return None if body is None else (prime + body).rstrip("\n") + "\n"


def draw(model, vocab, settings):
    """One sample's text, or None when it ran out of length before its stop string."""
    sample = generate_samples(model, vocab, replace(settings, num_samples=1))[0]
    return sample.text if sample.stopped else None


def sample_tunes(model, vocab, count, header, settings, on_tune=None):
    """`count` complete tunes numbered X:1..count, and how many draws ran too long."""
    tunes, too_long, seed = [], 0, settings.seed
    for attempt in range(count * ROUNDS_PER_TUNE):
        if len(tunes) == count:
            break
        attempt_seed = None if seed is None else seed + attempt
        tune = sample_tune(model, vocab, header, replace(settings, seed=attempt_seed))
        if tune is None:
            too_long += 1
            continue
        tune = renumber(tune, len(tunes) + 1)
        tunes.append(tune)
        if on_tune:
            on_tune(tune)
    return tunes, too_long


def renumber(tune, number):
    return re.sub(r"\AX:[^\n]*", f"X:{number}", tune, count=1)
