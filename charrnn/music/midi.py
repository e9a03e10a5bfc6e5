"""ABC tunes to MIDI through music21, playing the notes abc2midi plays.

music21 10's ABC reader has gaps that matter for folk tunes. A `:|` without a `|:` repeats
the wrong span (AABB tunes come out half again too long); accidentals do not carry through
a bar unless the file declares `%abc-2.1`; a broken rhythm beside a tie, slur or mark is
lost; grace notes count as tuplet notes; inline fields ([K:C]) are ignored; a note marked
`H` is dropped; chord symbols sound as chords lasting to the next symbol; and one bad tune
stops a whole file. abc2midi (abcMIDI), the reference converter, also *plays* what music21
ignores: grace notes, rolls, trills, staccato, fermatas, hornpipe swing.

So each tune is read on its own, in three steps:
1. `playable_abc`: the tune rewritten into ABC that music21 reads right, in playing order
   (repeats written out by abc2midi's rules, broken rhythms and tuplets as note lengths,
   decorations carried as marks music21 keeps);
2. music21 reads it (`tune_to_stream`);
3. abc2midi's playing rules are applied to the notes (`tune_to_midi`), and music21 writes
   the MIDI file.
Steps 1 and 3 are written by hand because no library plays ABC the way abc2midi does; the
rules come from abcMIDI's source (store.c, genmidi.c, parseabc.c) and were checked against
abc2midi 4.84 (`benchmarks/abc2midi_agreement.py` measures the agreement).
"""

import contextlib
import io
import re
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

from charrnn.errors import UserError
from charrnn.files import write_atomic
from charrnn.music.tunes import split_tunes, tune_field

# --- 1. the tune as ABC that music21 reads right, in playing order ---------------------
# Token kinds. Bar lines are read as abc2midi's parser reads them (parseabc.c): `||:` is a
# double bar and a stray colon, `:|:` an end repeat and a stray colon, `|]` and `[|` are
# double bars (store.c, event_bar), `|1`, `:|2` and `[1` open variant endings.
BAR, DOUBLE, BAR_REP, REP_BAR, DOUBLE_REP, VARIANT = "|", "||", "|:", ":|", "::", "[n"
TEXT, LINE = "text", "line"
_BARS = {"|": BAR, "||": DOUBLE, "|]": DOUBLE, "[|": DOUBLE, "|:": BAR_REP, "::": DOUBLE_REP}
_SECTION_ENDS = (REP_BAR, BAR_REP, DOUBLE, VARIANT)

_LIST = r"\d+(?:[-,]\d+)*"
_MUSIC_TOKEN = re.compile(
    r'"[^"]*"?'  # chord symbol or annotation
    r"|![^!]*!"  # decoration
    r"|\[[A-Za-z]:[^\]]*\]?"  # inline field
    r"|\[\|:?"  # [| and [|:
    rf"|\[(?P<v>{_LIST})"  # [1  [1,3
    rf"|\|(?:[:|\]]|(?P<b>{_LIST}))?"  # |  ||  |]  |:  |1
    rf"|::|:\|(?P<r>{_LIST})?\]?|:"  # ::  :|  :|2  :|]  and a lone colon
    r"|%.*"  # comment
    r"|(?P<music>\(\d(?::\d*){0,2}|[^\"!\[|:%(]+|\[(?![A-Za-z]:|\||\d)|.)"  # notes, (3:2...
)
_INLINE_FIELD = re.compile(r"\[[A-Za-z]:[^\]]*\]")
_FIELD_LINE = re.compile(r"[A-Za-z+]\s*:(?![:|])")  # `A:|` is music, as abc2midi reads it
# A quoted string that is not a chord name is an annotation ("f", "Segno", ">"): abc2midi
# ignores it, and music21 can lose the note after it, so it goes.
_CHORD_SYMBOL = re.compile(r"\(?[A-G][#b]?(?:m|min|maj|M|dim|aug|sus|add)?\d*"
                           r"(?:(?:sus|add|b|#)\d+)*(?:/[A-Ga-g][#b]?)?\)?")

# music21's reader keeps few note marks: staccato `.`, and its own `K` (accent), `k` (strong
# accent), `M` (tenuto), `u` and `v` (bowings). It ignores trills (`T`) and rolls (`~`) and drops
# a note marked `H` (fermata) altogether. abc2midi plays all three, so they travel through
# music21 as marks it keeps and become expressions again after (`_restore_marks`).
_CARRIERS = {"T": "K", "~": "k", "H": "M", "x": "z"}  # x: an invisible rest, still a rest
_BANGS = {"trill": "T", "fermata": "H", "staccato": ".", "breath": "."}  # as the short forms
# Letters that are notes or rests; any other letter in the music is a decoration (ABC 2.1
# section 4.14) that abc2midi does not play and music21 can mistake for a note.
_NOTE_LETTERS = frozenset("ABCDEFGabcdefgzyZX")
_BANG = re.compile(r"!([^!]*)!|\+([^+]*)\+")  # !trill!, and the older +trill+
_BAR_REST = re.compile(r"[ZX](\d*)")  # rests whole bars long: music21 drops them
_REST_FERMATA = re.compile(r"[Kk.]*M[Kk.M]*z(\d*/*\d*)")
_LOST_MARK = re.compile(r"[Kk.M]+(?![Kk.M]*[\^_=A-Ga-g])")  # not before a note: lost

_TUPLET = re.compile(r"\((\d)(?::(\d*))?(?::(\d*))?")
# One note or chord of a tuplet, with what may come before it (slurs, ties, marks, graces)
_TUPLET_NOTE = re.compile(r"(?P<pre>(?:[\s().KkM<>-]|\{[^}]*\})*)"
                          r"(?P<note>[\^_=]*[A-Ga-gz][,']*|\[[^\]]*\])(?P<len>\d*/*\d*)")
