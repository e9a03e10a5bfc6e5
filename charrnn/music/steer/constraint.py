"""Which characters of a model's vocabulary keep a tune valid: the grammar as a sampling mask.

A character is allowed when the grammar (`charrnn.music.abc.grammar`) accepts the text with it
and a completion (`charrnn.music.steer.completion`) can then end the tune, in the characters the
length cap leaves. So every allowed character leads to a state that is known to end: the
sampler can never write itself into a corner, and near the cap the tune is steered to its
end rather than dropped.

Each answer is worked out once per reader state: a move (reader key, character) is cached
with the key it leads to, and each key with the length of the shortest completion found
from it. Two readers with the same key accept the same continuations, and a tune revisits
the same few hundred states (a bar half full, a note's length being written) over and over.
The sampler asks only about the characters it is about to draw (`allows`), so a new state
costs a grammar step or two, not one per vocabulary character.
"""

import torch

from charrnn.music.steer.completion import steps
from charrnn.music.abc.grammar import TuneReader
from charrnn.music.steer.policy import SampledPolicy

UNREACHABLE = 1 << 30  # characters needed after a character that spoils the tune
_DEAD, _ENDED = "dead", "ended"  # where a move leads other than to a live, open tune
# Sampled tunes keep runs of spaces this short: a model that has lost its way otherwise
# writes spaces without end, each run a state not seen before.
MAX_SPACES = 4

# What a vocabulary needs before any tune can be finished, and how to name it.
ESSENTIALS = {"\n": "a newline", "|": "a bar line |", ":": "a colon", "X": "X (the X: field)",
              "T": "T (the T: title)", "M": "M (the M: meter)", "K": "K (the K: key)"}


