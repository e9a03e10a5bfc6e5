"""Repeats as abc2midi plays them: the one table of bar lines, the one walk through a
tune's repeats and variant endings, and the Errors abc2midi prints about them.

A tune's repeat signs (`|:`, `:|`, `::`, variant endings `[1`, `:|2`, and the section lines
`||`, `|]`, `[|` that end an ending) are replayed here the way abcMIDI 4.84 does: store.c's
`scan_for_missing_repeats` puts a `|:` at the start of a voice whose first sign is `:|` or
`::`, `fixreps` patches a missing `|:` and reports what it cannot, and genmidi.c's player
walks the signs pass by pass, jumping back at `:|` and skipping the endings not meant for
this pass. Replaying it is the only faithful way to know which sign sequences abc2midi
accepts: its rules depend on the passes (an ending skipped on pass 2 hides the `:|` that
closes it). The checker asks `errors`; the player (charrnn.music.play.playable) plays the
bars in the order `walk` gives. Written by hand from abcMIDI's source; no library models it.
"""

from collections import deque

START, END, BOTH, SECTION = "|:", ":|", "::", "||"
_SKIP_STOPS = (START, END, SECTION)

# Every bar line, and the signs it stands for as abc2midi's parser reads it (parseabc.c): a
# lone `:` is a dotted bar line, so `:|:` is :| then a dotted bar line and `||:` is || then
# one; neither opens a repeat. abc2midi 4.84 plays a dotted bar line as a section line: a
# missing |: goes there, it closes a skipped variant ending, and it ends a bar (accidentals
# with it), which tests/test_music_midi.py checks against abc2midi. The one table of bar
# lines for the grammar, the player (charrnn.music.play.playable) and this replay.
BAR_LINES = {"|": (), "||": (SECTION,), "|]": (SECTION,), "[|": (SECTION,), "|:": (START,),
             "||:": (SECTION, SECTION), ":|": (END,), ":||": (END,), ":|]": (END,), "::": (BOTH,),
             ":|:": (END, SECTION), ":||:": (END, START), ":": (SECTION,),
             "[|:": (SECTION, START)}
PART = (SECTION,)  # a P: field in the music begins a section, as a double bar does


def features(signs: tuple, variant: str) -> list:
    """A bar line's signs (BAR_LINES, or PART) with the variant ending after it: `:|2` is
    an end repeat, then ending 2."""
    return list(signs) + ([passes(variant)] if variant else [])


def passes(variant: str) -> frozenset:
    """The passes a variant ending is played on: `1`, `1,3`, `1-3`."""
    numbers = set()
    for part in variant.split(","):
        low, _, high = part.partition("-")
        numbers.update(range(int(low), int(high or low) + 1))
    return frozenset(numbers)


def errors(signs, patch=True) -> list[str]:
    """What abc2midi says of one voice's repeat signs, in order; [] when it plays them.
    `patch`: abc2midi patches missing |: only in tunes of one voice and no P: parts."""
    found = []
    deque(walk(prepared(signs, patch, found), found), maxlen=0)
    return found


def can_end(signs, patch=True):
    """The signs to add so that a voice ending now plays cleanly, or None when none do."""
    for ending in ((), (END,), (SECTION,), (END, frozenset({2}))):
        if not errors(list(signs) + list(ending), patch):
            return ending
    return None


def prepared(signs, patch=True, found=None) -> list:
    """A voice's signs as abc2midi plays them: a || put before its music, a |: after that
    where the first repeat sign is :| or :: (scan_for_missing_repeats), and with `patch` the
    other missing |: put in (fixreps), what cannot be patched said in `found`. An item that
    is no sign (None: music, a plain bar line) is kept and passed over; the list returned
    is one or two items longer, those items at its start."""
    signs = [SECTION, *signs]
    first = next((s for s in signs if s == START or s == END or s == BOTH), None)
    if first == END or first == BOTH:
        signs.insert(1, START)
    if patch:
        _fix(signs, [] if found is None else found)
    return signs