_GRACE_GROUP = re.compile(r"\{[^}]*\}")
_GRACE_NOTE = re.compile(r"([\^_=]*[A-Ga-g])")
_NOTE = r"(?P<{0}>(?P<{0}mark>[.KkMv]*)[\^_=]*(?P<{0}name>[A-Ga-gz][,']*))(?P<{0}len>\d*/*\d*)"
_BROKEN = re.compile(_NOTE.format("a") + r"(?P<before>[\s()-]*?)(?P<op>>+|<+)"
                     r"(?P<after>[\s()-]*?)(?!\d)(?P<grace>\{[^}]*\}[\s(]*)?" + _NOTE.format("b"))
_MARK_BEFORE_BROKEN = re.compile(r"[.KkM]+[<>]+")  # `B.>G`: abc2midi loses the rhythm


@dataclass
class _Header:
    """How a tune is played, from its header and any later M: and L: fields."""
    unit: Fraction  # L:, in beats
    meter_top: int  # M: top number as abc2midi counts it: C is 4, C| is 2
    bar: Fraction  # a bar's length in beats
    hornpipe: bool  # R: says hornpipe


def _meter(text: str) -> tuple[int, Fraction]:
    """(top number, bar length in beats) of an M: field. C is 4/4, C| 2/2; one abc2midi
    cannot read (none, 2+3/8) counts as 4/4."""
    meter = text.strip().replace(" ", "")
    top, _, bottom = {"C": "4/4", "C|": "2/2"}.get(meter, meter).partition("/")
    if not (top.isdigit() and bottom.isdigit() and int(top) and int(bottom)):
        return 4, Fraction(4)
    return int(top), Fraction(4 * int(top), int(bottom))


def _unit(text: str | None, bar: Fraction) -> Fraction:
    """An L: field in beats; without one, the ABC default: 1/16 for meters under 3/4,
    else 1/8."""
    unit = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if unit and int(unit[1]) and int(unit[2]):
        return 4 * Fraction(int(unit[1]), int(unit[2]))
    return Fraction(1, 4) if bar < 3 else Fraction(1, 2)


def _header(tune_text: str) -> _Header:
    """Unit length, meter and rhythm of a tune as its header sets them."""
    top, bar = _meter(tune_field(tune_text, "M") or "4/4")
    rhythm = (tune_field(tune_text, "R") or "").strip().lower()
    # abc2midi plays a tune as a hornpipe when its R: field starts with the word
    return _Header(_unit(tune_field(tune_text, "L"), bar), top, bar, rhythm.startswith("hornpipe"))


def _after_field(header: _Header, field: str) -> _Header:
    """The header as an M: or L: field in the body (`M:3/4`, inline `[L:1/16]`) leaves it."""
    name, value = field[0], field[2:]
    if name == "M":
        top, bar = _meter(value)
        return replace(header, meter_top=top, bar=bar)
    if name == "L":
        return replace(header, unit=_unit(value, header.bar))
    return header


def _written_length(text: str) -> Fraction:
    """A note's length multiplier as written after it: "", "2", "/", "3/2", "//"."""
    top, slashes, bottom = re.fullmatch(r"(\d*)(/*)(\d*)", text).groups()
    return Fraction(int(top or 1), int(bottom) if bottom else 2 ** len(slashes))


def _length_text(length: Fraction) -> str:
    """ABC length multiplier for a Fraction: "3/2", "2", "1/4"."""
    if length.denominator == 1:
        return str(length.numerator)
    return f"{length.numerator}/{length.denominator}"


def _tuplets(music: str, meter_top: int) -> str:
    """Tuplets written out as note lengths: `(3abc` becomes `a2/3b2/3c2/3`. music21 counts a
    grace note as one of a tuplet's notes, abc2midi does not; and abc2midi plays (5, (7 and
    (9 in the time of 3 notes when the meter's top number divides by 3, else 2, where
    music21 says 3 only for compound meters (parseabc.c, get_tuple_parameters)."""
    out, at = [], 0
    for start in _TUPLET.finditer(music):
        if start.start() < at or not int(start[1]):
            continue  # inside a tuplet already written out, or `(0`
        p = int(start[1])
        default = 3 if p in (2, 4, 8) or (p in (5, 7, 9) and meter_top % 3 == 0) else 2
        q, r = int(start[2] or default), int(start[3] or p)
        out.append(music[at:start.start()])
        at = start.end()
        for _ in range(r):
            note = _TUPLET_NOTE.match(music, at)
            if not note:
                break
            # a grace note in a tuplet is shortened with it; music21 keeps a grace note's
            # type, not its length, so it is marked `u` for _play_part to do the sum
            pre = _GRACE_GROUP.sub(lambda g: _GRACE_NOTE.sub(r"u\1", g[0]), note["pre"])
            scaled = _written_length(note["len"]) * Fraction(q, p)
            out.append(pre + note["note"] + _length_text(scaled))
            at = note.end()
    return "".join(out) + music[at:]


