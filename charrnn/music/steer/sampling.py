"""Sampling whole ABC tunes, several at once, each steered by the grammar.

Tunes are drawn as a batch of streams; a stream that finishes its tune starts the next, so
the batch stays full until the last tunes. By default the grammar disposes what the model
proposes: each stream takes the likeliest character of its draw that the grammar allows
(`charrnn.music.steer.constraint`), which is exactly a draw from the model's distribution with
every character that would spoil the tune given probability zero, and a tune near the
length cap is steered to its end, so every tune comes out valid and none is dropped.
Where the model's own draw is refused, the character before it may be taken back and
drawn again (see `_Sampler.draw`), so that a character is kept as often as the model can
go on from it.
`free=True` draws as the model likes: a tune ends at the tune delimiter (a blank line, as
ABC 2.1 ends a tune), one that reaches the cap first is dropped and another is drawn.

Each tune draws from its own random generator, seeded from the seed and the tune's number,
so a seed makes the same tunes however many streams run beside it.
"""

import random
import re
from dataclasses import dataclass, replace

import torch

from charrnn.model import threads
from charrnn.model.model import map_state
from charrnn.music.abc.tunes import TUNE_END
from charrnn.sample.sampling import race_noise, race_scores
from charrnn.sample.stepper import Stepper

STREAMS = 16  # tunes drawn at once
ROUNDS_PER_TUNE = 5  # draws allowed per tune before giving up on complete ones
MAX_TAKEN_BACK = 3  # characters taken back at one place (see _Sampler.draw)
_GOLDEN = (5 ** 0.5 - 1) / 2


@dataclass
class TuneHeader:
    title: str = ""
    meter: str = ""
    key: str = ""
    prime: str = ""  # any ABC header text the user gives instead of (or before) the fields
    titles: object = None  # a charrnn.music.abc.titles.TitleModel: each tune's title, unless given

    def fixed(self):
        """The fields every tune must have exactly as asked."""
        return {name: value for name, value in (("K", self.key), ("M", self.meter)) if value}


def header_prime(header):
    """The text every tune starts from: X:1, then the fields asked for (K: comes later)."""
    text = header.prime or "X:1\n"
    if not text.startswith("X:"):
        text = "X:1\n" + text
    if text and not text.endswith("\n"):
        text += "\n"
    if header.title:
        text += f"T:{header.title}\n"
    elif header.meter and "\nT:" not in "\n" + text:
        # T: comes right after X: in a sampled tune: a title to be given (from the corpus's
        # titles, where the run has them) before the meter asked for.
        text += "T:\n"
    if header.meter:
        text += f"M:{header.meter}\n"
    return text


@dataclass
class Tune:
    """One sampled tune, and how much the grammar bent the model to make it."""

    text: str
    # Share of draws at which the grammar refused the model's own character: on average,
    # the probability it removed per draw, at the sampling temperature.
    refused: float


@dataclass
class _Stream:
    """One row of the batch: the tune it is drawing, and its random generator."""

    number: int
    generator: torch.Generator
    reader: object  # the grammar's TuneReader, or None when sampling freely
    chars: list
    forced: list  # characters fed without a draw (free sampling: an asked-for key)
    draws: int = 0  # characters drawn, taken back ones included
    refused: int = 0  # draws at which the grammar refused the model's own character
    stuck: bool = False  # the grammar left no character to draw (never, if it is right)
    own: bool = False  # the character drawn last was the model's own draw, not a stand-in
    # Where the last character may be taken back: the reader before it, and the characters
    # already taken back at its place. None where it may not (see _Sampler.draw).
    before: tuple | None = None
    excluded: frozenset = frozenset()  # characters taken back at the place being drawn


