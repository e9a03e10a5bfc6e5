"""How a half-written tune can still end: a short text that finishes it validly.

`completion(reader)` writes, with only the characters the model can write, what closes the
open constructs (a note's length, a chord, a grace group, a tuplet, a broken rhythm, a tie,
a chord symbol, a decoration, a field's value), completes a pickup the grammar is waiting
for, closes the last bar and every repeat, and ends the tune; or None when nothing can.
It steps the reader itself chunk by chunk, so what it writes is valid by the grammar's own
reading, never by a second opinion. The sampler asks it two things: can the tune still be
finished after this character, and in how many characters, to steer a tune to its end
before the length cap.
"""

import bisect
import functools
import itertools
import operator

from gmpy2 import mpq

from charrnn.music.abc import fields, repeats
from charrnn.music.abc.grammar import TuneReader
from charrnn.music.abc.grammar.durations import MIN_NOTE, grace_length_ok, one_note_value
from charrnn.music.abc.grammar.syntax import (ANNOTATION_MARKS, BAR_LINE, CHORD_SYMBOL,
                                              DECORATIONS, TUPLET)
from charrnn.music.steer.plan import PlanState
from charrnn.music.steer.planner import chunk_budget

MAX_CHUNKS = 60
_METERS = ("4/4", "6/8", "3/4", "2/4", "C")
_KEYS = ("C", "G", "D", "A", "F", "E")
# What chord names are written with (charrnn.music.abc.grammar's CHORD_SYMBOL), shortest first.
_CHORD_ALPHABET = "A^m7aj9dsu#b/gi+M24561"


def completion(reader: TuneReader, caps=None) -> str | None:
    """Text that ends the tune `reader` has read so far as a valid tune, or None."""
    last, written = reader, []
    for last, chunk in steps(reader, caps):
        written.append(chunk)
    return "".join(written) if last.ended and last.alive else None


def steps(reader: TuneReader, caps=None):
    """The completion chunk by chunk: each chunk, with a reader that has read it. The
    steps stop at the end of the tune, or early where nothing can finish it."""
    if not reader.alive:
        return
    caps = caps if caps is not None else reader.caps
    for _ in range(MAX_CHUNKS + chunk_budget(reader)):
        if reader.ended:
            return
        step = _next_step(reader, caps)
        if step is None:
            return
        reader, chunk = step
        yield reader, chunk


def _next_step(r: TuneReader, caps):
    """The reader after the first proposed chunk that keeps the tune alive, and the chunk."""
    handler = _CHUNKS.get(r.mode)
    for chunk in _flat(handler(r, caps) if handler else None):
        if chunk and _can(caps, chunk):
            trial = r.copy().feed(chunk)
            if trial.alive:
                return trial, chunk
    return None


def _flat(proposed):
    """A handler's proposal as a list of chunks: one chunk, None, or lists of them."""
    if proposed is None:
        return []
    if isinstance(proposed, str):
        return [proposed]
    return [chunk for item in proposed for chunk in _flat(item)]


def _can(caps, text):
    return caps is None or set(text) <= caps


# ---- lines and fields -----------------------------------------------------------------------

def _line_start(r, caps):
    if r.in_header:
        return _header_line(r, caps)
    if not r.music_started:
        missing = [name for name in "TM" if name not in r.header_fields]
        if missing:
            value = _value(r, missing[0], "", caps)
            return None if value is None else f"{missing[0]}:{value}\n"
    return _music(r, caps)


def _header_line(r, caps):
    if not r.header_fields:
        return "X:1\n"
    for name in ("T", "M", "K"):
        if name not in r.header_fields:
            return f"{name}:{_value(r, name, '', caps)}\n" if _value(r, name, "", caps) is not None else None
    return None  # K: would have ended the header