def _broken_pair(m: re.Match, hornpipe: bool) -> str:
    """One broken rhythm `a>b` written as lengths, or left out, as abc2midi plays it."""
    marks = m["amark"] + m["bmark"]
    lengths = [_written_length(m["alen"]), _written_length(m["blen"])]
    grace = m["grace"] or ""
    # with a tie, abc2midi keeps the tie when the notes are the same (and not staccato)
    tie = "-" in m["before"] + m["after"] and m["aname"] == m["bname"] and "." not in m["amark"]
    # it compares the lengths it plays: a staccato note's is halved, a fermata's doubled
    unequal = ("." in m["amark"]) != ("." in m["bmark"]) or "M" in marks
    if tie or unequal or lengths[0] != lengths[1]:
        return m["a"] + m["alen"] + ("-" if tie else " ") + grace + m["b"] + m["blen"]
    # `>` moves half the second note's length to the first (a third in a hornpipe, which
    # abc2midi plays 2:1), `>>` three quarters, `>>>` seven eighths
    share = Fraction(1, 3) if hornpipe and len(m["op"]) == 1 else 1 - Fraction(1, 2 ** len(m["op"]))
    longer, shorter = lengths[0] * (1 + share), lengths[1] * (1 - share)
    if m["op"][0] == "<":
        longer, shorter = shorter, longer
    # `v` (down-bow) marks the pair for _swing_hornpipe, which can overrule it
    start = "" if m["aname"] == "z" else "v"
    return start + m["a"] + _length_text(longer) + " " + grace + m["b"] + _length_text(shorter)


def _broken_rhythms(music: str, hornpipe: bool = False) -> str:
    """Broken rhythms (`a>b`) written out as note lengths (`a3/2 b1/2`), which music21 reads
    wherever they are: it loses a broken rhythm beside a tie, slur, mark or grace notes
    (`d>-c`, `G>(B`, `.B>.B`, `d>{f}e`). See _broken_pair for abc2midi's exceptions."""
    music = _MARK_BEFORE_BROKEN.sub(lambda m: m[0].rstrip("<>"), music)
    return _BROKEN.sub(lambda m: _broken_pair(m, hornpipe), music)


def _carry_marks(music: str, header: _Header) -> str:
    """A run of music (no quotes, fields or comments) rewritten for music21: decorations as
    in _CARRIERS, the ones abc2midi ignores dropped, and one kept only when a note follows,
    as abc2midi loses one written before a slur, grace or chord. A fermata doubles a rest
    (abc2midi plays it so); whole-bar rests, tuplets and broken rhythms become lengths."""
    music = _BANG.sub(lambda m: _BANGS.get(m[1] or m[2], ""), music)
    music = music.replace("!", "").replace("+", "")  # unclosed, as abc2midi ignores them
    music = "".join(_CARRIERS.get(c, c) for c in music
                    if not c.isalpha() or c in _NOTE_LETTERS or c in _CARRIERS)
    music = _REST_FERMATA.sub(lambda m: "z" + _length_text(2 * _written_length(m[1])), music)
    bar = header.bar / header.unit  # in units of L:
    music = _BAR_REST.sub(lambda m: "z" + _length_text(int(m[1] or 1) * bar), music)
    music = _broken_rhythms(_tuplets(music, header.meter_top), header.hornpipe)
    return _LOST_MARK.sub("", music)


def _bar_token(text: str, m: re.Match) -> list[tuple[str, object]]:
    """Tokens of a bar line, with the variant ending it opens, if any."""
    if text.startswith(":|"):
        tokens = [(REP_BAR, text)]
    elif text == "[|:":
        tokens = [(DOUBLE, "[|"), (BAR_REP, "")]
    else:
        tokens = [(_BARS.get(text, BAR), text)] if not m["v"] else []
    endings = m["v"] or m["b"] or m["r"]
    return tokens + ([(VARIANT, _endings(endings))] if endings else [])


def _endings(text: str) -> frozenset[int]:
    """The passes a variant ending is played on, from its list: "2", "1,3", "1-3"."""
    passes = set()
    for part in text.split(","):
        low, _, high = part.partition("-")
        passes.update(range(int(low), int(high or low) + 1))
    return frozenset(passes)


def _music_tokens(line: str, header: _Header) -> tuple[list, _Header]:
    """(kind, value) tokens of a line of music, and the header as its inline fields leave
    it. A value is text, or for VARIANT the passes the ending is played on. Runs of notes
    come out rewritten for music21 (_carry_marks)."""
    tokens, run = [], []
    for m in _MUSIC_TOKEN.finditer(line):
        text = m[0]
        if m["music"] or text.startswith("!"):
            run.append(text)
            continue
        if text.startswith('"') and not _CHORD_SYMBOL.fullmatch(text.strip('"')):
            continue  # an annotation goes, without cutting the run (`A>"S"G` stays a pair)
        if run:
            tokens.append((TEXT, _carry_marks("".join(run), header)))
            run = []
        if _INLINE_FIELD.fullmatch(text):
            header = _after_field(header, text[1:-1])
            # music21 ignores an inline field such as [K:C]; on a line of its own it reads it
            tokens.append((TEXT, "\n" + text[1:-1] + "\n"))
        elif text.startswith('"') or text.startswith("%"):  # a chord symbol or a comment
            tokens.append((TEXT, text))
        elif text != ":":  # a lone colon is an error abc2midi skips; so do we
            tokens += _bar_token(text, m)
    if run:
        tokens.append((TEXT, _carry_marks("".join(run), header)))
    return tokens, header


def _body_tokens(body_lines: list[str], header: _Header) -> list[tuple[str, object]]:
    """Tokens of a tune body. Field lines (`K:`, `M:`, `W:`) and comment lines stay whole."""
    tokens = []
    for line in body_lines:
        if line.startswith("%") or _FIELD_LINE.match(line):
            tokens.append((LINE, line + "\n"))
            header = _after_field(header, line)
        else:
            line_tokens, header = _music_tokens(line, header)
            tokens += line_tokens + [(TEXT, "\n")]
    return tokens


