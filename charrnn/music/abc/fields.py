"""ABC 2.1 information fields: which may stand where, and what their values may be.

One pattern per field value (meter, unit note length, key, tempo, reference number) serves
both questions the grammar asks: is this value valid, and, while it is being written, can
it still become valid. The `regex` package answers the second with partial matching, which
the standard library's `re` lacks. Meters are read by hand (music21 reads `M:2+3/8` as 23/8).
https://abcnotation.com/wiki/abc:standard:v2.1#information_fields
"""

import re
from fractions import Fraction

import regex

# ABC 2.1 section 3: fields that belong to the header only. abc2midi refuses every field
# in the body but these (its "Field not allowed in tune body"); K: ends the header.
HEADER_ONLY = frozenset("ABCDFGHOSXZ")
BODY_FIELDS = frozenset("IKLMPQTVWw")  # abc2midi reads an r: line in the body as music
HEADER_FIELDS = frozenset("ABCDFGHIKLMNOPQRSTVWXZ")
REQUIRED = (("T", "title"), ("M", "meter"), ("K", "key"))

_DIGITS = r"[1-9][0-9]?"
_POWER_OF_TWO = r"(?:1|2|4|8|16|32|64)"
# ABC 2.1 section 3.1.14: a tonic, then a mode of which only the first three letters count.
_MODE = r"(?:(?i:m)|(?i:maj|min|ion|dor|phr|lyd|mix|aeo|loc)[a-zA-Z]*)"
# After the key: explicit accidentals, and clef=, middle= (a note), transpose= and octave=
# (numbers), ABC 2.1 3.1.14: abc2midi and music21 fail on other values.
_KEY_EXTRA = (r"(?:[_^=][a-gA-G]|exp|clef=[a-z]+|middle=[A-Ga-g][,']*"
              r"|(?:transpose|octave)=-?[0-9]{1,2})")
# The mode is joined to the tonic or a word of its own, never both: abc2midi reads a second
# mode word that starts with a capital A-G as another key ("K:Gmix Dor": "Unknown mode 'or'").
_TONIC_KEY = (rf"(?:[A-G][#b]?(?:{_MODE}|(?: (?i:maj|min|ion|dor|phr|lyd|mix|aeo|loc)[a-zA-Z]*))?"
              rf"|none|HP|Hp)(?: {_KEY_EXTRA})*")
_KEY = rf"{_TONIC_KEY}|{_KEY_EXTRA}(?: {_KEY_EXTRA})*"
# ABC 2.1's additive meters (M:2+3/8, M:(2+3)/8) are left out: music21 reads them as 23/8,
# or (M:12+2+23/2) as a bar so long that its reader never finishes.
_METER = rf"(?:C\|?|none|{_DIGITS}/{_POWER_OF_TWO})"
# ABC 2.1 allows several beats (Q:1/4 3/8=40); abc2midi reads one, and looks for its = in
# the whole value, so the text after the tempo must not hold one (parseabc.c, parsetempo).
# Its texts ("Allegro") in words, and a number of beats beside them: abc2midi calls one
# with punctuation malformed, and a text alone too unless it names a tempo it knows.
_TEMPO_TEXT = r'"[A-Za-z][A-Za-z0-9 ]*"'
_BEATS = rf"{_DIGITS}[0-9]?"  # a minute


def tempo_pattern(beats):
    """A tempo's pattern with `beats` (a pattern) for its beats a minute."""
    return (rf'(?:{_TEMPO_TEXT} ?)?(?:{_DIGITS}/{_POWER_OF_TWO}={beats}|{beats})'
            rf'(?: ?{_TEMPO_TEXT})?')


_TEMPO = tempo_pattern(_BEATS)
# abc2midi reads a voice's ID as a word up to a space, and refuses one with = or (after
# its second character) ^ or _ in it (parseabc.c, interpret_voice_label); clef=, name=
# and the like may follow, and other words, which it passes over (parsevoice), except
# clef, transpose, octave, middle (and name, sname) without an =.
_VOICE = (r'(?:[1-9][0-9]?|[A-Za-z][A-Za-z0-9]{0,15})'
          r'(?:[ \t]+(?:[a-z]+=(?:"[^"\n]*"|[^ \t"=\n]+)'
          r'|(?!(?i:clef|transpose|octave|middle|s?name)(?![^ \t=]))[^ \t="\n]+))*')

