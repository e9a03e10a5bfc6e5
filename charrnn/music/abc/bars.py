"""One voice's bars and repeats, as the grammar reads them: each bar's exact length against
the meter, and the repeat structure abc2midi plays.

A bar shorter than the meter is fine as the tune's first or last bar, just after a section
bar line (anything but a plain `|`: `|:`, `:|`, `::`, `||`, `|]`, `[1`, `[2`: a pickup or a
variant ending), or just before one when it completes a pickup: the pickup that opened its
section (played again after `:|`) or the one that opens the next section. The last of these
needs the next bar's length, so a short bar can wait, unsettled, for the bar after it.

The repeat signs are kept in order and replayed as abc2midi plays them
(`charrnn.music.abc.repeats`), whose Errors the grammar rejects.
"""

import math
import re
from dataclasses import dataclass, field

from gmpy2 import mpq

from charrnn.music.abc import repeats

_MAX_BAR_PROBLEMS = 5
# The problems Voice._misfit and capped write, a voice's name before them where there are several
_MISFIT = re.compile(r"(?:voice [^,]+, )?bar \d+ has |and \d+ more bars that misfit$")


@dataclass
class Bar:
    """The notes between two bar lines: their length in whole notes, against the meter in
    force when the bar began (`full` None: free meter)."""

    number: int
    meter: str
    full: mpq | None
    after_edge: bool
    length: mpq = mpq(0)
    rests: int = 0  # a multi-bar rest Z4 stands for 4 full bars
    held: mpq = mpq(0)  # what fermatas add: abc2midi plays such a note twice as long

    def short_mid_tune(self) -> bool:
        """Shorter than the meter, and neither the tune's first bar nor one just after a
        section line: only what comes after it can make it fine."""
        return self.full is not None and not self.rests and self.length < self.full and \
            self.number > 1 and not self.after_edge

    @property
    def played(self) -> mpq:
        """How long abc2midi plays the bar, its fermatas held."""
        return self.length + self.held