def _add_missing_starts(tokens: list) -> list:
    """Tokens with the `|:` that a repeat lacks put in, the way abc2midi does it (store.c,
    `scan_for_missing_repeats` then `fixreps`): a `:|` or `::` before any `|:` repeats from
    the start of the music; a later one from the last `||`, `|]` or `:|` (an `:|` there
    becomes `::`), but only until the first variant ending; a second `|:` becomes `::`."""
    tokens = [(DOUBLE, "")] + list(tokens)
    first = next((k for k, _ in tokens if k in (BAR_REP, REP_BAR, DOUBLE_REP)), None)
    if first in (REP_BAR, DOUBLE_REP):
        tokens.insert(1, (BAR_REP, ""))
    point, expect, endings = 0, False, 0
    for j, (kind, value) in enumerate(tokens):
        if not expect and (kind == DOUBLE_REP or (kind in (REP_BAR, VARIANT) and not endings)):
            kind_at, text_at = tokens[point]
            if kind_at in (DOUBLE, BAR, REP_BAR):
                tokens[point] = (DOUBLE_REP if kind_at == REP_BAR else BAR_REP, text_at)
        if kind == BAR_REP and expect:
            tokens[j] = (DOUBLE_REP, value)
        if kind in (BAR_REP, DOUBLE_REP):
            expect = True
        elif kind == REP_BAR:
            expect, point = False, j
        elif kind == DOUBLE:
            point = j
        elif kind == VARIANT:
            endings += 1
    return tokens


def _skip_ending(tokens: list, j: int) -> int:
    """Index of the token that closes the variant ending at j; abc2midi resumes after it."""
    j += 1
    while j < len(tokens) and tokens[j][0] not in _SECTION_ENDS:
        j += 1
    return j


def _play_order(tokens: list) -> list[int]:
    """Indices of `tokens` in the order they are played. A transcription of abc2midi's
    play loop (genmidi.c, `writetrack`): `pass_no` counts the times through a repeated
    section, `max_pass` grows by one for each variant ending played, and a jump back
    resumes after the saved `|:`."""
    order, saved, expect, pass_no, max_pass, j = [], -1, False, 1, 2, 0
    limit = 8 * len(tokens) + 8  # the rules always move on; this only guards the loop
    while j < len(tokens) and len(order) < limit:
        kind, value = tokens[j]
        order.append(j)
        if kind == BAR_REP or (kind == DOUBLE_REP and (pass_no > 1 or not expect)):
            if kind == BAR_REP or pass_no > 1:
                max_pass = 2
            saved, expect, pass_no = j, True, 1
        elif kind == REP_BAR and ((pass_no == 1 and expect) or 1 < pass_no < max_pass):
            j, expect, pass_no = saved, False, pass_no + 1
        elif kind == DOUBLE_REP:  # on the first pass, with its `|:`: go back
            j, pass_no = saved, pass_no + 1
        elif kind == VARIANT and (pass_no if expect or pass_no > 1 else 1) not in value:
            j = _skip_ending(tokens, j)
            order.append(j)
        elif kind == VARIANT and max_pass < 4:
            max_pass = pass_no + 1
        j += 1
    return [j for j in order if j < len(tokens)]


def _render(tokens: list, order: list[int]) -> str:
    """ABC text of the tokens in play order, every bar line a plain `|`."""
    parts = []
    for j in order:
        kind, value = tokens[j]
        if kind in (TEXT, LINE):
            parts.append(value)
        elif kind != VARIANT and value:  # bar lines put in for missing repeats have no text
            parts.append("|")
    return "".join(parts)


def _split_header(lines: list[str]) -> int:
    """Index of the first body line: the one after the first `K:` line, or after the last
    header field when a tune has no `K:`."""
    for i, line in enumerate(lines):
        if line.startswith("K:"):
            return i + 1
    i = 0
    while i < len(lines) and (lines[i].startswith("%") or _FIELD_LINE.match(lines[i])):
        i += 1
    return i


def playable_abc(tune_text: str) -> str:
    """One tune as ABC that music21 reads as abc2midi plays it: repeats and variant endings
    written out in playing order, broken rhythms and tuplets as note lengths, decorations
    as marks music21 keeps (see _CARRIERS), annotations and blank lines dropped; headed by
    `%abc-2.1` (else music21 does not carry accidentals through a bar), `X:1` (music21
    fails on a non-number) and an L: field (music21 fails without one)."""
    lines = [line.rstrip() for line in re.split(r"\r\n|\r|\n", tune_text) if line.strip()]
    start = _split_header(lines)
    head = [line for line in lines[:start] if not line.startswith("X:")]
    header = _header("\n".join(head) + "\n")
    if tune_field("\n".join(head), "L") is None:
        unit = header.unit / 4
        head.insert(max(len(head) - 1, 0), f"L:{unit.numerator}/{unit.denominator}")
    tokens = _add_missing_starts(_body_tokens(lines[start:], header))
    return "\n".join(["%abc-2.1", "X:1", *head, _render(tokens, _play_order(tokens))])


# --- 2. music21 reads it ---------------------------------------------------------------
def _parse(tune_text: str, playing: bool = False):
    """music21's Score of one tune (see playable_abc), trills, rolls and fermatas back as
    expressions."""
    from music21 import converter, stream

    # music21 writes its reader's warnings ("assuming C") straight to stderr; they say
    # nothing a user can act on that the MIDI does not show, so they stay quiet
    with contextlib.redirect_stderr(io.StringIO()):
        score = converter.parse(playable_abc(tune_text), format="abc", forceSource=True)
    if isinstance(score, stream.Opus):  # a stray `X:` inside the text: keep the first
        score = score.scores[0]
    _restore_marks(score, playing)
    return score