def sample_tunes(model, vocab, count, header, settings, free=False, streams=STREAMS, on_tune=None,
                 on_draw=None, policy=None, form=None):
    """`count` tunes numbered X:1..count, and how many draws were dropped (free ones that
    ran past the cap).
    `settings` gives the length cap per tune (`length`), temperature, top-k, top-p and seed;
    `form`, a charrnn.music.steer.planner.Planner, the form plan each tune keeps (drawn with the
    tune's own seed; the cap raised to its longest plan's needs), None for any form;
    `on_tune(tune)` is called with each tune, in order, as soon as it and those before it
    are done; `on_draw(text)` with each tune's text as soon as it is done, in any order and
    before its renumbering (its X: is the prime's), for work that can start early;
    `policy`: what a tune may write beyond valid ABC (charrnn.music.steer.policy; None: the
    hand-written limits)."""
    model.eval()
    device = next(model.parameters()).device
    # Constrained, the grammar's Python takes most of the time: a second thread would only
    # spin (measured: the same speed on one), and the tunes' checks run on the other core;
    # --threads auto counts it as one stream.
    rows = min(count, streams) if free else 1
    with torch.inference_mode(), threads.inference(settings.threads, device, rows):
        sampler = _Sampler(model, vocab, header, settings, free, device, policy, form)
        return sampler.run(count, streams, on_tune, on_draw)