def _value(r, name, start, caps):
    """A short valid value for field `name` that starts with `start`."""
    fixed = r.asked(name)
    if fixed is not None:
        return fixed if fixed.startswith(start) else None
    if name == "T":
        return start + ("" if start.strip() else next((c for c in "ABCDEFGTabcde" if _can(caps, c)), ""))
    allowed = r.policy.options(name) if r.policy is not None else None
    if allowed is not None:  # the values the policy allows, most written first
        options = [v for v in allowed if r.value_problem(name, v) is None and
                   (name != "M" or not fields.is_hornpipe(r.rhythm) or fields.hornpipe_meter_ok(v))]
    elif name == "M":
        hornpipe = fields.is_hornpipe(r.rhythm)
        options = [m for m in _METERS if not hornpipe or fields.hornpipe_meter_ok(m)]
    elif name == "K":
        options = _KEYS
    elif name == "P":
        options = sorted(r.parts_due) + [c for c in "ABCD" if _can(caps, c)]
    elif name == "I":
        options = [""]
    elif name in fields.VALUES:
        options = ()
    else:
        return start
    for option in options:
        if option.startswith(start.strip()) and _can(caps, option) and \
                (name != "K" or _hornpipe_ok(r)):
            return start + option[len(start.strip()):]
    return None if allowed is not None else _search_value(r, name, start, caps)


def _hornpipe_ok(r):
    return not fields.is_hornpipe(r.rhythm) or fields.hornpipe_meter_ok(r.meter)


def _search_value(r, name, start, caps, depth=9):
    """The shortest value that extends `start` and that the reader takes for field `name`,
    by breadth-first search."""
    # Closing characters first: the frontier is cut short, and they end a value soonest.
    alphabet = [c for c in '"0123456789/ :=|CGDAFEBmajorindxlef^_' if _can(caps, c)]
    frontier = [start]
    for _ in range(depth):
        for text in frontier:
            if r.value_problem(name, text.strip()) is None:
                return text
        frontier = [t + c for t in frontier for c in alphabet
                    if r.value_can_continue(name, (t + c).strip())][:200]
    return None


def _line_letter(r, caps):
    """A letter opening a line: a field, or (in the body) a note or a decoration."""
    name, chunks = r.field_name, []
    if r.in_header or name in fields.BODY_FIELDS:
        value = _value(r, name, "", caps)
        chunks.append(None if value is None else f":{value}\n")
    if not r.in_header:
        chunks.append(_as_music(r, caps))
    return chunks


def _as_music(r, caps):
    """The line's opening letter read as music: the first chunks of the music's completion,
    as far as the first that settles it (a blank alone could still lead to a field), so
    that the rest is the completion of a state the constraint may already know."""
    written = ""
    for _, chunk in steps(r.as_music(), caps):
        written += chunk
        if written.strip(" \t"):
            return written
    return None


def _field(r, caps):
    value = _value(r, r.field_name, r.text, caps)
    if value is None:
        return None
    if r.field_name == "K" and r.in_header and not _hornpipe_ok(r):
        return None
    return value[len(r.text):] + "\n"


def _to_line_end(r, caps):
    return "\n"


# ---- music ----------------------------------------------------------------------------------

def _music(r, caps):
    """What the tune needs next between elements, most pressing first."""
    if r.broken is not None:
        return _note_text(r, caps, forced=r.broken[1])
    if r.tie is not None:
        return _note_text(r, caps, pitch=r.tie[0])
    if r.multirest:
        return _bar_text(r, caps, "|")
    if r.sampled and r.slurs and not r.slur_empty and not r.wants_note:
        # a sampled tune ends with its slurs closed: here, or after a blank (where no )
        # may stand) on the next note
        if not r.space_run:
            return ")"
        planned = isinstance(r.form, PlanState)  # whose own next chunk is a note where one fits
        return [")", _music_on(r, caps)] if planned else [")", _note_text(r, caps), _music_on(r, caps)]
    return _music_on(r, caps)


def _music_on(r, caps):
    """What the music needs next, once nothing is pending on the note before."""
    voice = r.voice
    if isinstance(r.form, PlanState) and not r.wants_note and r.tuplet is None:
        return _planned(r, caps)
    if r.wants_note or r.tuplet is not None or not r.has_notes:
        return _note_text(r, caps)
    required = voice.required()
    if required is not None and voice.current.length < required:
        return _note_text(r, caps)
    if not r.bar_closed:
        length = voice.current.played if voice.current is not None else None
        if r.cuts_a_chord(length) or r.off_the_steps(length):
            return _note_text(r, caps)  # the bar goes on to where the tune may end
        bar = _closing_bar(voice)
        closing = _bar_text(r, caps, "||" if bar == "|" and r.plain_bar_line_refused() else bar)
        # At a line's start the tune may end as it is (a blank line closes its last bar),
        # where a bar line alone on a line would leave a line without notes.
        return ["\n", closing] if r.mode == "line_start" else closing
    if r.cuts_a_chord(voice.last_bar):
        return _note_text(r, caps)  # another bar, as this one may not end the tune
    if r.parts_due:
        return ("" if r.mode == "line_start" else "\n") + f"P:{sorted(r.parts_due)[0]}\n"
    if repeats.can_end(voice.signs):
        return _bar_text(r, caps, _closing_bar(voice), space=True)
    return "\n" if r.mode in ("line_start", "line_space") else "\n\n"


