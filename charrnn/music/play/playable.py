"""One ABC tune rewritten so that music21's reader plays it as abc2midi does, and read by
music21 into a Score.

music21 10's ABC reader has gaps that matter for folk tunes. A `:|` without a `|:` repeats
the wrong span (AABB tunes come out half again too long); accidentals do not carry through
a bar unless the file declares `%abc-2.1`; a broken rhythm beside a tie, slur or mark is
lost; grace notes count as tuplet notes; inline fields ([K:C]) are ignored; a note marked
`H` is dropped; and chord symbols sound as chords lasting to the next symbol.

So `playable_abc` rewrites the tune into ABC that music21 reads right, in playing order
(repeats written out by abc2midi's rules, broken rhythms and tuplets as note lengths,
decorations carried as marks music21 keeps), and `parse` has music21 read it. No library
plays ABC the way abc2midi does, so the rules are written by hand from abcMIDI's source
(store.c, genmidi.c, parseabc.c).
"""

import re
from dataclasses import dataclass, replace
from fractions import Fraction

from charrnn.music.abc import fields, repeats
from charrnn.music.abc.repeats import BOTH, END, SECTION, START
from charrnn.music.abc.fields import field_match
from charrnn.music.abc.tunes import text_lines, tune_field
from charrnn.music.abc.music21_adapter import read_abc

# --- the tune as ABC that music21 reads right, in playing order ------------------------
# Token kinds: music, whole lines, a plain bar line, a variant ending, and the repeat signs
# (repeats.START, END, BOTH, SECTION) that a bar line stands for in repeats.BAR_LINES.
TEXT, LINE, BAR, VARIANT = "text", "line", "|", "[n"
_REPEAT_SIGNS = (START, END, BOTH, SECTION)
# abc2midi's parser (parseabc.c) reads `||:` as || and a lone colon (a dotted bar line),
# `:|:` as :| and one, `:||:` as :| and |:, and `[|:` as [| and |: ; each piece then
# stands for what repeats.BAR_LINES says.
_PIECES = {"[|:": ("[|", "|:")}

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
class Header:
    """How a tune is played, from its header and any later M: and L: fields."""
    unit: Fraction  # L:, in beats
    meter_top: int  # M: top number as abc2midi counts it: C is 4, C| is 2
    bar: Fraction  # a bar's length in beats
    hornpipe: bool  # R: says hornpipe


def _meter(text: str) -> tuple[int, Fraction]:
    """(top number, bar length in beats) of an M: field, as charrnn.music.abc.fields reads it.
    C is 4/4, C| 2/2; one abc2midi cannot read (none, 2+3/8) counts as 4/4."""
    numbers = fields.meter_numbers(text.replace(" ", ""))
    if numbers is None:
        return 4, Fraction(4)
    return numbers[0], 4 * Fraction(*numbers)


def _unit(text: str | None, bar: Fraction) -> Fraction:
    """An L: field in beats; without one, the ABC default for a bar of `bar` beats
    (fields.bar_default_unit)."""
    value = (text or "").strip().replace(" ", "")
    if fields.VALUES["L"].fullmatch(value):
        return 4 * fields.unit_fraction(value)
    return 4 * fields.bar_default_unit(bar / 4)


def tune_header(tune_text: str) -> Header:
    """Unit length, meter and rhythm of a tune as its header sets them."""
    top, bar = _meter(tune_field(tune_text, "M") or "4/4")
    hornpipe = fields.is_hornpipe(tune_field(tune_text, "R") or "")
    return Header(_unit(tune_field(tune_text, "L"), bar), top, bar, hornpipe)