VALUES = {
    "X": regex.compile(r"[0-9]{1,6}"),
    "M": regex.compile(_METER),
    "L": regex.compile(rf"1/{_POWER_OF_TWO}"),
    "K": regex.compile(_KEY),
    "Q": regex.compile(_TEMPO),
    "V": regex.compile(_VOICE),
    # abc2midi refuses an I: it does not know, and reads I:: and I:| as music (bar lines
    # after a letter it ignores): so an empty I:, or bar-line characters after it (sampled
    # tunes, whose repeats the grammar must count, keep to the empty one).
    "I": regex.compile(r"(?:[:|][|: ]*)?"),
    "P": regex.compile(r"[A-Z].*"),  # in the body: the part that begins here
}
# In the header, abc2midi wants the first K: to name a key, and P: to list the parts; a
# line beginning I:: or I:| it cannot tell from a repeat, and skips as text.
_PART = r"(?:[A-Z][0-9]?|\([A-Z]{1,4}\)[0-9]?)"
HEADER_VALUES = {**VALUES, "K": regex.compile(_TONIC_KEY),
                 "P": regex.compile(rf"{_PART}(?:\.?{_PART}){{0,7}}"),
                 "I": regex.compile(r"(?:[:|].*)?")}
WHAT = {"X": "a reference number", "M": "a meter", "L": "a unit note length",
        "K": "a key", "Q": "a tempo", "V": "a voice", "I": "an instruction abc2midi reads",
        "P": "a part or a list of parts"}


# A field line: a letter (or + for a continuation) and a colon; abc2midi reads spaces
# before the colon too.
_FIELD_LINE = re.compile(r"([A-Za-z+])\s*:")


def field_match(line: str, body: bool = False) -> re.Match | None:
    """The start of a field line (its name is group 1). In the body, `A:|` and `A::` are
    music (a note, then a bar line) to abc2midi and music21 alike, not fields."""
    match = _FIELD_LINE.match(line)
    if match and body and line[match.end():match.end() + 1] in (":", "|"):
        return None
    return match


def field_of(line: str) -> tuple[str, str] | None:
    """(name, value) of a header field line such as `M:6/8 % barred in 3/4`, without its
    comment (% starts one); None for a line that is not a field."""
    match = field_match(line)
    return (match.group(1), line[match.end():].split("%")[0].strip()) if match else None


def value_problem(name: str, value: str, header=False) -> str | None:
    """Why a field's value is not ABC (`M:9/0 is not a meter`); None when it is, or when
    the field takes free text."""
    pattern = (HEADER_VALUES if header else VALUES).get(name)
    if pattern is None or pattern.fullmatch(value):
        return None
    return f"{name}:{value} is not {WHAT[name]}"


def value_can_continue(name: str, value: str, header=False) -> bool:
    """Whether `value`, being written, can still become a valid value of field `name`."""
    pattern = (HEADER_VALUES if header else VALUES).get(name)
    return pattern is None or pattern.fullmatch(value, partial=True) is not None


def declared_parts(value: str) -> set[str]:
    """The parts a header P: names (P:ABA, P:(AB)2C): each must begin somewhere in the body."""
    return {ch for ch in value if ch.isupper()}


def is_meter(value: str) -> bool:
    return VALUES["M"].fullmatch(value.strip()) is not None


def is_key(value: str) -> bool:
    """A key a tune can start in: a tonic and a mode (D, Ador, Bbm), or none."""
    return HEADER_VALUES["K"].fullmatch(value.strip()) is not None


def meter_numbers(meter: str) -> tuple[int, int] | None:
    """The two numbers of a meter as written: 6/8 -> (6, 8), C -> (4, 4), C| -> (2, 2);
    None for free meter (`none`) or a value that is not a meter."""
    meter = meter.strip()
    if meter in ("C", "C|"):
        return (4, 4) if meter == "C" else (2, 2)
    if meter == "none" or not is_meter(meter):
        return None
    top, bottom = meter.split("/")
    return int(top), int(bottom)


