"""A corpus's idiom: what its ABC tunes write, and how many of them write it.

Learned once from the training tunes and kept with the run (charrnn.run.rundir's IDIOM), so a
sampled tune can be held to what the corpus writes (charrnn.music.steer.policy): each header
field's values (K: with its mode, M:, L:, R:, ...), which fields a header and a body hold
at all, the note-length tokens under each unit length and meter, decorations, chord
symbols, grace notes (how many a group holds, and their lengths), tuplets, broken rhythms,
accidentals, spacers (y), bar lines joining two repeats (::), comments, the notes a chord
holds and the layout of the lines
(tabs, blanks ending a line, `\\` continuations). Every figure counts tunes, not
occurrences: a token one tune in 1,800 writes fifty times is still rare, and a rule about
what tunes write is a rule about tunes.

String work on whole tunes (no music21, no grammar), as the corpus is read when a run
starts: the tokens are found by the patterns below, which follow ABC 2.1 closely enough
for counting, not for validating (charrnn.music.abc.grammar does that).
"""

import re
from collections import Counter
from dataclasses import dataclass, field

from charrnn.errors import UserError
from charrnn.music.abc import fields
from charrnn.music.abc.grammar.syntax import ANNOTATION_MARKS, DECORATION_CHARS, REPEAT_JOINS, is_chord
from charrnn.music.abc.tunes import text_lines

FORMAT_VERSION = 1
VALUED = "KMLRQ"  # header fields whose values the idiom keeps

_QUOTED = re.compile(r'"([^"\n]*)"')
_BANG = re.compile(r"([!+])([^!+\s|]*)\1")
_INLINE = re.compile(r"\[([A-Za-z]):([^\]\n]*)\]")
_GRACE = re.compile(r"\{[^}\n]*\}")
_TUPLET = re.compile(r"\((\d(?::\d?(?::\d)?)?)")
_BROKEN = re.compile(r"[<>]+")
_SHORTHAND = re.compile(rf"([{re.escape(''.join(sorted(DECORATION_CHARS)))}]+)(?=[_^=]*[A-Ga-gzx\[])")
_NOTE = re.compile(r"(?:\^\^|__|[_^=])?[A-Ga-gzx][,']*([0-9]*/*[0-9]*)")
_PITCH = re.compile(r"[A-Ga-g][,']*")
_ACCIDENTAL = re.compile(r"(\^\^|__|[_^=])(?=[A-Ga-g])")
_CHORD_END = re.compile(r"\]([0-9]*/*[0-9]*)")
_CHORD = re.compile(r"\[((?:[_^=]*[A-Ga-g][,']*[0-9]*/*[0-9]*)+)\]")
# The marks of a line's layout the idiom counts: what a model's text shows most plainly
# when it is not the corpus's, and no reader of the music needs.
LAYOUT = {"tab": "a tab", "trailing blank": "a blank ending a line",
          "leading blank": "a blank opening a line", "blank run": "blanks in a row",
          "backquote": "a ` or $ (which players ignore)",
          "continuation": "a \\ continuing a line",
          "bang line break": "a ! ending a line (an old line break)",
          "mid-bar line break": "a line of music ending inside a bar"}
_BAR_LINE_END = re.compile(r"[|\]:][0-9]?$")  # a line of music ends with a bar line


@dataclass
class Idiom:
    """What a corpus's tunes write: for each kind of token, how many tunes write each one."""

    tunes: int = 0
    header_fields: dict = field(default_factory=dict)  # "R" -> tunes with R: in the header
    body_fields: dict = field(default_factory=dict)  # "K" -> tunes with a K: in the music
    values: dict = field(default_factory=dict)  # "K" -> {"Ador": tunes, ...}
    lengths: dict = field(default_factory=dict)  # "1/8 6/8" -> {"": tunes, "2": tunes, ...}
    contexts: dict = field(default_factory=dict)  # "1/8 6/8" -> tunes with music under it
    decorations: dict = field(default_factory=dict)  # "!trill!", "~", "." -> tunes
    chords: dict = field(default_factory=dict)  # chord symbols: "G" -> tunes
    annotations: int = 0  # tunes with a "^text" (or _ < > @) annotation
    graces: int = 0  # tunes with grace notes
    tuplets: dict = field(default_factory=dict)  # "3" (for (3) -> tunes
    broken: dict = field(default_factory=dict)  # ">", "<<" -> tunes
    comments: int = 0  # tunes with a % comment
    # written pitches, letter and octave marks: "G,", "a'" -> tunes (empty in an idiom kept
    # before pitches were counted: then no pitch is held to the corpus's)
    pitches: dict = field(default_factory=dict)
    # "2" -> tunes with a chord ([ce]) of 2 notes; LAYOUT's marks -> tunes writing them.
    # None in an idiom kept before they were counted: then neither is held to the corpus's.
    chord_notes: dict | None = None
    layout: dict | None = None
    # "2" -> tunes with a grace group ({ag}) of 2 notes; the lengths written on grace notes
    # ("", "/") -> tunes. None in an idiom kept before they were counted, as above.
    grace_notes: dict | None = None
    grace_lengths: dict | None = None
    # "^", "^^", "_", "__", "=" -> tunes writing them; tunes with a spacer (y). None in an
    # idiom kept before they were counted, as above.
    accidentals: dict | None = None
    spacers: int | None = None
    # "::", ":||:" (syntax.REPEAT_JOINS) -> tunes writing them; None: not counted, as above
    joins: dict | None = None

    def to_dict(self) -> dict:
        return {"format": FORMAT_VERSION, **{name: getattr(self, name) for name in _FIELDS}}

    @classmethod
    def from_dict(cls, data: dict, source="the idiom") -> "Idiom":
        if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
            found = data.get("format") if isinstance(data, dict) else None
            raise UserError(f"{source} has format {found!r}, not {FORMAT_VERSION}; delete it and "
                            "sample again to learn it anew from the corpus")
        return cls(**{name: data[name] for name in _FIELDS if name in data})