def _planned(r, caps):
    """The next chunk of a tune with a form plan (charrnn.music.steer.plan): the bar line it
    has next, or a note towards the bar's length, in a part's last bar the held final."""
    want = r.form.want(r)
    if want[0] == "end":
        return "\n" if r.mode in ("line_start", "line_space") else "\n\n"
    if want[0] == "bar":
        return [_bar_text(r, caps, text, space=r.bar_closed) for text in want[1]]
    _, room, final = want
    multiples = _writable_multiples(caps, r.unit, r.lengths)
    writing = r.lengths.writing
    if final is None:
        letter = _note_letter(caps, None, r)
        longest = _longest_within(multiples, room / r.unit)
        return None if letter is None or longest is None else [letter + writing[longest]]
    letters, held = final
    ending = next((c for c in "".join(sorted(letters)) + "".join(sorted(letters)).lower()
                   if _can(caps, c) and _in_register(r, c)), None) if letters else \
        _note_letter(caps, None, r)
    filler = next((c for c in "ABCDEFGabcdefg" if c.upper() not in letters and _can(caps, c)
                   and _in_register(r, c)), None)
    options = []
    if ending is not None and room >= held and room / r.unit in multiples:
        options.append(ending + writing[room / r.unit])
    if filler is not None:  # a note that leaves a held final note room to fill the bar
        fits = [m for m in multiples if room - m * r.unit >= held]
        options += [filler + writing[m] for m in fits
                    if _closable((room - m * r.unit) / r.unit, multiples, held / r.unit)][:1]
        options += [filler + writing[m] for m in fits[:1]]
    return options


@functools.lru_cache(maxsize=4096)
def _closable(room, multiples, held) -> bool:
    """Whether notes of `multiples` (units, longest first) can fill `room` units and end
    on one of `held` units or more: a tune whose lengths leave out 2 (a quarter note in
    6/8) ends a bar of 5/8 with two eighths and a dotted quarter, not a dotted quarter and
    a note it cannot write."""
    if room in multiples and room >= held:
        return True
    return any(_closable(room - m, multiples, held) for m in multiples if room - m >= held)


def _closing_bar(voice):
    """The bar line that lets the voice end as abc2midi plays it: | or :| (or ||)."""
    ending = repeats.can_end(voice.signs)
    return {(): "|", (repeats.END,): ":|", (repeats.SECTION,): "||"}.get(ending, ":|2")


def _bar_text(r, caps, bar, space=False):
    # spaced, else bare (a corpus without blanks before bar lines, or at a line's start,
    # has them refused by the idiom), else on a new line
    return list(dict.fromkeys([(" " if space else "") + bar, bar, "\n" + bar]))


def _note_text(r, caps, forced=None, pitch=None):
    """A note that fits: the length a broken rhythm forces, the pitch a tie needs."""
    voice = r.voice
    full = voice.current is not None and voice.room() is not None and voice.room() <= 0
    if full and forced is None and not r.tuplet:
        return _bar_text(r, caps, "|")
    marks = ""
    if forced is not None:
        length, marks = forced
        multiple = length / r.unit
    else:
        multiple = _fitting_multiple(r, caps)
    if multiple is None or multiple not in r.lengths.writing:
        return None
    letter = _note_letter(caps, pitch, r)
    if letter is None:
        return None
    return marks + letter + r.lengths.writing[multiple]


def _note_letter(caps, pitch, r=None):
    """The pitch a tie waits for, else the first letter that caps can write (and, given the
    reader, that the form plan's register for the part allows)."""
    if pitch is not None:
        return pitch[0] + pitch[1]
    return next((c for c in "ABCDEFGabcdefg" if _can(caps, c) and _in_register(r, c)), None)