def _restore_marks(score, playing: bool) -> None:
    """Turn the marks that carried trills, rolls and fermatas through music21's reader
    (see _CARRIERS) into the expressions they stand for. Bowings mark grace notes in
    tuplets and broken rhythms for playing (_tuplets, _broken_pair); otherwise they go."""
    from music21 import articulations, expressions

    carried = {articulations.Accent: expressions.Trill, articulations.Tenuto: expressions.Fermata,
               articulations.StrongAccent: expressions.Turn}
    for note in score.recurse().notes:
        for mark in list(note.articulations):
            if isinstance(mark, (articulations.UpBow, articulations.DownBow)) and not playing:
                note.articulations.remove(mark)
            elif type(mark) in carried:
                note.articulations.remove(mark)
                note.expressions.append(carried[type(mark)]())


def tune_to_stream(tune_text: str):
    """music21 Score of one ABC tune, repeats written out as abc2midi plays them. A roll
    (`~`) comes out as expressions.Turn, music21 having no roll."""
    return _parse(tune_text)


# --- 3. played as abc2midi plays it ----------------------------------------------------
# abc2midi does not play notes exactly as written: grace notes take a quarter of their
# written length from the note after them, staccato notes sound for half their length, a
# fermata doubles a note, `T` trills and `~` rolls become runs of short notes, the notes of
# a chord start 10 ticks apart, and in a tune whose R: field says hornpipe, pairs of
# eighths swing 2:1 (store.c: dograce, event_note, doornament, dotrill_output, hornp).
_GRACE_SHARE = Fraction(1, 4)  # abc2midi's default `%%MIDI grace 1/4`
_TRILL_NOTE_MAX_US = 100000  # trill notes are halved until each lasts at most 0.1 s
_CHORD_DELAY = Fraction(1, 48)  # 10 ticks at abc2midi's 480 a beat


@dataclass
class _Written:
    """A note, chord or rest as music21 read it, with its place in the part and its bar."""
    element: object
    onset: Fraction
    position: Fraction  # from the start of its bar, in beats
    length: Fraction
    key: object  # the music21 KeySignature in force


@dataclass
class _Sound:
    """A note or chord as played: MIDI pitches, onset and length in beats."""
    pitches: tuple
    onset: Fraction
    length: Fraction
    tie: bool = False  # continues into the next sound of the same pitches
    trill_up: int | None = None  # the upper note of a trill on this note


def _written_items(part) -> list[_Written]:
    """The notes, chords and rests of a part in playing order (grace notes before the note
    they lead to), without chord symbols."""
    from music21 import harmony, key, note

    items, signature = [], key.KeySignature(0)
    for measure in part.getElementsByClass("Measure") or [part]:
        start = Fraction(measure.offset) if measure is not part else Fraction(0)
        for element in measure.recurse() if measure is part else measure:
            if isinstance(element, key.KeySignature):
                signature = element
            elif isinstance(element, note.GeneralNote) and not isinstance(element, harmony.Harmony):
                position = Fraction(element.offset)
                items.append(_Written(element, start + position, position,
                                      Fraction(element.quarterLength), signature))
    return items


def _swing_hornpipe(items: list[_Written], header: _Header) -> None:
    """abc2midi's hornpipe swing: two notes written as single unit notes (eighths in 4/4,
    sixteenths in 2/4; none in 2/2), the second off the beat, become 2:1 (store.c, hornp).
    It compares the lengths it plays, so one staccato note breaks a pair. A pair written
    `c<d` swings all the same (`c>d` plays 2:1 in a hornpipe anyway), and when the second
    note starts a broken rhythm (`Bc>A`), the swing wins and the `>` is dropped."""
    note = Fraction(header.meter_top, 8)
    written_as_one = (header.unit / note).denominator == 1  # `A` or `A/2`, not `A2`
    quarter_meter = header.meter_top in (2, 4) and header.bar == header.meter_top  # not 2/2
    if not header.hornpipe or not quarter_meter or not written_as_one:
        return
    off_beat = 8 if header.meter_top == 4 else 16
    written = _unbroken(items)
    for i, (first, second) in enumerate(zip(items, items[1:])):
        plain = _plain(first, written[i]) and _plain(second, written[i + 1])
        if not (plain and written[i] == written[i + 1] == note):
            continue
        together = _broken_start(first.element)  # a broken pair: where `d` was written
        position = first.position + note if together else second.position
        if (position / 4).denominator != off_beat or \
                _staccato(first.element) != _staccato(second.element):
            continue
        start, first.length = first.onset + note, note * 4 / 3
        second.onset, second.length = start + note / 3, note * 2 / 3
        if _broken_start(second.element) and i + 2 < len(items):
            items[i + 2].onset, items[i + 2].length = start + note, note


def _unbroken(items: list[_Written]) -> list[Fraction]:
    """Each item's length as written: the notes of a broken rhythm written out as lengths
    (_broken_pair marks the first with a down-bow) share their total evenly again."""
    lengths = [item.length for item in items]
    for i, item in enumerate(items[:-1]):
        if _broken_start(item.element):
            lengths[i] = lengths[i + 1] = (item.length + items[i + 1].length) / 2
    return lengths


def _staccato(element) -> bool:
    """Whether a note is marked staccato."""
    from music21 import articulations

    return any(isinstance(a, articulations.Staccato) for a in element.articulations)


def _broken_start(element) -> bool:
    """Whether a note starts a broken rhythm written out as lengths (_broken_pair marks
    it with a down-bow)."""
    from music21 import articulations

    return any(isinstance(a, articulations.DownBow) for a in element.articulations)


