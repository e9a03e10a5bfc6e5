"""The skeleton of a written tune: its parts, the bars in each, their repeats and endings,
and a pickup, with a short label such as `AABB 8+8` (folk-rnn's name for a tune's form).

A part is the music between section lines (`|:`, `:|`, `::`, `||`, `|]`, a body `P:`); a
variant ending (`|1`, `:|2`, `[2`) stays in the part it ends. A part's bars are the full
bars of one pass through it, its first ending included and a pickup left out: a short bar
that closes a part (completing the pickup that opened it, or the next part's) counts as
one, as players count it, so `D|:GABc|...|B3:|` is 8 bars whose pickup is `D`. A part is
repeated when it closes with `:|` or `::`, or has variant endings.

The bars are read by the grammar's reader (charrnn.music.abc.grammar), which keeps each bar's
exact length and the bar lines' kinds as abc2midi reads them; this module only listens to
its first voice's bar lines.
"""

from collections import Counter
from dataclasses import dataclass, field

from charrnn.music.abc import repeats
from charrnn.music.abc.bars import Voice
from charrnn.music.abc.tunes import tune_field

# What a bar line's repeat signs (repeats.BAR_LINES, or a P: field's repeats.PART) mean for
# the parts: it ends one, says the part just ended is repeated, or opens a repeat.
_PART_ENDS = {repeats.END, repeats.BOTH, repeats.SECTION}
_REPEATED_BY = {repeats.END, repeats.BOTH}
_OPENERS = {repeats.START, repeats.BOTH}


@dataclass(frozen=True)
class Skeleton:
    """A tune's skeleton. `parts`: the parts in playing order, a letter each time one is
    played ("A", "A", "B", "B"); `bars`: the bars of each written part, in written order;
    `endings`: whether each written part has first and second endings; `pickup`: the tune
    opens with a bar shorter than the meter; `ending_bars`: the bars of each part's first
    ending (0 without one), which do not make another form: two skeletons that differ only
    there are equal."""

    parts: tuple[str, ...]
    bars: tuple[int, ...]
    endings: tuple[bool, ...]
    pickup: bool
    ending_bars: tuple[int, ...] = field(default=(), compare=False)

    @property
    def label(self) -> str:
        """`AABB 8+8`: the parts in playing order, then the bars of each written part."""
        return f"{''.join(self.parts)} {'+'.join(map(str, self.bars))}"

    def to_dict(self) -> dict:
        return {"parts": "".join(self.parts), "bars": list(self.bars),
                "endings": list(self.endings), "pickup": self.pickup,
                "ending_bars": list(self.ending_bars)}

    @classmethod
    def from_dict(cls, data: dict) -> "Skeleton":
        return cls(tuple(data["parts"]), tuple(data["bars"]), tuple(data["endings"]),
                   data["pickup"], tuple(data.get("ending_bars", ())))


def skeleton(tune_text: str, form=None) -> Skeleton | None:
    """The skeleton of one ABC tune; None for a tune with no bars under a meter. `form`: a
    listener the same reading tells of its key, notes and bar lines (the reader's `form`
    hook, see charrnn.music.steer.plan)."""
    from charrnn.music.abc.grammar import TuneReader

    reader = TuneReader(form=form)
    listener = _Listener()
    reader.voices = {"1": listener}
    reader.feed(tune_text)
    reader.finish()
    return _skeleton(listener.parts)


def part_read(reader) -> int | None:
    """The written part (0: the first) that the note a reader has just read belongs to, where
    it reads for `skeleton`: for a listener (its `form`) to tell the parts apart. None in a
    second voice, which the skeleton leaves out."""
    if not isinstance(reader.voice, _Listener):
        return None
    parts = reader.voice.parts
    return len(parts) - (0 if parts[-1].ended and parts[-1].bars else 1)


# --- listening to the reader ---------------------------------------------------------------
@dataclass
class _Part:
    """One written part as read: its bars (length against the meter: "full", "short",
    "over"), each with the variant ending it is in (None: the common body), and whether a
    repeat sign closed it."""

    bars: list = field(default_factory=list)  # (fit, passes or None)
    repeated: bool = False  # a :| or :: closed it, or one of its endings
    opens: bool = False  # a |: or :: opens a repeat at its start (after its pickup)
    ending: frozenset | None = None  # the variant ending being read
    ended: bool = False  # a section line was read; a variant ending may still reopen it


