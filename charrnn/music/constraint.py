"""Which characters of a model's vocabulary keep a tune valid: the grammar as a sampling mask.

Before each character is drawn, every character after which the tune could no longer be
completed into a valid one gets probability zero. A character is allowed when the grammar
(`charrnn.music.grammar`) still accepts the text with it, and a completion
(`charrnn.music.completion`) can end the tune in the characters the length cap leaves, so
near the cap the tune is steered to its end rather than dropped.

Trying every character is thousands of grammar steps, so the answer is cached by the
reader's key: two readers with the same key accept the same continuations, and a tune
revisits the same few hundred states (a bar half full, a note's length being written)
over and over.
"""

import torch

from charrnn.music.completion import completion
from charrnn.music.fields import VALUES
from charrnn.music.grammar import ANNOTATION_MARKS, ANNOTATION_STOPS, TuneReader

_UNREACHABLE = 1 << 30
# Characters left before the cap below which a tune is steered to its end: more than any
# completion takes (closing a chord, a tuplet, the bar, the repeats, parts the header named).
HORIZON = 100
# Sampled tunes keep runs of spaces this short: a model that has lost its way otherwise
# writes spaces without end, each run a state the mask has not seen.
MAX_SPACES = 12

# What a vocabulary needs before any tune can be finished, and how to name it.
ESSENTIALS = {"\n": "a newline", "|": "a bar line |", ":": "a colon", "X": "X (the X: field)",
              "T": "T (the T: title)", "M": "M (the M: meter)", "K": "K (the K: key)"}


class TuneConstraint:
    """The mask for one vocabulary and one set of fixed fields (`--key`, `--meter`)."""

    def __init__(self, chars, fixed=None):
        self.chars = list(chars)
        self.caps = frozenset(self.chars)
        self.index = {ch: i for i, ch in enumerate(self.chars)}
        self.fixed = dict(fixed or {})
        self._needs = {}  # reader key -> characters needed to finish after each char
        self._finish = {}  # reader key -> characters needed to finish from there
        self._alive = {}  # reader key -> which characters keep the tune alive

    def reader(self, prime="") -> TuneReader:
        """A reader for one tune, having read `prime`."""
        return TuneReader(self.caps, require_final_bar=True, fixed=self.fixed, sampled=True,
                          max_spaces=MAX_SPACES, lookahead=True).feed(prime)

    def missing(self, prime="") -> list[str]:
        """What the vocabulary lacks to finish a tune from `prime`; [] when it can."""
        if self.to_finish(self.reader(prime)) is not None:
            return []
        lacking = [what for ch, what in ESSENTIALS.items() if ch not in self.caps]
        if not any(ch in self.caps for ch in "ABCDEFGabcdefg"):
            lacking.append("note letters (A-G, a-g)")
        return lacking or ["the characters to finish a tune from this start"]

    def to_finish(self, reader: TuneReader) -> int | None:
        """Characters a completion needs to end the tune, or None when none can."""
        key = reader.key()
        if key not in self._finish:
            text = completion(reader, self.caps)
            self._finish[key] = None if text is None else len(text)
            if text:
                self._remember_path(reader, text)
        return self._finish[key]

    def _remember_path(self, reader, text):
        """Each state on the way along a completion can end in what is left of it: so
        writing a completion's first character never leaves a longer way to the end, and a
        tune steered to its end near the cap is never stuck. Masks already worked out for
        the states on the way learn the shorter way too."""
        reader = reader.copy()
        for index, ch in enumerate(text):
            before = reader.key()
            reader.feed_char(ch)
            left = len(text) - index - 1
            needs = self._needs.get(before)
            if needs is not None:
                column = self.index[ch]
                needs[column] = min(int(needs[column]), left)
            if left:
                key = reader.key()
                known = self._finish.get(key)
                self._finish[key] = left if known is None else min(known, left)

    def alive_after(self, reader: TuneReader) -> torch.Tensor:
        """For each vocabulary character: whether the tune can still be finished after it.
        A live reader always can be (the grammar refuses every character after which it
        could not), so one step of the grammar per character answers it."""
        key = reader.key()
        cached = self._alive.get(key)
        if cached is None:
            special = _free_text_specials(reader)
            if special is None:
                cached = torch.tensor([_alive_after(reader, ch) for ch in self.chars])
            else:  # one trial stands for every ordinary character
                other = next((ch for ch in self.chars if ch not in special), None)
                ordinary = other is not None and _alive_after(reader, other)
                cached = torch.tensor([_alive_after(reader, ch) if ch in special else ordinary
                                       for ch in self.chars])
            self._alive[key] = cached
        return cached

    def needs(self, reader: TuneReader) -> torch.Tensor:
        """For each vocabulary character: how many characters after it a completion needs
        (a huge number where the character spoils the tune)."""
        key = reader.key()
        cached = self._needs.get(key)
        if cached is None:
            cached = torch.tensor([self._need_after(reader, ch) for ch in self.chars])
            self._needs[key] = cached
        return cached

    def _need_after(self, reader, ch):
        trial = reader.copy()
        trial.feed_char(ch)
        if not trial.alive:
            return _UNREACHABLE
        if trial.ended:
            return 0
        need = self.to_finish(trial)
        return _UNREACHABLE if need is None else need

    def allowed(self, reader: TuneReader, left: int | None = None) -> torch.Tensor:
        """Bool mask over the vocabulary: the characters that keep the tune valid and let
        it end within `left` more characters (this one included); None: no cap. Only near
        the cap are completions written out to count their characters."""
        if left is None or left > HORIZON:
            return self.alive_after(reader)
        return self.needs(reader) < left


def _free_text_specials(reader):
    """In free text (a comment, a title or other field of words, an annotation) every
    character but a few does the same: those few, or None where characters differ."""
    mode = reader.mode
    if mode in ("comment", "music_comment", "field_comment"):
        return "\n"
    if mode == "field" and reader.field_name not in VALUES and reader.field_name != "R" \
            and reader.field_name not in reader.fixed and reader.text.strip():
        return "\n%"
    if mode == "quote" and reader.text[:1] in ANNOTATION_MARKS and reader.text:
        return ANNOTATION_STOPS
    return None


def _alive_after(reader, ch):
    trial = reader.copy()
    trial.feed_char(ch)
    return trial.alive