def meter_fraction(meter: str) -> Fraction | None:
    """The length of one bar in whole notes: 6/8 -> 3/4, C -> 1; None for free meter
    (`none`) or a value that is not a meter."""
    numbers = meter_numbers(meter)
    return None if numbers is None else Fraction(*numbers)


def beat_unit(meter: str) -> int:
    """The lower number of a meter (C is 4/4, C| is 2/2), for writing bar lengths."""
    return meter_numbers(meter)[1]


def meter_top(meter: str | None) -> int:
    """The meter's top number as abc2midi counts it: C is 4, C| is 2; no meter, or one
    abc2midi cannot read (none, 2+3/8), counts as 4/4."""
    numbers = meter_numbers(meter.replace(" ", "")) if meter else None
    return 4 if numbers is None else numbers[0]


def is_compound(meter: str) -> bool:
    """6/8, 9/8, 12/8: ABC 2.1 section 4.13 plays (5, (7 and (9 in the time of 3 there."""
    parts = meter.strip().split("/")
    return len(parts) == 2 and parts[0].isdigit() and int(parts[0]) % 3 == 0 \
        and int(parts[0]) > 3 and parts[1] == "8"


# (p with no q written puts p notes into the time of q: 3 for (2, (4 and (8, else 2 but
# for (5, (7 and (9, whose q is where abc2midi and the standard differ.
_TUPLET_TIME = {2: 3, 4: 3, 8: 3}
_TUPLET_TIME_BY_METER = (5, 7, 9)


def tuplet_time(p: int, top: int) -> int:
    """The q of a tuplet (p written with no q, as charrnn reads and plays it: abc2midi's
    rule (parseabc.c, get_tuple_parameters), as abc2midi is what users play tunes with.
    (5, (7 and (9 take the time of 3 where the meter's top number (meter_top) divides by
    3, else 2."""
    if p in _TUPLET_TIME_BY_METER:
        return 3 if top % 3 == 0 else 2
    return _TUPLET_TIME.get(p, 2)


def standard_tuplet_time(p: int, meter: str | None) -> int:
    """The q of (p as the ABC 2.1 standard reads it (section 4.13): (5, (7 and (9 take the
    time of 3 only in compound meters, so 3/4 and 3/8 read otherwise than abc2midi."""
    if p in _TUPLET_TIME_BY_METER:
        return 3 if is_compound(meter or "") else 2
    return _TUPLET_TIME.get(p, 2)


def tuplet_readings_differ(p: int, meter: str | None) -> bool:
    """abc2midi and the ABC standard give (p with no q written different lengths here."""
    return tuplet_time(p, meter_top(meter)) != standard_tuplet_time(p, meter)


def default_unit(meter: str | None) -> Fraction:
    """The unit length with no L:, for a meter (None: no M: yet)."""
    return bar_default_unit(meter_fraction(meter) if meter else None)


def bar_default_unit(bar: Fraction | None) -> Fraction:
    """ABC 2.1 section 3.1.7: with no L:, a bar (in whole notes) shorter than 3/4 makes the
    unit 1/16, any other bar (or no meter, or one that is not a meter) 1/8."""
    return Fraction(1, 16) if bar is not None and bar < Fraction(3, 4) else Fraction(1, 8)


def unit_fraction(value: str) -> Fraction:
    return Fraction(value.strip())


def is_hornpipe(rhythm: str) -> bool:
    """abc2midi plays a tune whose R: starts with Hornpipe or hornpipe as one (R:HORNPIPE
    is no hornpipe to it), and refuses it unless the meter is 2/4 or 4/4. The one test of
    a hornpipe, for the grammar and the player."""
    return rhythm.lstrip().startswith(("Hornpipe", "hornpipe"))


HORNPIPE_METERS = ("2/4", "4/4", "C")


def hornpipe_meter_ok(meter: str | None) -> bool:
    return meter is not None and meter.strip() in HORNPIPE_METERS