class _Listener(Voice):
    """The reader's first voice, noting each bar as it closes and each bar line's kind."""

    def __init__(self):
        super().__init__()
        self.parts: list[_Part] = [_Part()]
        self.opens_next = False  # a |: came after the last part ended

    def close_bar(self):
        bar = self.current
        if bar is not None and bar.full is not None and (bar.length or bar.rests):
            part = self.parts[-1]
            if part.ended:
                part, self.opens_next = _Part(opens=self.opens_next), False
                self.parts.append(part)
            fit = "full" if bar.rests or bar.length == bar.full else \
                "short" if bar.length < bar.full else "over"
            part.bars += [(fit, part.ending)] * max(bar.rests, 1)
        super().close_bar()

    def bar_line(self, signs, variant, patches=(True,)):
        super().bar_line(signs, variant, patches)
        part, signs = self.parts[-1], set(signs)
        part.repeated = part.repeated or bool(signs & _REPEATED_BY and part.bars)
        if variant:
            part.ended, part.ending = False, repeats.passes(variant)
        elif signs & _PART_ENDS or (signs == {repeats.START} and _opened(part)):
            part.ended, part.ending = bool(part.bars), None
        if signs & _OPENERS:
            if part.ended:
                self.opens_next = True
            else:
                part.opens = True


def _opened(part: _Part) -> bool:
    """A |: ends a part that holds more than a pickup (`D|:GAB...` keeps D in the part)."""
    return len(part.bars) > 1 or (part.bars and part.bars[0][0] != "short")


# --- the skeleton from the parts -------------------------------------------------------------
def _skeleton(parts: list[_Part]) -> Skeleton | None:
    parts = [part for part in parts if part.bars]
    if not parts:
        return None
    endings = tuple(any(ending is not None for _, ending in part.bars) for part in parts)
    letters = tuple(chr(ord("A") + min(number, 25)) for number in _playing_order(parts, endings))
    first = parts[0].bars
    pickup = first[0][0] == "short" and len(first) > 1
    return Skeleton(letters, tuple(_bars_of(part) for part in parts), endings, pickup,
                    tuple(_first_ending_bars(part) for part in parts))


def _playing_order(parts: list[_Part], endings: tuple[bool, ...]) -> list[int]:
    """The written parts' numbers in the order abc2midi plays them: a repeat goes back to
    its |:, else to the last section line before it, but to the tune's start when no repeat
    sign came before it (charrnn.music.abc.repeats; `A || B :|` plays ABAB)."""
    order, start, seen, open_ = [], 0, False, False
    for number, part in enumerate(parts):
        if part.opens:
            start, seen, open_ = number, True, True
        elif seen and not open_:
            start = number
        order.append(number)
        if part.repeated or endings[number]:
            order += range(start, number + 1)
            start, seen, open_ = number + 1, True, False
    return order


def _first_ending_bars(part: _Part) -> int:
    """The bars of a part's first ending; 0 for a part without endings."""
    endings = [ending for _, ending in part.bars if ending is not None]
    if not endings:
        return 0
    first = min(endings, key=min)
    return sum(1 for _, ending in part.bars if ending == first)


def _bars_of(part: _Part) -> int:
    """The bars of one pass through a part: its body and first ending, its pickup left out."""
    endings = [ending for _, ending in part.bars if ending is not None]
    first = min(endings, key=min) if endings else None
    played = [fit for fit, ending in part.bars if ending is None or ending == first]
    if len(played) > 1 and played[0] == "short":
        played = played[1:]
    return len(played)


# --- a corpus's skeletons --------------------------------------------------------------------
def tune_kind(tune_text: str) -> tuple[str, str]:
    """(meter, rhythm) of a tune's header, as corpus_skeletons counts it: `("6/8", "jig")`;
    the rhythm lower-case, "" where the tune gives no R:."""
    meter = (tune_field(tune_text, "M") or "").replace(" ", "")
    return meter, (tune_field(tune_text, "R") or "").strip().lower()


def corpus_skeletons(tunes) -> dict[tuple[str, str], Counter]:
    """The skeletons a corpus's tunes use, counted per (meter, rhythm) (see tune_kind):
    {("6/8", ""): Counter({Skeleton(AABB 8+8): 212, ...}), ...}."""
    table: dict[tuple[str, str], Counter] = {}
    for tune in tunes:
        found = skeleton(tune)
        if found is not None:
            table.setdefault(tune_kind(tune), Counter())[found] += 1
    return table