_FIELDS = [name for name in Idiom.__dataclass_fields__]


def learn(tunes) -> Idiom:
    """The idiom of a corpus's tunes (each an ABC tune's text, as charrnn.music.abc.tunes
    splits a file)."""
    idiom, counts = Idiom(), _Counts()
    for tune in tunes:
        idiom.tunes += 1
        counts.add(_tune_tokens(tune))
    counts.store(idiom)
    return idiom


class _Counts:
    """Per-kind Counters of tunes, summed one tune's token sets at a time."""

    def __init__(self):
        self.kinds = {}

    def add(self, tokens: dict):
        for kind, found in tokens.items():
            if isinstance(found, dict):  # a table of contexts, each with its token set
                table = self.kinds.setdefault(kind, {})
                for context, tokens_there in found.items():
                    table.setdefault(context, Counter()).update(tokens_there)
            else:
                self.kinds.setdefault(kind, Counter()).update(found)

    def store(self, idiom):
        for kind, counted in self.kinds.items():
            if kind in ("values", "lengths"):
                setattr(idiom, kind, {k: _ranked(c) for k, c in sorted(counted.items())})
            elif kind in ("annotations", "graces", "comments", "spacers"):
                setattr(idiom, kind, counted[True])
            else:
                setattr(idiom, kind, _ranked(counted))


def _ranked(counter) -> dict:
    """Most tunes first, then by text: a fixed order for the file and for completions."""
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


def _tune_tokens(tune: str) -> dict:
    """The sets of tokens one tune writes, by kind."""
    found = {"header_fields": set(), "body_fields": set(), "values": {}, "lengths": {},
             "contexts": set(), "decorations": set(), "chords": set(), "annotations": set(),
             "graces": set(), "tuplets": set(), "broken": set(), "comments": set(),
             "pitches": set(), "chord_notes": set(), "layout": set(), "grace_notes": set(),
             "grace_lengths": set(), "accidentals": set(), "spacers": set(), "joins": set()}
    meter, unit, in_header = None, None, True
    for line in text_lines(tune):
        found["layout"].update(_layout(line))
        if "%" in line:
            found["comments"].add(True)
            line = line.split("%", 1)[0]
        if not line.strip():
            continue
        match = fields.field_match(line, body=not in_header)
        if match:
            name, value = match.group(1), line[match.end():].strip()
            found["header_fields" if in_header else "body_fields"].add(name)
            meter, unit = _apply(found, name, value, meter, unit, in_header)
            in_header = in_header and name != "K"
        elif not in_header:
            meter, unit = _music_tokens(found, line, meter, unit)
    return found


def _layout(line) -> set:
    """The LAYOUT marks of one line."""
    marks = {"tab"} if "\t" in line else set()
    if line != line.rstrip(" \t"):
        marks.add("trailing blank")
    if line[:1] in (" ", "\t"):
        marks.add("leading blank")
    if re.search(r"[ \t]{2}", line.strip(" \t")):
        marks.add("blank run")
    if not fields.field_match(line, body=True) and re.search(r"[`$]", line.split("%", 1)[0]):
        marks.add("backquote")
    music = line.split("%", 1)[0].rstrip(" \t")  # a \\ in a comment continues nothing
    if music.endswith("\\") and not fields.field_match(line, body=True):
        marks.add("continuation")
    if not music or fields.field_match(line, body=True):
        return marks
    plain = _BANG.sub("", music)  # without its !decorations!
    if plain.endswith("!"):
        marks.add("bang line break")
    if not music.endswith("\\") and not _BAR_LINE_END.search(plain.rstrip("! \t")):
        marks.add("mid-bar line break")
    return marks


def _apply(found, name, value, meter, unit, header):
    """Count a field's value; the meter and explicit unit in force after it."""
    if name in VALUED and header:
        found["values"].setdefault(name, set()).add(value)
    if name == "M" and fields.is_meter(value):
        meter = value
    elif name == "L" and fields.VALUES["L"].fullmatch(value):
        unit = value
    return meter, unit