def _plain(item: _Written, written: Fraction) -> bool:
    """A single note, not grace, not in a tuplet: the only kind hornpipe swing touches.
    (A broken rhythm written out as lengths can look like a tuplet to music21.)"""
    element = item.element
    in_tuplet = bool(element.duration.tuplets) and item.length == written
    return element.isNote and not element.duration.isGrace and not in_tuplet


def _neighbour(pitch, signature, step: int) -> int:
    """MIDI number of the diatonic neighbour a step above (1) or below (-1), with the key
    signature's accidental, as abc2midi picks the notes of rolls and trills."""
    from music21 import pitch as m21pitch

    letters = "CDEFGAB"
    index = letters.index(pitch.step) + step
    letter, octave = letters[index % 7], pitch.implicitOctave + index // 7
    accidental = signature.accidentalByStep(letter)
    name = accidental.name if accidental else None
    return m21pitch.Pitch(letter, octave=octave, accidental=name).midi


def _grace_length(element, header: _Header) -> Fraction:
    """Written length of a grace note, in beats (music21 keeps its type, not its length)."""
    from music21 import duration

    kind = element.duration.type
    if kind in (None, "zero", "inexpressible"):
        return header.unit
    return Fraction(duration.Duration(type=kind, dots=element.duration.dots).quarterLength)


def _tuplet_ratio(element) -> Fraction:
    """How much a tuplet shortens this note: its length over its notated length (2/3 in a
    triplet), 1 outside tuplets."""
    from music21 import duration

    if not element.duration.tuplets:
        return Fraction(1)
    notated = duration.Duration(type=element.duration.type, dots=element.duration.dots)
    return Fraction(element.quarterLength) / Fraction(notated.quarterLength)


def _pieces(item: _Written, onset: Fraction, length: Fraction, header: _Header) -> list:
    """(pitches, onset, length, graces before it) of what one note turns into: a roll (`~`)
    adds a cut from the note above, or for a note three units long, a note, a cut from
    above and a cut from below (store.c, doornament)."""
    from music21 import expressions

    element = item.element
    pitches = tuple(p.midi for p in element.pitches)
    if not (element.isNote and any(isinstance(e, expressions.Turn) for e in element.expressions)):
        return [(pitches, onset, length, [])]
    unit = header.unit
    up = ((_neighbour(element.pitch, item.key, 1),), unit)
    if length != 3 * unit:
        return [(pitches, onset, length, [up])]
    down = ((_neighbour(element.pitch, item.key, -1),), unit)
    return [(pitches, onset, unit, []), (pitches, onset + unit, unit, [up]),
            (pitches, onset + 2 * unit, unit, [down])]


def _with_graces(graces: list, pitches: tuple, onset: Fraction, length: Fraction) -> list:
    """Sounds of grace notes and the note they lead to: each grace takes a quarter of its
    written length from the note; if the note is too short for them, they are dropped
    (store.c, applygrace_new)."""
    taken = sum(written for _, written in graces) * _GRACE_SHARE
    if not graces or length - taken <= 0:
        return [_Sound(pitches, onset, length)]
    sounds, time = [], onset
    for grace_pitches, written in graces:
        sounds.append(_Sound(grace_pitches, time, written * _GRACE_SHARE))
        time += written * _GRACE_SHARE
    return sounds + [_Sound(pitches, time, length - taken)]


def _tie_on(sounds: list, sound: _Sound) -> bool:
    """Extend the last sound with `sound` when the last is tied to it. abc2midi ties only
    notes of the same pitch (O'Neill's transcribers tie different ones, meaning a slur)."""
    last = sounds[-1] if sounds else None
    if last and last.tie and last.pitches == sound.pitches and \
            last.onset + last.length == sound.onset:
        last.length, last.tie = last.length + sound.length, sound.tie
        return True
    return False


def _marks(element) -> set:
    """Classes of the expressions and articulations on a note."""
    return {type(m) for m in element.expressions} | {type(m) for m in element.articulations}


def _play_part(items: list[_Written], header: _Header) -> tuple[list, list]:
    """Sounds of one part, and the fermata stretches (onset, extra beats) that move the
    tempo marks along with the notes."""
    from music21 import articulations, expressions

    sounds, graces, stretches, shift = [], [], [], Fraction(0)
    for item in items:
        element, onset, length = item.element, item.onset + shift, item.length
        marks, pitches = _marks(element), tuple(p.midi for p in element.pitches)
        if element.duration.isGrace:
            in_tuplet = articulations.UpBow in marks
            graces.append((pitches, _grace_length(element, header), in_tuplet))
            continue
        if expressions.Fermata in marks and not element.isRest:
            stretches.append((item.onset, length))
            shift, length = shift + length, 2 * length
        if articulations.Staccato in marks and expressions.Turn not in marks:
            length = length / 2
        # a grace note inside a tuplet is shortened with it (store.c, event_note)
        leading = [(grace, written * (_tuplet_ratio(element) if in_tuplet else 1))
                   for grace, written, in_tuplet in graces]
        graces = []
        if element.isRest:
            sounds += [s for s in _with_graces(leading, (), onset, length) if s.pitches]
            continue
        for sounding, start, span, cuts in _pieces(item, onset, length, header):
            played = _with_graces(leading + cuts, sounding, start, span)
            leading = []
            sounds += played[1:] if _tie_on(sounds, played[0]) else played
        sounds[-1].tie = bool(element.tie and element.tie.type in ("start", "continue"))
        if expressions.Trill in marks and element.isNote:
            sounds[-1].trill_up = _neighbour(element.pitch, item.key, 1)
    return sounds, stretches