class _Sampler:
    def __init__(self, model, vocab, header, settings, free, device, policy=None, form=None):
        from charrnn.music.steer.constraint import TuneConstraint

        self.form = None if free else form
        if self.form is not None:
            settings = replace(settings, length=max(settings.length, self.form.room()))
        self.model, self.vocab, self.settings, self.device = model, vocab, settings, device
        self.header, self.free = header, free
        self.prime = header_prime(header)
        if self.form is not None:
            self.form = self.form.for_prime(self.prime)
        self.constraint = None if free else TuneConstraint(vocab.chars, header.fixed(), policy)
        tokens = torch.tensor([vocab.encode(self.prime)], device=device)
        logits, self.start_state = model(tokens, None)
        self.start_logits = logits[:, -1]
        self.stepper = Stepper(model)
        self.seed = settings.seed if settings.seed is not None else torch.seed() % 2**62

    def new_stream(self, number):
        generator = torch.Generator(device=self.device)
        seed = (self.seed + number * 1_000_003) % 2**63
        generator.manual_seed(seed)
        form = None if self.form is None else replace(self.form, seed=seed,
                                                      quantile=self._spread(number))
        reader = None if self.free else self.constraint.reader(self.prime, form)
        return _Stream(number, generator, reader, [], [])

    def _spread(self, number):
        """Where in the corpus's tunes the form plan draws tune `number`: steps of the golden
        ratio from a start drawn with the seed, which spread any run of tunes evenly over
        them (Weyl's sequence), so that ten tunes have the corpus's mix of kinds about as
        well as a hundred drawn at random would."""
        return (random.Random(self.seed).random() + number * _GOLDEN) % 1

    def run(self, count, width, on_tune, on_draw=None):
        attempts = count * ROUNDS_PER_TUNE
        rows = [self.new_stream(n) for n in range(min(width, count))]
        started, done, made, too_long = len(rows), {}, 0, 0
        logits = self.start_logits.repeat(len(rows), 1)
        state = _repeat(self.start_state, len(rows))
        drawn = logits, state  # what each row drew its last character from
        printer = _InOrder(on_tune)
        while rows and not (made >= count and _first_tunes_done(done, rows, count)):
            nxt, back = self.draw(rows, logits)
            finished = self.advance(rows, nxt.tolist(), back)
            next_logits, next_state = self.stepper.step(nxt, state)
            if back:  # those rows draw again where they drew the character taken back
                next_logits[back] = drawn[0][back]
                next_state = _with_rows(next_state, back, _rows(drawn[1], back))
            drawn, logits, state = (logits, state), next_logits, next_state
            for row in finished:
                stream = rows[row]
                tune = self.finish(stream)
                too_long += tune is None
                made += tune is not None
                done[stream.number] = tune
                if on_draw is not None and tune is not None:
                    on_draw(tune.text)
                printer.add(stream.number, tune)
                if started < attempts and made + (len(rows) - len(finished)) < count:
                    rows[row] = self.new_stream(started)
                    started += 1
                    logits[row] = self.start_logits[0]
                    state = _with_rows(state, [row], self.start_state)
                else:
                    rows[row] = None
            keep = [i for i, stream in enumerate(rows) if stream is not None]
            if len(keep) < len(rows):
                rows = [rows[i] for i in keep]
                logits, state = logits[keep], _rows(state, keep)
                drawn = drawn[0][keep], _rows(drawn[1], keep)
        tunes = [t for _, t in sorted(done.items()) if t][:count]
        return [Tune(renumber(t.text, i), t.refused) for i, t in enumerate(tunes, 1)], too_long

    def draw(self, rows, logits):
        """The next character of every stream, and the rows that take their last character
        back instead.

        A character the grammar allows can still lead where the model's next draw is
        refused: a | that the model means as a plain bar line, where only || or :| may
        stand. Drawing on from there forces the model off its course. So where the model's
        own draw is refused, the character before it is taken back and its place drawn
        again without it: the character before is kept with the chance that the model's
        next draw is allowed, a one-character look ahead at the distribution the grammar
        leaves. Only a character the model drew itself is taken back, one place deep (the
        one drawn again may be taken back in its turn, but not the one before it), and
        at most MAX_TAKEN_BACK at a place; then the draw is the first allowed. Nothing
        of the header is taken back: the newline after K:G, taken back because the tune's
        first note was refused, would make it K:Gm (or K:Gmix), and the tunes minor."""
        settings = self.settings
        if not self.free and any(stream.excluded for stream in rows):
            logits = logits.clone()
            for row, stream in enumerate(rows):
                logits[row, list(stream.excluded)] = float("-inf")
        noise = race_noise([s.generator for s in rows], logits.shape[-1], logits.device) \
            if settings.temperature else None
        own = race_scores(logits, settings.temperature, settings.top_k, settings.top_p, noise)
        if self.free:
            return self._forced(rows, own.argmax(-1).tolist(), logits.device), []
        keys = [stream.reader.key() for stream in rows]
        scores = own
        if settings.top_k or settings.top_p < 1.0:  # the cut is taken among allowed characters
            masks = torch.stack([self.constraint.allowed(s.reader, self._left(s)) for s in rows])
            logits = logits.masked_fill(~masks.to(logits.device), float("-inf"))
            scores = race_scores(logits, settings.temperature, settings.top_k, settings.top_p, noise)
        picks = scores.argmax(-1).tolist()
        firsts = list(picks) if scores is own else own.argmax(-1).tolist()  # the model's own
        back = []
        for row, (stream, key, first) in enumerate(zip(rows, keys, firsts)):
            allowed = stream.own = self._allows(stream, first, key)
            stream.draws += 1
            stream.refused += not allowed
            if not allowed and stream.before is not None:
                back.append(row)
                continue
            if picks[row] != first:  # drawn from the masked logits (top-k, top-p)
                allowed = self._allows(stream, picks[row], key)
            if not allowed:
                picks[row] = self._first_allowed(stream, scores[row])
        return torch.tensor(picks, device=logits.device), back

    def _left(self, stream):
        return self.settings.length - len(stream.chars)

    def _allows(self, stream, token, key):
        return self.constraint.allows(stream.reader, self.vocab.chars[token], self._left(stream), key)

    def _first_allowed(self, stream, scores):
        """The highest-scoring character the grammar allows: the race's draw among them."""
        order = scores.argsort(descending=True).tolist()
        token = self.constraint.first_allowed(stream.reader, order, self._left(stream))
        stream.stuck = token is None
        return order[0] if token is None else token

    def _forced(self, rows, picks, device):
        """Free sampling writes an asked-for key itself."""
        for i, stream in enumerate(rows):
            if stream.forced:
                picks[i] = self.vocab.index[stream.forced.pop(0)]
        return torch.tensor(picks, device=device)

    def advance(self, rows, next_ids, back=()):
        """Each stream takes its character, or takes its last one back (the rows `back`);
        the rows whose tune ended (or ran out) now."""
        finished, back = [], set(back)
        for row, (stream, token) in enumerate(zip(rows, next_ids)):
            if row in back:
                self._take_back(stream)
                continue
            ch = self.vocab.chars[token]
            stream.chars.append(ch)
            if stream.reader is not None:
                before = stream.reader
                stream.reader = self.constraint.advance(before, ch)
                taken = stream.excluded | {token}
                stream.before = (before, taken) if stream.own and len(taken) <= MAX_TAKEN_BACK \
                    and not before.in_header else None
                stream.excluded = frozenset()
                ended = stream.reader.ended
            else:
                ended = "".join(stream.chars[-len(TUNE_END):]) == TUNE_END
                if self.header.key and (self.prime + "".join(stream.chars)).endswith("\nK:"):
                    stream.forced = list(self.header.key + "\n")
            if ended or stream.stuck or len(stream.chars) >= self.settings.length:
                finished.append(row)
        return finished

    def _take_back(self, stream):
        """The stream returns to where it drew its last character, to draw it again
        without it (and without those taken back there before)."""
        self.constraint.forget(stream.reader)
        stream.chars.pop()
        stream.reader, stream.excluded = stream.before
        stream.before = None

    def finish(self, stream):
        """The tune a stream wrote, or None when it ran past the cap before its end."""
        text = "".join(stream.chars)
        ended = stream.reader.ended if stream.reader is not None else text.endswith(TUNE_END)
        if not ended or stream.stuck:
            return None
        text = self._titled(without_trailing_blanks(self.prime + text), stream.number)
        return Tune(text, stream.refused / max(stream.draws, 1))

    def _titled(self, text, number):
        """A tune's title: where the prime gives one (--title, a T: in --prime), that one,
        and the T: lines the model wrote after it go; else the title model's for the seed
        and the tune's number in place of the model's. Free tunes keep what they wrote."""
        from charrnn.music.abc.titles import retitle

        if self.free:
            return text
        if re.search(r"^T:.*\S", self.prime, re.MULTILINE):  # a title, not header_prime's T:
            return self.prime + retitle(text[len(self.prime):], None)
        return text if self.header.titles is None else \
            retitle(text, self.header.titles.title(self.seed, number))