def _in_register(r, letter):
    return r is None or not isinstance(r.form, PlanState) or r.form.in_register(letter)


@functools.lru_cache(maxsize=64)
def _writable_multiples(caps, unit, forms):
    """The note lengths (multiples of the unit) that caps can write in `forms` (the
    grammar's LengthForms), longest first."""
    return tuple(sorted((m for m, text in forms.writing.items() if _can(caps, text)
                         and m * unit >= MIN_NOTE and m <= 16), reverse=True))


def _fitting_multiple(r, caps):
    """The length (as a multiple of the unit) of the next note: what completes a pickup
    the bar must complete, else the unit if it fits, else the longest shorter one."""
    scale = r.tuplet[0] if r.tuplet else mpq(1)
    room = r.bar_limit()  # what completes a pickup waiting on the bar, where one does
    required = r.voice.required()
    candidates = _writable_multiples(caps, r.unit, r.lengths)
    most = None if room is None else room / (r.unit * scale)  # the longest that fits
    longest = _longest_within(candidates, most)
    if required is not None and longest == most:
        return most
    if most is None or most >= 1:
        unit = _longest_within(candidates, 1)
        return mpq(1) if unit == 1 else (candidates[-1] if candidates else None)
    return longest


def _longest_within(candidates, most):
    """The longest of `candidates` (longest first) no longer than `most` (None: any)."""
    if most is None:
        return candidates[0] if candidates else None
    first = bisect.bisect_left(candidates, -most, key=operator.neg)
    return candidates[first] if first < len(candidates) else None


# ---- tokens in progress ---------------------------------------------------------------------

def _note(r, caps):
    """Finish the note being written: its letter, the octave marks a tie waits for, its
    length, then end it."""
    _, letter, octave = r.note
    tied = r.tie[0] if r.tie is not None else None
    if not letter:
        return _note_letter(caps, tied, r)
    if tied is not None and not r.text and tied[1] != octave and tied[1].startswith(octave):
        return tied[1][len(octave):]
    return _end_note_text(r, caps)


def _end_note_text(r, caps):
    suffix = _length_suffix(r, caps)
    if suffix is None:
        return None
    enders = _enders(r)
    if r.context == "music" and r.sampled and r.slurs:
        enders = ")" + enders  # close the slur on the note (not after a blank)
    return [suffix + ender for ender in enders]


def _enders(r):
    """What ends the note being written: a chord's ], a grace group's }, else a blank or a
    bar line or a line's end."""
    return {"chord": "]", "grace": "}"}.get(r.context, " |\n")


@functools.lru_cache(maxsize=1024)
def _extensions(written, caps, forms):
    """The length texts of `forms` that extend `written` with caps, shortest first."""
    return [text for text in forms.briefest if text.startswith(written) and _can(caps, text[len(written):])]


def _length_rule(r):
    """What the length of the note (or chord) being written must meet, as one hashable
    tuple: long enough, the length a broken rhythm or the chord's first note asks, and no
    longer than the bar and the pickup waiting on it allow. Bar positions recur, and so do
    rules: `_fitting_texts` is worked out once per rule."""
    if r.context in ("grace", "chord"):
        first = r.chord_lengths[0] if r.context == "chord" and r.chord_lengths else None
        return r.context, r.unit, first
    inner = r.chord_lengths[0] if r.mode == "chord_length" else 1
    room = r.bar_limit()
    scale = r.tuplet[0] if r.tuplet else 1
    return "music", r.unit, r.mode == "chord_length", inner, scale, r.broken, room


def _length_ok(rule, multiple):
    """Whether a note of `multiple` unit lengths meets the rule (`_length_rule`)."""
    if rule[0] != "music":
        context, unit, first = rule
        return multiple * unit >= MIN_NOTE and (first is None or multiple == first) and \
            (context != "grace" or grace_length_ok(multiple * unit))
    _, unit, chord_length, inner, scale, broken, room = rule
    written = multiple * inner * unit
    if not chord_length and multiple * unit < MIN_NOTE:
        return False
    if scale != 1 and not one_note_value(written):
        return False
    duration = written * scale
    if broken is not None:
        if written != broken[1][0]:
            return False
        duration *= broken[0]
    return room is None or duration <= room


