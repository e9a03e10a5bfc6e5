"""Repeats as abc2midi plays them, and the Errors it prints about them.

A tune's repeat signs (`|:`, `:|`, `::`, variant endings `[1`, `:|2`, and the section lines
`||`, `|]`, `[|` that end an ending) are replayed here the way abcMIDI 4.84 does: store.c's
`scan_for_missing_repeats` puts a `|:` at the start of a voice whose first sign is `:|` or
`::`, `fixreps` patches a missing `|:` and reports what it cannot, and genmidi.c's player
walks the signs pass by pass, jumping back at `:|` and skipping the endings not meant for
this pass. Replaying it is the only faithful way to know which sign sequences abc2midi
accepts: its rules depend on the passes (an ending skipped on pass 2 hides the `:|` that
closes it). Written by hand from abcMIDI's source; no library models it.
"""

START, END, BOTH, SECTION = "|:", ":|", "::", "||"
_SKIP_STOPS = (START, END, SECTION)

# Every bar line, and the signs it stands for as abc2midi's parser reads it (parseabc.c): a
# lone `:` is a dotted bar line, so `:|:` is :| then a dotted bar line and `||:` is || then
# one; neither opens a repeat. The one table of bar lines for the grammar and this replay.
BAR_LINES = {"|": (), "||": (SECTION,), "|]": (SECTION,), "[|": (SECTION,), "|:": (START,),
             "||:": (SECTION, SECTION), ":|": (END,), ":||": (END,), ":|]": (END,), "::": (BOTH,),
             ":|:": (END, SECTION), ":||:": (END, START), ":": (SECTION,)}
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
    signs = [SECTION] + list(signs)  # abc2midi puts a || before the music of every voice
    first = next((s for s in signs if s in (START, END, BOTH)), None)
    if first in (END, BOTH):
        signs.insert(1, START)
    if patch:
        _fix(signs, found)
    _play(signs, found)
    return found


def can_end(signs, patch=True):
    """The signs to add so that a voice ending now plays cleanly, or None when none do."""
    for ending in ((), (END,), (SECTION,), (END, frozenset({2}))):
        if not errors(list(signs) + list(ending), patch):
            return ending
    return None


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
        else:
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


def _play(signs, found):
    """genmidi.c: play the signs pass by pass."""
    pass_, max_pass, expect, in_ending, saved = 1, 2, False, False, 0
    j, steps = 0, 0
    while j < len(signs) and steps < 100 * (len(signs) + 1):
        sign, steps = signs[j], steps + 1
        if sign == SECTION:
            in_ending = False
        elif sign == START:
            in_ending = False
            if pass_ == 1 and expect:
                found.append("a |: where the :| of the repeat before was expected")
            saved, expect, pass_, max_pass = j, True, 1, 2
        elif sign == END:
            in_ending = False
            if pass_ == 1 and not expect:
                found.append("a :| with no |: to go back to")
            elif pass_ == 1 or pass_ < max_pass:
                pass_, j, expect = pass_ + 1, saved, False
        elif sign == BOTH:
            in_ending = False
            if pass_ > 1:
                expect, saved, pass_, max_pass = True, j, 1, 2
            elif not expect:
                found.append("a :: with no |: before it")
                expect, saved, pass_ = True, j, 1
            else:
                j, pass_ = saved, pass_ + 1
        else:
            if in_ending:
                found.append("a variant ending not closed by || |: :| or :: before the next")
            number = pass_ if (expect or pass_ > 1) else None
            if number is None:
                found.append("a variant ending outside a repeat")
                number = 1
            if number not in sign:
                j += 1
                while j < len(signs) and not (signs[j] in _SKIP_STOPS or isinstance(signs[j], frozenset)):
                    j += 1
                if j == len(signs):
                    found.append("a variant ending that nothing closes")
            else:
                in_ending = True
                max_pass = pass_ + 1 if max_pass < 4 else max_pass
        j += 1
    if expect and pass_ == 1:
        found.append("a |: repeat is never closed with :|")