def _trill(sound: _Sound, header: _Header, tempo_us: int) -> list[_Sound]:
    """A trilled note as abc2midi plays it: alternating upper note and note, starting
    above, a unit each, halved until each lasts at most 0.1 s (store.c, dotrill_output)."""
    units = sound.length / header.unit
    count, a, b = units.numerator, 4, units.denominator * int(4 / header.unit)
    while (tempo_us * a) // b > _TRILL_NOTE_MAX_US:
        count, b = count * 2, b * 2
    step = Fraction(a, b)
    return [_Sound((sound.trill_up,) if i % 2 == 0 else sound.pitches, sound.onset + i * step, step)
            for i in range(count)]


def _spread(sound: _Sound) -> list[_Sound]:
    """The notes of a chord one after another, each 10 MIDI ticks (1/48 beat) after the
    last, as abc2midi starts them (genmidi.c, `notedelay`)."""
    return [_Sound((pitch,), sound.onset + k * _CHORD_DELAY, sound.length - k * _CHORD_DELAY)
            for k, pitch in enumerate(sound.pitches)]


def _tempo_us(score, tempo: float | None) -> int:
    """Microseconds a beat at the tempo abc2midi uses for trills: the tune's last tempo."""
    from music21 import tempo as m21tempo

    marks = [m for m in score.recurse().getElementsByClass(m21tempo.MetronomeMark) if m.number]
    return int(60_000_000 / (tempo or (marks[-1].getQuarterBPM() if marks else 120)))


def _copy_tempi(part, out, stretches: list, tempo: float | None) -> None:
    """Tempo marks of `part` into `out`, moved past the fermatas before them; or `tempo`."""
    from music21 import tempo as m21tempo

    if tempo is not None:
        out.insert(0, m21tempo.MetronomeMark(number=tempo, referent=1.0))
        return
    for mark in part.flatten().getElementsByClass(m21tempo.MetronomeMark):
        offset = Fraction(mark.offset)
        offset += sum((extra for at, extra in stretches if at < offset), Fraction(0))
        out.insert(offset, m21tempo.MetronomeMark(number=mark.getQuarterBPM(), referent=1.0))


def _performance(score, header: _Header, tempo: float | None):
    """A music21 Score of the notes as abc2midi plays them, one part per voice."""
    from music21 import note, stream

    tempo_us, played = _tempo_us(score, tempo), stream.Score()
    for part in list(score.parts) or [score]:
        items = _written_items(part)
        _swing_hornpipe(items, header)
        sounds, stretches = _play_part(items, header)
        out = stream.Part()
        for sound in sounds:
            for piece in _trill(sound, header, tempo_us) if sound.trill_up else _spread(sound):
                if piece.length > 0:
                    out.insert(piece.onset, note.Note(piece.pitches[0], quarterLength=piece.length))
        _copy_tempi(part, out, stretches, tempo)
        played.insert(0, out)
    return played


def tune_to_midi(tune_text: str, tempo: float | None = None) -> bytes:
    """A Standard MIDI File (bytes) of one ABC tune, played as abc2midi plays it. `tempo`
    (quarter notes a minute) replaces the tune's own. A tune without notes, or one music21
    cannot read, raises what music21 raised, or ValueError."""
    from music21.midi import translate

    played = _performance(_parse(tune_text, playing=True), _header(tune_text), tempo)
    if not played.flatten().notes:
        raise ValueError("no notes")
    return translate.streamToMidiFile(played).writestr()


# --- comparing MIDI files ----------------------------------------------------------------
def note_sequence(midi_path, grid: int = 48) -> list[tuple[int, float, float]]:
    """(pitch, onset, duration) of every note in a MIDI file, in beats (quarter notes),
    rounded to 1/`grid` of a beat and sorted by onset then pitch. The percussion channel
    is left out. Rounding lets files from different converters compare equal: abc2midi,
    for one, starts each note a tick late and ends it a tick early."""
    from music21 import midi

    midi_file = midi.MidiFile()
    try:
        midi_file.open(str(midi_path))
        try:
            midi_file.read()
        finally:
            midi_file.close()
    except (OSError, midi.MidiException) as error:
        raise UserError(f"cannot read MIDI file {midi_path}: {error}") from None
    ticks = midi_file.ticksPerQuarterNote
    notes = [note for track in midi_file.tracks for note in _track_notes(track)]
    beats = [(pitch, round(on / ticks * grid) / grid, round((off - on) / ticks * grid) / grid)
             for pitch, on, off in notes]
    return sorted(beats, key=lambda note: (note[1], note[0]))


def _track_notes(track) -> list[tuple[int, int, int]]:
    """(pitch, on tick, off tick) of a track's notes; a note-off ends the earliest
    sounding note of its pitch and channel."""
    from music21.midi import ChannelVoiceMessages, DeltaTime

    now, sounding, notes = 0, {}, []
    for event in track.events:
        if isinstance(event, DeltaTime):
            now += event.time
            continue
        if event.type not in (ChannelVoiceMessages.NOTE_ON, ChannelVoiceMessages.NOTE_OFF):
            continue
        if event.channel == 10:  # General MIDI percussion
            continue
        key = (event.channel, event.pitch)
        if event.type == ChannelVoiceMessages.NOTE_ON and event.velocity > 0:
            sounding.setdefault(key, []).append(now)
        elif sounding.get(key):
            notes.append((event.pitch, sounding[key].pop(0), now))
    return notes


# --- converting files ------------------------------------------------------------------
class Written(NamedTuple):
    """A MIDI file written, and the tune it holds."""
    path: Path
    tune: str