def _fix(signs, found):
    """store.c fixreps: a :| with no |: gets one at the last section line; an ending or a ::
    with no |: are reported (and patched the same way)."""
    rep_point, expect, plays = 0, False, 0
    for j, sign in enumerate(signs):
        if sign == SECTION:
            rep_point = j
        elif sign == START:
            if expect:
                found.append("a |: while a repeat is already open")
                signs[j] = BOTH
            expect = True
        elif sign == END:
            if not expect and plays < 1:
                _place_start(signs, rep_point, found)
            expect, rep_point = False, j
        elif sign == BOTH:
            if not expect:
                found.append("a :: with no |: before it")
                _place_start(signs, rep_point, found)
            expect = True
        elif isinstance(sign, frozenset):
            if plays == 0 and not expect:
                found.append("a variant ending with no |: before it")
                _place_start(signs, rep_point, found)
            plays += 1


def _place_start(signs, j, found):
    patched = {SECTION: START, END: BOTH}.get(signs[j])
    if patched is None:
        found.append("more :| than |:")
    else:
        signs[j] = patched


class _Pass:
    """Where genmidi.c's player stands in a repeat: the pass through it, the last pass a
    :| sends back for (one more for each variant ending played, up to 4), whether a :| is
    expected, whether a variant ending is being played, and the |: to go back to."""
    __slots__ = ("number", "last", "expect", "in_ending", "saved")

    def __init__(self):
        self.number, self.last, self.expect, self.in_ending, self.saved = 1, 2, False, False, 0

    def open(self, j, reset_last=True):
        self.saved, self.expect, self.number = j, True, 1
        if reset_last:
            self.last = 2


def walk(signs, found=None):
    """Indices of `signs` (as `prepared` gives them) in the order abc2midi plays them
    (genmidi.c): back to the saved |: at a :| or ::, past the variant endings not meant for
    this pass to the bar line that closes them (itself played, as its music follows, but
    not obeyed). An item that is no sign is played and passed over. What abc2midi says on
    the way goes into `found`."""
    say = (lambda message: None) if found is None else found.append
    at, j, steps, limit = _Pass(), 0, 0, 100 * (len(signs) + 1)
    while j < len(signs) and steps < limit:
        sign, steps = signs[j], steps + 1
        yield j
        if sign is None:
            pass
        elif isinstance(sign, frozenset):
            stop = _ending(signs, j, at, say)
            if stop != j and stop < len(signs):
                yield stop  # the bar line that closed the skipped ending
            j = stop
        else:
            j = _sign(sign, j, at, say)
        j += 1
    if at.expect and at.number == 1:
        say("a |: repeat is never closed with :|")


def _sign(sign, j, at, say) -> int:
    """A repeat sign or section line played: where the walk goes on from (before +1)."""
    at.in_ending = False
    if sign == START:
        if at.number == 1 and at.expect:
            say("a |: where the :| of the repeat before was expected")
        at.open(j)
    elif sign == END:
        if at.number == 1 and not at.expect:
            say("a :| with no |: to go back to")
        elif at.number == 1 or at.number < at.last:
            at.number, at.expect = at.number + 1, False
            return at.saved
    elif sign == BOTH:
        if at.number > 1:
            at.open(j)
        elif not at.expect:
            say("a :: with no |: before it")
            at.open(j, reset_last=False)
        else:
            at.number += 1
            return at.saved
    return j


def _ending(signs, j, at, say) -> int:
    """A variant ending reached: j where it is played on this pass, else the bar line
    that closes it (|: :| || or the next ending), where the walk goes on from."""
    if at.in_ending:
        say("a variant ending not closed by || |: :| or :: before the next")
    number = at.number if (at.expect or at.number > 1) else None
    if number is None:
        say("a variant ending outside a repeat")
        number = 1
    if number in signs[j]:
        at.in_ending = True
        at.last = at.number + 1 if at.last < 4 else at.last
        return j
    j += 1
    while j < len(signs) and not (signs[j] in _SKIP_STOPS or isinstance(signs[j], frozenset)):
        j += 1
    if j == len(signs):
        say("a variant ending that nothing closes")
    return j