def _first_tunes_done(done, rows, count):
    """Whether the first `count` tunes by stream number are all drawn: `count` have ended
    and no stream still drawing comes before the last of them. Keeping the first tunes to
    end instead would keep the short ones: a long tune would lose its place to the tunes
    that ended while it was still being drawn. Asked only once `count` have ended: it sorts
    them all, and the sampler asks at every character."""
    ended = sorted(number for number, tune in done.items() if tune is not None)
    return len(ended) >= count and all(stream.number > ended[count - 1] for stream in rows)


class _InOrder:
    """Hands finished tunes to a callback in their order, each as soon as it can."""

    def __init__(self, on_tune):
        self.on_tune, self.waiting, self.next, self.shown = on_tune, {}, 0, 0

    def add(self, number, tune):
        if self.on_tune is None:
            return
        self.waiting[number] = tune
        while self.next in self.waiting:
            tune = self.waiting.pop(self.next)
            self.next += 1
            if tune is not None:
                self.shown += 1
                self.on_tune(Tune(renumber(tune.text, self.shown), tune.refused))


def renumber(tune, number):
    """The tune with its X: line saying `number`."""
    return re.sub(r"\AX:[^\n]*", f"X:{number}", tune, count=1)


def _repeat(state, rows):
    return map_state(state, lambda s: s.repeat(1, rows, 1))


def _with_rows(state, rows, source):
    """`state` with its `rows` replaced by those of `source` (a state of that many rows)."""
    def put(pair):
        s, src = pair
        s = s.clone()
        s[:, rows] = src
        return s

    if isinstance(state, tuple):
        return tuple(put(pair) for pair in zip(state, source))
    return put((state, source))


def _rows(state, keep):
    return map_state(state, lambda s: s[:, keep].contiguous())


def without_trailing_blanks(text):
    """A tune's text with no blanks at the ends of its lines (where they mean nothing to
    ABC, and no corpus tune keeps them: charrnn.music.abc.tunes.normalise_tune takes them
    away) nor after its last line, which ends in one newline."""
    return "\n".join(line.rstrip(" \t") for line in text.rstrip("\n \t").split("\n")) + "\n"