@dataclass
class Voice:
    """The bar accounting and the repeat structure of one voice."""

    bars: int = 0  # bars with notes closed so far
    current: Bar | None = None
    edge: bool = False  # the bar lines since the last bar hold more than a plain |
    variant: bool = False  # ... and one of them is a variant ending
    section_start: Bar | None = None  # the first bar after the last section line
    unsettled: Bar | None = None  # a short bar whose justification waits for the next bar
    pending: Bar | None = None  # a short bar the current bar must complete to a full one
    signs: tuple = ()  # the repeat signs so far (charrnn.music.abc.repeats)
    last_bar: mpq | None = None  # how long abc2midi plays the last bar closed (None: rests)
    grain: mpq | None = None  # the longest length every bar closed plays a multiple of
    repeats_stuck: bool = False  # no way to end the voice that abc2midi would play
    problems: list = field(default_factory=list)  # repeat structure
    misfits: list = field(default_factory=list)  # bars that do not fit the meter

    def copy(self):
        """A copy whose bars are its own (a bar may stand in two roles at once)."""
        clone = object.__new__(Voice)
        clone.__dict__.update(self.__dict__)
        bars = {}
        for role in ("current", "section_start", "unsettled", "pending"):
            bar = getattr(self, role)
            if bar is not None:
                if id(bar) not in bars:
                    bars[id(bar)] = _copy_bar(bar)
                setattr(clone, role, bars[id(bar)])
        clone.problems, clone.misfits = list(self.problems), list(self.misfits)
        return clone

    def key(self):
        """Everything that decides what may come next (not bar numbers, not messages)."""
        current = self.current
        return (self.bars == 0, self.edge, self.variant,
                _bar_key(current), _bar_key(self.section_start), _bar_key(self.unsettled),
                _bar_key(self.pending), self.signs, self.last_bar, self.grain)

    # ---- notes -------------------------------------------------------------------------

    def start_bar(self, meter, full):
        """The first note after bar lines begins a bar: the bar before it is settled now."""
        if self.current is not None:
            return self.current
        if self.unsettled is not None:
            self._settle(self.unsettled)
        starts_section = self.bars == 0 or (self.edge and not self.variant)
        bar = Bar(self.bars + 1, meter, full, after_edge=self.edge)
        if starts_section:
            self.section_start = bar
        self.current, self.edge, self.variant = bar, False, False
        return bar

    def add(self, duration: mpq, held=False):
        """A note or rest of `duration` (whole notes); `held`: under a fermata."""
        self.current.length += duration
        if held:
            self.current.held += duration

    def room(self) -> mpq | None:
        """What the bar in progress can still take; None under free meter or before a bar."""
        bar = self.current
        if bar is None or bar.full is None:
            return None
        return bar.full * max(bar.rests, 1) - bar.length

    def overfull(self) -> bool:
        room = self.room()
        return room is not None and room < 0

    def required(self) -> mpq | None:
        """The exact length the bar in progress must reach to complete the pickup before it."""
        if self.pending is None or self.current is None:
            return None
        return self.pending.full - self.pending.length

    # ---- bar lines ---------------------------------------------------------------------

    def close_bar(self):
        """A bar line ends the bar in progress (if it has notes)."""
        bar, self.current = self.current, None
        if bar is None:
            return
        self.bars = bar.number + max(bar.rests, 1) - 1
        self.last_bar = None if bar.rests else bar.played
        lasts = bar.full * bar.rests if bar.rests and bar.full is not None else bar.played
        self.grain = lasts if self.grain is None else _common_measure(self.grain, lasts)
        if self.pending is not None:
            short = self.pending
            self.pending = None
            if not (bar.length < short.full and bar.length + short.length == short.full):
                self._misfit(short)
        if bar.full is not None and not bar.rests and bar.length > bar.full:
            self._misfit(bar)
        elif bar.short_mid_tune():
            self.unsettled = bar

    def _settle(self, bar):
        """A short bar, neither first nor after a section line, followed by more music: fine
        before a section line when it completes its section's pickup, or the next bar's."""
        self.unsettled = None
        verdict = self._settling(bar)
        if verdict == "misfit":
            self._misfit(bar)
        elif verdict == "pending":
            self.pending = bar

    def _settling(self, bar):
        """What more music makes of a short bar waiting: a misfit (it is followed by a plain
        bar line), fine (it completes its section's pickup), or pending on the next bar."""
        start = self.section_start
        if not self.edge:
            return "misfit"
        if start is not None and start.length < bar.full and start.length + bar.length == bar.full:
            return "fine"
        return "pending"

    def limit(self, full) -> mpq | None:
        """The most the bar in progress, or the next one to begin, can still take without a
        misfit: its room, or what completes the pickup before it; 0 where any note would
        make the short bar before it misfit; None under free meter."""
        if self.current is not None:
            room = self.room()
            if self.pending is not None:
                left = self.pending.full - self.pending.length - self.current.length
                room = left if room is None else min(room, left)
            return room
        if self.unsettled is not None:
            verdict = self._settling(self.unsettled)
            if verdict == "misfit":
                return mpq(0)
            if verdict == "pending":
                return self.unsettled.full - self.unsettled.length
        return full

    def end(self, patch=True):
        """The tune ends: the last bar closes, a short bar left waiting was the last one, and
        the repeats are played through."""
        self.close_bar()
        self.unsettled = None
        self.problems += list(dict.fromkeys(repeats.errors(self.signs, patch)))

    def _misfit(self, bar):
        from charrnn.music.abc.fields import beat_unit

        unit = beat_unit(bar.meter)
        beats = bar.length * unit
        length = f"{beats.numerator}/{unit}" if beats.denominator == 1 else str(bar.length)
        self.misfits.append(f"bar {bar.number} has {length} in {bar.meter}")

    # ---- repeats -----------------------------------------------------------------------

    def bar_line(self, line_signs: tuple, variant: str, patches=(True,)):
        """A bar line standing for `line_signs` (repeats.BAR_LINES, or repeats.PART), with
        the passes of the variant ending that follows it (`:|2`, `|1`, `[2`), or "".
        `patches`: whether abc2midi will patch a missing |: (True, False, or either, while
        that is open)."""
        self.close_bar()
        if line_signs or variant:
            self.edge = True
            self.variant = self.variant or bool(variant)
        signs = repeats.features(line_signs, variant)
        if signs:
            self.signs = self.signs + tuple(signs)
            self.repeats_stuck = all(repeats.can_end(self.signs, patch) is None for patch in patches)


def _common_measure(a: mpq, b: mpq) -> mpq:
    """The longest length both `a` and `b` are whole multiples of."""
    return mpq(math.gcd(a.numerator * b.denominator, b.numerator * a.denominator),
               a.denominator * b.denominator)


def _copy_bar(bar):
    clone = object.__new__(Bar)
    clone.__dict__.update(bar.__dict__)
    return clone


def _bar_key(bar):
    if bar is None:
        return None
    return (bar.full, bar.length, bar.held, bar.rests > 0, bar.after_edge, bar.number == 1)


def capped(misfits: list[str]) -> list[str]:
    """At most five bars that misfit, then how many more there were."""
    if len(misfits) <= _MAX_BAR_PROBLEMS:
        return misfits
    extra = len(misfits) - _MAX_BAR_PROBLEMS
    return misfits[:_MAX_BAR_PROBLEMS] + [f"and {extra} more bars that misfit"]


def is_misfit(problem: str) -> bool:
    """Whether a problem of the grammar's verdict is a bar that misfits (or their count)."""
    return _MISFIT.match(problem) is not None