@functools.lru_cache(maxsize=8192)
def _fitting_texts(written, caps, rule, forms):
    """The first few length texts extending `written` that meet `rule`, shortest first."""
    return tuple(itertools.islice((text for text in _extensions(written, caps, forms)
                                   if _length_ok(rule, forms.values[text])), 4))


def _length_suffix(r, caps):
    """The shortest length text that extends what is written and lets the note stand."""
    written = r.text if r.mode in ("note", "chord_length") else ""
    for text in _fitting_texts(written, caps, _length_rule(r), r.length_forms()):
        for ender in _enders(r):
            trial = r.copy().feed(text[len(written):] + ender)
            if trial.alive:
                return text[len(written):]
    return None


def _chord(r, caps):
    return "]" if r.chord_lengths else _note_letter(caps, None)


def _chord_length(r, caps):
    suffix = _length_suffix(r, caps)
    return None if suffix is None else [suffix + ender for ender in " |\n"]


def _grace(r, caps):
    return "}" if r.grace_notes else _note_letter(caps, None)


def _bar(r, caps):
    return [ending + end for ending in ("|", "", "]", ":") for end in (" ", "\n")
            if BAR_LINE.fullmatch(r.text + ending)]


def _variant(r, caps):
    return " "


def _bracket(r, caps):
    return _note_letter(caps, None)


def _inline_name(r, caps):
    value = _value(r, r.field_name, "", caps)
    return None if value is None else f":{value}]"


def _inline(r, caps):
    value = _value(r, r.field_name, r.text, caps)
    return None if value is None else value[len(r.text):] + "]"


def _quote(r, caps):
    """Close a chord symbol, completing its name first where it is unfinished."""
    chords = r.policy.chords if r.policy is not None else None
    if chords is not None and r.text[:1] not in ANNOTATION_MARKS:  # the likeliest allowed one
        return next((c[len(r.text):] + '"' for c in chords
                     if c.startswith(r.text) and _can(caps, c[len(r.text):])), None)
    frontier = [""]
    for _ in range(5):
        for ending in frontier:
            if CHORD_SYMBOL.fullmatch(r.text + ending):
                return ending + '"'
        frontier = [e + c for e in frontier for c in _CHORD_ALPHABET if _can(caps, c)
                    and CHORD_SYMBOL.fullmatch(r.text + e + c, partial=True)][:100]
    return None


def _decoration(r, caps):
    """Close the decoration; a lone ! may also be an old line break, tried first."""
    mark, name = r.text[0], r.text[1:]
    allowed = DECORATIONS if r.policy is None else r.policy.decorations
    names = sorted((d for d in allowed if d.startswith(name) and _can(caps, d[len(name):])),
                   key=lambda d: (len(d), d))  # DECORATIONS is a set: ties in a fixed order
    closing = names[0][len(name):] + mark if names else None
    return ["\n", closing] if mark == "!" and not name else closing


def _paren(r, caps):
    """Close the slur just opened, or (a sampled tune has no empty slur) put a note in it,
    after a bar line where the bar is full."""
    return [")", _note_letter(caps, r.tie[0] if r.tie is not None else None, r), "|"]


def _tuplet(r, caps):
    return [" ", "\n", _note_letter(caps, None, r)] if TUPLET.fullmatch(r.text) else None


def _broken(r, caps):
    return _note_text(r, caps, forced=(r.last.length, r.last.marks))


def _multirest(r, caps):
    return "|"


def _line_letter_space(r, caps):
    return _as_music(r, caps)


_CHUNKS = {
    "line_start": _line_start, "line_space": _music, "line_letter": _line_letter, "field": _field,
    "line_letter_space": _line_letter_space,
    "field_comment": _to_line_end, "comment": _to_line_end, "music_comment": _to_line_end,
    "backslash": _to_line_end, "music": _music, "note": _note, "chord": _chord,
    "chord_length": _chord_length, "grace": _grace, "bar": _bar, "variant": _variant,
    "bracket": _bracket, "inline_name": _inline_name, "inline": _inline, "quote": _quote,
    "bang": _decoration, "plus": _decoration, "paren": _paren, "tuplet": _tuplet,
    "broken": _broken, "multirest": _multirest,
}
