"""Has a tune been copied from the corpus? Its nearest corpus tune, and the longest run of
bars it copies verbatim, through an index of the corpus's bars.

Bars are compared by their notes (pitch and length, see features._bar_keys), so a copy
spelt differently in ABC is still a copy. The index maps each bar to the places it occurs;
a run of k bars shared with a corpus tune is a run of index hits at consecutive places in
both, found in one pass over the tune (the longest common substring, counted in bars).
"""

from collections import defaultdict
from dataclasses import dataclass

# Four bars are a phrase of a dance tune (an 8-bar part is two of them): copying that many
# in a row is copying music, not sharing a stock cadence or a bar of arpeggio.
COPIED_BARS = 4


@dataclass
class Copy:
    """What a tune shares with its nearest corpus tune."""

    nearest: int | None  # index of the corpus tune; None when no bar is shared
    run: int  # the longest run of the tune's bars found verbatim, in order, in it
    shared: int  # bars of the tune found anywhere in it

    @property
    def copied(self) -> bool:
        return self.run >= COPIED_BARS


class BarIndex:
    """Where each bar of a corpus occurs: bar key -> [(tune, position)]."""

    def __init__(self, tunes_bars: list[list[str]]):
        self.places: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for tune, bars in enumerate(tunes_bars):
            for position, bar in enumerate(bars):
                self.places[bar].append((tune, position))

    def nearest(self, bars: list[str], exclude: int | None = None) -> Copy:
        """The corpus tune sharing the longest run of `bars` (ties: the most bars shared,
        then the first), leaving out corpus tune `exclude` (a corpus tune against the rest)."""
        runs: dict[tuple[int, int], int] = {}
        best: dict[int, int] = defaultdict(int)
        shared: dict[int, int] = defaultdict(int)
        for bar in bars:
            hits = [(t, p) for t, p in self.places.get(bar, ()) if t != exclude]
            runs = {(t, p): runs.get((t, p - 1), 0) + 1 for t, p in hits}
            for (tune, _), run in runs.items():
                best[tune] = max(best[tune], run)
            for tune in {t for t, _ in hits}:
                shared[tune] += 1
        if not best:
            return Copy(None, 0, 0)
        tune = min(best, key=lambda t: (-best[t], -shared[t], t))
        return Copy(tune, best[tune], shared[tune])