def context_name(unit, meter) -> str:
    """The lengths table's key for a unit length (a fraction or its text) and a meter:
    "1/8 6/8"."""
    return f"{unit} {meter or 'none'}"


def _music_tokens(found, line, meter, unit):
    """Count the tokens of one line of music; the meter and unit in force after it."""
    for match in _QUOTED.finditer(line):
        text = match.group(1)
        if text[:1] in ANNOTATION_MARKS:
            found["annotations"].add(True)
        elif is_chord(text):  # other quoted text abc2midi reads as no chord, and is refused
            found["chords"].add(text)
    line = _QUOTED.sub(" ", line)
    for mark, name in _BANG.findall(line):
        found["decorations"].add(f"!{name}!")
    line = _BANG.sub(" ", line)
    for inline in _INLINE.finditer(line):
        found["body_fields"].add(inline.group(1))
        meter, unit = _apply(found, inline.group(1), inline.group(2).strip(), meter, unit, False)
    line = _INLINE.sub(" ", line)
    for grace in _GRACE.findall(line):
        found["graces"].add(True)
        lengths = _NOTE.findall(grace)
        found["grace_notes"].add(str(len(lengths)))
        found["grace_lengths"].update(lengths)
    found["accidentals"].update(_ACCIDENTAL.findall(line))
    found["joins"].update(join for join, pattern in REPEAT_JOINS.items() if pattern.search(line))
    if "y" in line:
        found["spacers"].add(True)
    found["tuplets"].update(_TUPLET.findall(line))
    found["broken"].update(_BROKEN.findall(line))
    for run in _SHORTHAND.findall(line):
        found["decorations"].update(run)
    context = context_name(unit or fields.default_unit(meter), meter)
    lengths = found["lengths"].setdefault(context, set())
    lengths.update(_NOTE.findall(_GRACE.sub(" ", line)))
    found["pitches"].update(_PITCH.findall(line))
    lengths.update(_CHORD_END.findall(line))
    found["chord_notes"].update(str(len(_PITCH.findall(chord))) for chord in _CHORD.findall(line))
    found["contexts"].add(context)
    return meter, unit


def allowed(counts: dict, tunes: int, share: float) -> list:
    """The tokens of `counts` (token -> tunes) that at least `share` of `tunes` write,
    most written first."""
    least = share * tunes
    return [token for token, count in counts.items() if count >= least and count > 0]


def unwritten(idiom: Idiom, tune: str) -> list[str]:
    """What `tune` writes that no tune of the idiom's corpus writes: header fields and
    values, note lengths (under the unit and meter in force), decorations, chord symbols,
    tuplets, broken rhythms and notes, each as written ("K:G Majiin", "length 3/// at 1/8
    6/8", "note G,,,")."""
    found, never = _tune_tokens(tune), []
    never += [f"{name}: field" for name in sorted(found["header_fields"])
              if name not in idiom.header_fields]
    for name, values in sorted(found["values"].items()):
        never += [f"{name}:{v}" for v in sorted(values) if v not in idiom.values.get(name, {})]
    for context, lengths in sorted(found["lengths"].items()):
        known = _lengths_at(idiom, context)
        never += [f"length {t!r} at {context}" for t in sorted(lengths) if t not in known]
    for kind in ("decorations", "chords", "tuplets", "broken"):
        never += [f"{kind[:-1]} {t}" for t in sorted(found[kind]) if t not in getattr(idiom, kind)]
    for kind in ("graces", "comments", "annotations", "spacers"):
        if found[kind] and getattr(idiom, kind) == 0:  # None: not counted in this idiom
            never.append(kind)
    if idiom.pitches:
        never += [f"note {p}" for p in sorted(found["pitches"]) if p not in idiom.pitches]
    if idiom.chord_notes is not None:
        never += [f"chord of {n} notes" for n in sorted(found["chord_notes"])
                  if n not in idiom.chord_notes]
    if idiom.layout is not None:
        never += [LAYOUT[mark] for mark in sorted(found["layout"]) if mark not in idiom.layout]
    if idiom.grace_notes is not None:
        never += [f"grace group of {n} notes" for n in sorted(found["grace_notes"])
                  if n not in idiom.grace_notes]
        never += [f"grace note length {t!r}" for t in sorted(found["grace_lengths"])
                  if t not in idiom.grace_lengths]
    if idiom.accidentals is not None:
        never += [f"accidental {a}" for a in sorted(found["accidentals"]) if a not in idiom.accidentals]
    if idiom.joins is not None:
        never += [f"bar line {j}" for j in sorted(found["joins"]) if j not in idiom.joins]
    return never


def _lengths_at(idiom, context):
    """The lengths the corpus writes in a context; for one it has no tune in, what it
    writes with that unit length."""
    if context in idiom.lengths:
        return idiom.lengths[context]
    unit = context.split(" ")[0] + " "
    return {t for c, ts in idiom.lengths.items() if c.startswith(unit) for t in ts}