def _after_field(header: Header, field: str) -> Header:
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
    music21 says 3 only for compound meters (fields.tuplet_time)."""
    out, at = [], 0
    for start in _TUPLET.finditer(music):
        if start.start() < at or not int(start[1]):
            continue  # inside a tuplet already written out, or `(0`
        p = int(start[1])
        default = fields.tuplet_time(p, meter_top)
        q, r = int(start[2] or default), int(start[3] or p)
        out.append(music[at:start.start()])
        at = start.end()
        for _ in range(r):
            note = _TUPLET_NOTE.match(music, at)
            if not note:
                break
            # a grace note in a tuplet is shortened with it; music21 keeps a grace note's
            # type, not its length, so it is marked `u` for performance._play_part to do the sum
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
    # `v` (down-bow) marks the pair for performance._swing_hornpipe, which can overrule it
    start = "" if m["aname"] == "z" else "v"
    return start + m["a"] + _length_text(longer) + " " + grace + m["b"] + _length_text(shorter)


def _broken_rhythms(music: str, hornpipe: bool = False) -> str:
    """Broken rhythms (`a>b`) written out as note lengths (`a3/2 b1/2`), which music21 reads
    wherever they are: it loses a broken rhythm beside a tie, slur, mark or grace notes
    (`d>-c`, `G>(B`, `.B>.B`, `d>{f}e`). See _broken_pair for abc2midi's exceptions."""
    music = _MARK_BEFORE_BROKEN.sub(lambda m: m[0].rstrip("<>"), music)
    return _BROKEN.sub(lambda m: _broken_pair(m, hornpipe), music)


def _carry_marks(music: str, header: Header) -> str:
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


def _bar_tokens(text: str, m: re.Match) -> list[tuple[str, object]]:
    """Tokens of a bar line, each piece (see _PIECES) of the kinds repeats.BAR_LINES says
    it stands for, then the variant ending it opens, if any (`|1`, `:|2`, `[1`)."""
    endings = m["v"] or m["b"] or m["r"]
    tokens = []
    if not m["v"]:
        line = text.replace(endings, "", 1) if endings else text
        for piece in _PIECES.get(line, (line,)):
            tokens += [(sign, piece) for sign in repeats.BAR_LINES[piece]] or [(BAR, piece)]
    return tokens + ([(VARIANT, repeats.passes(endings))] if endings else [])


def _music_tokens(line: str, header: Header) -> tuple[list, Header]:
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
        else:
            tokens += _bar_tokens(text, m)
    if run:
        tokens.append((TEXT, _carry_marks("".join(run), header)))
    return tokens, header


def _body_tokens(body_lines: list[str], header: Header) -> list[tuple[str, object]]:
    """Tokens of a tune body. Field lines (`K:`, `M:`, `W:`) and comment lines stay whole."""
    tokens = []
    for line in body_lines:
        if line.startswith("%") or field_match(line, body=True):
            tokens.append((LINE, line + "\n"))
            header = _after_field(header, line)
        else:
            line_tokens, header = _music_tokens(line, header)
            tokens += line_tokens + [(TEXT, "\n")]
    return tokens


def _sign(token: tuple[str, object]):
    """The repeat sign a token stands for (repeats.START... or a variant ending's passes),
    or None."""
    kind, value = token
    if kind == VARIANT:
        return value
    return kind if kind in _REPEAT_SIGNS else None


def _as_played(tokens: list) -> tuple[list, list[int]]:
    """The tokens with the bar lines abc2midi puts in and the |: it patches
    (repeats.prepared), and their indices in the order it plays them (repeats.walk)."""
    signs = repeats.prepared([_sign(token) for token in tokens])
    added = len(signs) - len(tokens)
    tokens = [(sign, "") for sign in signs[:added]] + [
        (sign if sign in _REPEAT_SIGNS else kind, value)
        for sign, (kind, value) in zip(signs[added:], tokens)]
    return tokens, list(repeats.walk(signs))


def _render(tokens: list, order: list[int], parts: list[int] | None = None) -> str:
    """ABC text of the tokens in play order, every bar line a plain `|`. With `parts` (the
    part of each token, see _parts), a `P:` line (see part_mark) starts each stretch of one
    part played for the first time or again, and each pass of a repeat."""
    out, mark, last, furthest = [], None, -1, -1
    for j in order:
        kind, value = tokens[j]
        if parts is not None and kind == TEXT and _has_music(value):
            here = (parts[j], j <= furthest)  # at or before music already played: a repeat
            if here != mark or j < last:
                fresh_line = not out or out[-1].endswith("\n")
                out.append(("" if fresh_line else "\n") + part_mark(*here) + "\n")
                mark = here
            last, furthest = j, max(furthest, j)
        if kind in (TEXT, LINE):
            out.append(value)
        elif kind != VARIANT and value:  # bar lines put in for missing repeats have no text
            out.append("|")
    return "".join(out)