class PartialConversion(UserError):
    """Some tunes of a file converted and some did not; `written` and `failures` say which."""

    def __init__(self, written: list[Written], failures: list[str]):
        self.written, self.failures = written, failures
        super().__init__(f"{len(failures)} of {len(written) + len(failures)} tunes not "
                         f"converted; first: {failures[0]}")


def single_tune_text(tune_text: str) -> str:
    """A tune as both converters read it: blank lines inside it dropped (a blank line ends
    a tune in ABC, but `split_tunes` keeps music that follows one), `\\n` line ends."""
    lines = [line.rstrip() for line in re.split(r"\r\n|\r|\n", tune_text)]
    return "\n".join(line for line in lines if line) + "\n"


def _tunes_with_lines(abc_text: str) -> list[tuple[int, str]]:
    """(line number in the file, text) of each tune, numbered from 1."""
    tunes, position = [], 0
    for tune in split_tunes(abc_text):
        position = abc_text.index(tune, position)
        tunes.append((abc_text.count("\n", 0, position) + 1, tune))
        position += len(tune)
    return tunes


def _label(tune_text: str) -> str:
    """How a tune is named in messages: `X:3 "The Kesh"`."""
    title = tune_field(tune_text, "T")
    return f"X:{tune_field(tune_text, 'X') or '?'}" + (f' "{title}"' if title else "")


def _checked_midi(tune_text: str, tempo: float | None) -> bytes:
    """MIDI bytes of a tune; a tune that cannot be played raises ValueError saying why."""
    try:
        return tune_to_midi(tune_text, tempo)
    # music21's ABC reader fails in many ways (ValueError, IndexError, its own exception
    # classes); for a user they all mean the same thing: this tune is malformed.
    except Exception as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ValueError(message[:120]) from None


def _bad_line(lines: list[str], tempo: float | None) -> int:
    """Index of the line whose addition makes a failing tune fail: a bisection over the
    body, assuming a tune that fails up to line k also fails up to any later line."""
    low, high = _split_header(lines), len(lines)  # the first `high` lines fail
    while low < high:
        middle = (low + high) // 2
        try:
            _checked_midi("\n".join(lines[:middle]) + "\n", tempo)
            low = middle + 1
        except ValueError:
            high = middle
    return max(high - 1, 0)


def _tune_midi(tune_text: str, first_line: int, tempo: float | None) -> bytes:
    """MIDI bytes of one tune; a malformed tune raises UserError naming it and the line."""
    try:
        return _checked_midi(tune_text, tempo)
    except ValueError as error:
        own = [line.rstrip() for line in re.split(r"\r\n|\r|\n", tune_text)]
        kept = [i for i, line in enumerate(own) if line]  # single_tune_text drops blanks
        bad = kept[_bad_line([own[i] for i in kept], tempo)]
        raise UserError(f"tune {_label(tune_text)}, line {first_line + bad}: cannot convert "
                        f"({error}): {own[bad].strip()[:60]}") from None


def _select(tunes: list[tuple[int, str]], tune: int) -> tuple[int, str]:
    """The tune whose `X:` is `tune`, or failing that the `tune`-th tune (from 1)."""
    for first_line, text in tunes:
        if (tune_field(text, "X") or "").strip() == str(tune):
            return first_line, text
    if 1 <= tune <= len(tunes):
        return tunes[tune - 1]
    raise UserError(f"no tune X:{tune}, and the file has only {len(tunes)} tunes")


def _numbered_paths(out_path: Path, tunes: list[tuple[int, str]]) -> list[Path]:
    """OUT-N.mid for each tune: N is the tune's X: number when those are distinct numbers,
    else its position in the file (from 1)."""
    numbers = [(tune_field(text, "X") or "").strip() for _, text in tunes]
    if not all(n.isdigit() for n in numbers) or len(set(numbers)) != len(numbers):
        numbers = [str(i) for i in range(1, len(tunes) + 1)]
    suffix = out_path.suffix or ".mid"
    return [out_path.with_name(f"{out_path.stem}-{n}{suffix}") for n in numbers]


def abc_to_midi(abc_text: str, out_path, tune: int | None = None, all_tunes: bool = False,
                tempo: float | None = None) -> list[Written]:
    """Convert ABC text to MIDI; return the files written with their tunes.

    One tune (the first, or `tune` by X: number or else position from 1) goes to
    `out_path`. With `all_tunes`, each tune goes to its own file `OUT-N.mid` (see
    `_numbered_paths`); a malformed tune does not stop the others, and PartialConversion
    lists it at the end. `tempo` (quarter notes a minute) replaces the tunes' own Q:.
    A malformed tune raises UserError naming it (X: and title) and the line at fault.
    """
    if tempo is not None and not tempo > 0:
        raise UserError(f"tempo must be a positive number of beats a minute, not {tempo}")
    tunes = _tunes_with_lines(abc_text)
    if not tunes:
        raise UserError("no tunes found: an ABC tune starts with an X: line")
    out_path = Path(out_path)
    if not out_path.parent.is_dir():
        raise UserError(f"cannot write {out_path}: folder {out_path.parent} does not exist")
    if not all_tunes:
        first_line, text = _select(tunes, tune) if tune is not None else tunes[0]
        return [Written(write_atomic(out_path, _tune_midi(text, first_line, tempo)), text)]
    written, failures = [], []
    for (first_line, text), path in zip(tunes, _numbered_paths(out_path, tunes)):
        try:
            written.append(Written(write_atomic(path, _tune_midi(text, first_line, tempo)), text))
        except UserError as error:
            failures.append(str(error))
    if failures:
        raise PartialConversion(written, failures)
    return written