class TuneConstraint:
    """The mask for one vocabulary, one set of fixed fields (`--key`, `--meter`) and one
    policy of what a sampled tune may write (charrnn.music.steer.policy; None: the hand-written
    limits). The policy is fixed for the constraint's life, so its caches hold for it."""

    def __init__(self, chars, fixed=None, policy=None):
        self.chars = list(chars)
        self.caps = frozenset(self.chars)
        self.fixed = dict(fixed or {})
        self.policy = policy or SampledPolicy.hand_written()
        self._moves = {}  # reader key -> {character: the key it leads to, _DEAD or _ENDED}
        self._finish = {}  # reader key -> the text of a completion from there, or None
        self._trials = {}  # id(reader) -> (reader, {character: the reader after it})
        # Where the grammar says note letters of one case are interchangeable, the first
        # of them in the vocabulary answers for all.
        self._stand_ins = {ch: next(c for c in case if c in self.caps)
                           for case in ("ABCDEFG", "abcdefg") for ch in case if ch in self.caps}

    def reader(self, prime="", form=None) -> TuneReader:
        """A reader for one tune, having read `prime`; `form`: its form plan (a
        charrnn.music.steer.planner.Planner), None for any form."""
        return TuneReader(self.caps, fixed=self.fixed, sampled=True, policy=self.policy,
                          max_spaces=MAX_SPACES, lookahead=True, form=form).feed(prime)

    def start_problem(self, prime) -> str | None:
        """Why no sampled tune can begin with `prime` as it is, or None when one can."""
        reader = self.reader(prime)
        if reader.alive:
            return None
        return (reader.verdict() or [reader.doomed or "it breaks the grammar"])[0]

    def missing(self, prime="") -> list[str]:
        """What the vocabulary lacks to finish a tune from `prime`; [] when it can."""
        if self.to_finish(self.reader(prime)) is not None:
            return []
        lacking = [what for ch, what in ESSENTIALS.items() if ch not in self.caps]
        if not any(ch in self.caps for ch in "ABCDEFGabcdefg"):
            lacking.append("note letters (A-G, a-g)")
        return lacking or ["the characters to finish a tune from this start"]

    def to_finish(self, reader: TuneReader, key=None) -> int | None:
        """Characters a completion needs to end the tune, or None when none can."""
        text = self._completion(reader, reader.key() if key is None else key)
        return None if text is None else len(text)

    def _completion(self, reader, key):
        if key not in self._finish:
            self._finish[key] = self._complete(reader, key)
        return self._finish[key]

    def _complete(self, reader, key):
        """A completion (`charrnn.music.steer.completion`), written chunk by chunk until it
        reaches a state whose way to the end is known; each state on the way learns its
        own way to the end."""
        keys, chunks, tail = [], [], None
        for after, chunk in steps(reader, self.caps):
            chunks.append(chunk)
            if after.ended:
                tail = ""
                break
            after_key = after.key()
            if after_key in self._finish:
                tail = self._finish[after_key]
                break
            keys.append(after_key)
        if tail is None:
            return None
        for index, after_key in enumerate(keys, 1):
            self._finish[after_key] = "".join(chunks[index:]) + tail
        return "".join(chunks) + tail

    def _remember_path(self, reader, key):
        """Each state on the way along the reader's completion can end in what is left of
        it. Asked for when no character fits the characters left before the length cap:
        then the completion's first character always does, as it ends the tune in fewer."""
        text = self._completion(reader, key)
        if text is None:
            return
        reader = reader.copy()
        for index, ch in enumerate(text):
            before = reader.key()
            reader.feed_char(ch)
            rest = text[index + 1:]
            after = reader.key() if rest else _ENDED
            self._moves.setdefault(before, {})[ch] = after
            if rest:
                known = self._finish.get(after)
                if known is None or len(rest) < len(known):
                    self._finish[after] = rest

    def need_after(self, reader: TuneReader, ch: str, key=None) -> int:
        """How many characters after `ch` a completion needs to end the tune (0 where `ch`
        ends it, UNREACHABLE where it spoils it). `key`: the reader's key, if known."""
        key = reader.key() if key is None else key
        moves = self._moves.setdefault(key, {})
        after = moves.get(ch)
        if after is None:
            stand_in = self._stand_ins.get(ch, ch) if reader.letters_interchangeable() else ch
            after = moves.get(stand_in)
            if after is None:
                after = moves[stand_in] = self._move(reader, stand_in)
            moves[ch] = after
        if after is _DEAD:
            return UNREACHABLE
        if after is _ENDED:
            return 0
        rest = self._finish[after]
        return UNREACHABLE if rest is None else len(rest)

    def _move(self, reader, ch):
        trial = reader.copy()
        trial.feed_char(ch)
        self._trials.setdefault(id(reader), (reader, {}))[1][ch] = trial
        if not trial.alive:
            return _DEAD
        if trial.ended:
            return _ENDED
        key = trial.key()
        self.to_finish(trial, key)
        return key

    def advance(self, reader: TuneReader, ch: str) -> TuneReader:
        """The reader after `ch`: the one tried for the mask, when one was (a grammar step
        saved), else a copy of `reader` having read it. `reader` itself is left as it was,
        for the sampler may go back to it."""
        held, trials = self._trials.pop(id(reader), (None, {}))
        if held is reader and ch in trials:
            return trials[ch]
        return reader.copy().feed(ch)

    def forget(self, reader: TuneReader):
        """A reader no stream goes on from: the readers tried from it are let go."""
        self._trials.pop(id(reader), None)

    def allows(self, reader: TuneReader, ch: str, left: int | None = None, key=None) -> bool:
        """Whether `ch` keeps the tune valid and lets it end within `left` more characters
        (`ch` included); None: no cap."""
        return self.need_after(reader, ch, key) < (UNREACHABLE if left is None else left)

    def allowed(self, reader: TuneReader, left: int | None = None) -> torch.Tensor:
        """Bool mask over the whole vocabulary: the characters `allows` lets through."""
        key = reader.key()
        mask = [self.allows(reader, ch, left, key) for ch in self.chars]
        if not any(mask):
            self._remember_path(reader, key)
            mask = [self.allows(reader, ch, left, key) for ch in self.chars]
        return torch.tensor(mask)

    def first_allowed(self, reader: TuneReader, order, left: int | None = None) -> int | None:
        """The first of `order` (vocabulary indices) that `allows` lets through; None
        where none is (never, for a live reader whose way to the end fits in `left`)."""
        key = reader.key()
        for _ in range(2):
            for token in order:
                if self.allows(reader, self.chars[token], left, key):
                    return token
            self._remember_path(reader, key)
        return None