# --- parts: the sections of a tune as written ------------------------------------------
_NOT_NOTES = re.compile(r'"[^"]*"|%.*|\n[A-Za-z]:[^\n]*')


def _has_music(text: str) -> bool:
    """Whether a TEXT token holds a note or rest, not just a chord symbol, comment or field."""
    return re.search(r"[A-Ga-gz]", _NOT_NOTES.sub("", text)) is not None


def _parts(tokens: list) -> list[int]:
    """The part (section) each token belongs to, numbered from 1 in written order. A part
    ends at a section bar line (`:|`, `::`, `||`, `|]`, `|:`), unless a variant ending
    follows (`:| [2`: the ending is the same part's), and the next part starts with the next
    music. A `|:` straight after a part's first notes ends nothing: those notes are a
    pickup into the repeat (`D|:GAB...`)."""
    parts, part, ended, barred = [], 0, True, False
    for kind, value in tokens:
        if kind == TEXT and _has_music(value) and ended:
            part, ended, barred = part + 1, False, False
        elif kind == VARIANT:
            ended = False
        elif kind in (END, SECTION, BOTH) or (kind == START and barred):
            ended = True
        elif kind == BAR:
            barred = True
        parts.append(max(part, 1))
    return parts


def part_mark(part: int, again: bool) -> str:
    """The `P:` line that playable_abc(parts=True) puts where part `part` starts to play,
    for the first time or `again` (a repeat)."""
    return f"P:{part}" + (" again" if again else "")


def read_part_mark(value: str) -> tuple[int, bool]:
    """(part, again) of a part_mark's value ("2 again")."""
    number, _, again = value.strip().partition(" ")
    return int(number), again == "again"


def split_header(lines: list[str]) -> int:
    """Index of the first body line: the one after the first `K:` line, or after the last
    header field when a tune has no `K:`."""
    for i, line in enumerate(lines):
        if line.startswith("K:"):
            return i + 1
    i = 0
    while i < len(lines) and (lines[i].startswith("%") or field_match(lines[i], body=True)):
        i += 1
    return i


def playable_abc(tune_text: str, parts: bool = False) -> str:
    """One tune as ABC that music21 reads as abc2midi plays it: repeats and variant endings
    written out in playing order, broken rhythms and tuplets as note lengths, decorations
    as marks music21 keeps (see _CARRIERS), annotations and blank lines dropped; headed by
    `%abc-2.1` (else music21 does not carry accidentals through a bar), `X:1` (music21
    fails on a non-number) and an L: field (music21 fails without one). With `parts`, `P:`
    lines say which written part plays, and whether again (part_mark): music21's score
    ignores them, its tokens keep them."""
    lines = [line.rstrip() for line in text_lines(tune_text) if line.strip()]
    start = split_header(lines)
    head = [line for line in lines[:start] if not line.startswith("X:")]
    header = tune_header("\n".join(head) + "\n")
    if tune_field("\n".join(head), "L") is None:
        unit = header.unit / 4
        head.insert(max(len(head) - 1, 0), f"L:{unit.numerator}/{unit.denominator}")
    tokens, order = _as_played(_body_tokens(lines[start:], header))
    music = _render(tokens, order, _parts(tokens) if parts else None)
    return "\n".join(["%abc-2.1", "X:1", *head, music])


# --- music21 reads it -----------------------------------------------------------------
def parse(tune_text: str, playing: bool = False, beams: bool = False):
    """music21's Score of one tune (see playable_abc), trills, rolls and fermatas back as
    expressions; with `beams`, its notes beamed as music21's reader beams them (for sheet
    music: see music21_adapter.read_abc)."""
    score = read_abc(playable_abc(tune_text), beams)
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
    (`~`) comes out as expressions.Turn, music21 having no roll; beamed, for sheet music."""
    return parse(tune_text, beams=True)
