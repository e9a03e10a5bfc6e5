"""Is this ABC a valid tune? Header fields, a music21 parse, and bar lengths against the meter.

Used to score sampled tunes (how many of a model's tunes are real music) and by
`charrnn abc-check`. music21 is imported lazily: it takes about a second to load.
"""

import contextlib
import io
import re
import warnings
from dataclasses import dataclass, field
from fractions import Fraction

from charrnn.music.tunes import normalise_tune, split_tunes, tune_field

# ABC 2.1 section 3: fields allowed only in the header. One of these after K: means the
# header did not end with K:. Fields allowed in the body too (L:, M:, P:, V:, ...) may
# follow K: legally, so they are not flagged.
_HEADER_ONLY = set("ABCDFGHOSXZ")
_FIELD = re.compile(r"([A-Za-z+]):")
_INLINE_FIELD = re.compile(r"\[([A-Za-z]):(.*)\]")
_METER = re.compile(r"\(?([\d+ ]+)\)?\s*/\s*(\d+)")
# ABC 2.1 section 3.1.14: a tonic, then a mode of which only the first three letters count.
_TONIC = re.compile(r"([A-G][#b]?)([A-Za-z]*)")
_MODES = {"maj", "min", "ion", "dor", "phr", "lyd", "mix", "aeo", "loc"}
_MAX_BAR_PROBLEMS = 5


@dataclass
class TuneCheck:
    """The verdict on one tune: ok when `problems` is empty."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    title: str | None = None


def check_tune(text: str) -> TuneCheck:
    """Check one tune: header fields, that music21 parses it into notes, bar lengths."""
    tune = normalise_tune(text)
    problems = header_problems(tune) + quote_problems(tune) + parse_problems(tune) + bar_problems(tune)
    return TuneCheck(ok=not problems, problems=problems, title=tune_field(tune, "T"))


def check_abc(text: str) -> list[TuneCheck]:
    """Check every tune of an ABC file; a bad tune never stops the others."""
    return list(iter_checks(text))


def iter_checks(text: str):
    """check_abc one tune at a time (a tune takes about 0.1 s), for progress as it goes."""
    for tune in split_tunes(text):
        yield check_tune(tune)


def header_problems(tune: str) -> list[str]:
    """Missing X/T/M/K fields, or a header that does not end with K: (ABC 2.1 section 2.2).
    L: may be missing: ABC 2.1 defaults it from the meter."""
    lines = [line for line in tune.split("\n") if not line.startswith("%")]
    problems = [] if lines and lines[0].startswith("X:") else ["the first line is not X:"]
    fields = _leading_fields(lines)
    names = [name for name, _ in fields]
    for name, what in (("T", "title"), ("M", "meter"), ("K", "key")):
        if name not in names:
            problems.append(f"no {name}: ({what}) field")
    if "K" in names:
        late = [n for n in names[names.index("K") + 1:] if n in _HEADER_ONLY]
        if late:
            problems.append(f"K: is not the last header field ({late[0]}: follows it)")
    # dict: a field given twice is judged by its last value.
    problems += [p for name, value in dict(fields).items() if (p := field_value_problem(name, value))]
    return problems


def field_value_problem(name: str, value: str) -> str | None:
    """Why an M: or K: value is not ABC (`M:9/0 is not a meter`); None when it is, or for
    other fields."""
    if name == "M" and not is_meter(value):
        return f"M:{value} is not a meter"
    if name == "K" and not is_key(value):
        return f"K:{value} is not a key"
    return None


def is_meter(value: str) -> bool:
    """An M: value: C, C|, none, or beats over a beat unit such as 6/8 or 2+3/8."""
    return value.strip() == "none" or _meter_parts(value) is not None


def is_key(value: str) -> bool:
    """A K: value that starts with a key: a tonic and an optional mode (D, Bbm, F#dor,
    G Mixolydian), or none, HP, Hp. What may follow it (accidentals, clef=) is not judged,
    nor a K: line that only sets such parameters."""
    words = value.split()
    if not words or words[0] in ("none", "HP", "Hp") or "=" in words[0]:
        return True
    match = _TONIC.fullmatch(words[0])
    if not match:
        return False
    mode = match.group(2).lower()
    if not mode and len(words) > 1 and words[1][:3].lower() in _MODES:
        mode = words[1].lower()
    return mode in ("", "m") or (len(mode) >= 3 and mode[:3] in _MODES)


def quote_problems(tune: str) -> list[str]:
    """Lines of music with a chord symbol or annotation left open: ABC closes each on its
    own line, and an open one hides the rest of the line from music21 and from the bar check."""
    problems = []
    for number, line in enumerate(tune.split("\n"), 1):
        if _FIELD.match(line) or line.startswith("%"):
            continue
        if line.split("%")[0].count('"') % 2:
            problems.append(f'line {number}: a chord symbol or annotation has no closing "')
    return problems


def _leading_fields(lines: list[str]) -> list[tuple[str, str]]:
    """(name, value) of the field lines before the first line of music."""
    fields = []
    for line in lines:
        field = field_of(line)
        if field is None:
            break
        fields.append(field)
    return fields


def field_of(line: str) -> tuple[str, str] | None:
    """(name, value) of a field line such as `M:6/8 % barred in 3/4`, without its comment
    (% starts one); None for a line that is not a field."""
    match = _FIELD.match(line)
    return (match.group(1), line[match.end():].split("%")[0].strip()) if match else None


def parse_problems(tune: str) -> list[str]:
    """What stops music21 turning the tune into notes: an exception, or no notes at all."""
    from music21 import converter

    try:
        with quietly():
            score = converter.parse(music21_friendly(tune), format="abc")
    except Exception as error:  # music21's ABC reader raises many kinds; all mean "bad"
        message = f"{type(error).__name__}: {error}".splitlines()[0][:100]
        return [f"music21 cannot parse it ({message})"]
    if not any(True for _ in score.recurse().notes):
        return ["no notes"]
    return []


@contextlib.contextmanager
def quietly():
    """Silence music21's reader: it writes a warning to stderr for every odd token, which
    would bury the check's own report."""
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def _meter_parts(meter: str) -> tuple[int, int] | None:
    """(beats, beat unit) of an M: value; None for free meter (`none`) or nonsense.

    Hand-written: music21 reads `M:2+3/8` as 23/8."""
    meter = meter.strip()
    if meter in ("C", "C|"):
        return (4, 4) if meter == "C" else (2, 2)
    match = _METER.fullmatch(meter)
    if not match:
        return None
    top = sum(int(part) for part in match.group(1).replace(" ", "").split("+") if part)
    return (top, int(match.group(2))) if top and int(match.group(2)) else None


def bar_length(meter: str) -> Fraction | None:
    """Length of one bar of an M: value in whole notes; None for free meter."""
    parts = _meter_parts(meter)
    return Fraction(*parts) if parts else None


@dataclass
class _Bar:
    """The notes between two bar lines of one voice: their length in whole notes."""

    length: Fraction
    meter: str


def bar_problems(tune: str) -> list[str]:
    """Bars whose length does not fit the meter, as `bar 7 has 5/8 in 6/8`.

    Durations come from music21's ABC tokeniser (default note length, broken rhythm,
    tuplets, grace notes). The bar accounting is hand-written over its tokens rather than
    read from music21's measures: in the tokens a bar line's kind (`:|`, `||`, `[2`) is
    plain to see, where a parsed score spreads it over Barline objects and RepeatBracket
    spanners, and the reader's gaps need patching at the token level anyway (it drops `x`
    rests and `H`-marked notes, counts a grace note inside a tuplet as a tuplet note, and
    tokenises inline fields like `[M:3/4]` as empty chords).
    """
    from music21 import abcFormat

    try:
        with quietly():
            handler = abcFormat.ABCHandler()
            handler.process(music21_friendly(tune))
    except Exception:  # parse_problems already reports a tune music21 cannot read
        return []
    voices = _voice_streams(handler.tokens, abcFormat)
    problems = []
    for voice, items in voices.items():
        prefix = f"voice {voice}, " if len(voices) > 1 else ""
        problems += [prefix + problem for problem in _misfit_bars(items)]
    if len(problems) > _MAX_BAR_PROBLEMS:
        extra = len(problems) - _MAX_BAR_PROBLEMS
        problems = problems[:_MAX_BAR_PROBLEMS] + [f"and {extra} more bars that misfit"]
    return problems


def music21_friendly(tune: str) -> str:
    """The tune with spellings music21's ABC reader gets wrong rewritten into ones it reads
    right, so no note goes missing or changes length: the invisible rest `x` (dropped)
    becomes `z`, the fermata `H` (drops its note) becomes `!fermata!`, and a grace group
    just inside a tuplet, `(3{c}BAB` (counted as a tuplet note), moves before it.
    Quoted text, !decorations!, inline fields, comments and field lines are left alone."""
    return "\n".join(
        line if _FIELD.match(line) else _MUSIC21_GAPS.sub(_fill_gap, line)
        for line in tune.split("\n")
    )


_MUSIC21_GAPS = re.compile(
    r'("[^"]*"|![^!]*!|\+[^+\s]*\+|\[[A-Za-z]:[^\]]*\]|%.*)'  # left alone
    r"|(\(\d(?::\d*){0,2})(\{[^}]*\})"  # tuplet, then grace notes
    r"|([xH])"
)


def _fill_gap(match: re.Match) -> str:
    kept, tuplet, grace, letter = match.groups()
    if kept:
        return kept
    if tuplet:
        return grace + tuplet
    return {"x": "z", "H": "!fermata!"}[letter]


def _voice_streams(tokens, abcFormat) -> dict[str, list]:
    """Each voice's music as a list of bar-line strings and _Bars, in order."""
    streams: dict[str, list] = {}
    voice, meter = "1", "none"
    for token in tokens:
        name, value = _field_of(token, abcFormat)
        if name == "V":
            voice = (value.split() or ["1"])[0]
        elif name == "M":
            meter = value.strip()
        elif name is None and isinstance(token, abcFormat.ABCBar):
            streams.setdefault(voice, []).append(token.src.strip())
        elif name is None and isinstance(token, abcFormat.ABCNote) and not token.inGrace:
            items = streams.setdefault(voice, [])
            if not items or not isinstance(items[-1], _Bar):
                items.append(_Bar(Fraction(0), meter))
            items[-1].length += _duration(token)
    return streams


def _field_of(token, abcFormat) -> tuple[str | None, str]:
    """(name, value) when the token is a field, header or inline (`[M:3/4]`, which music21
    tokenises as a chord); (None, "") for music."""
    if isinstance(token, abcFormat.ABCMetadata):
        return token.tag, token.data
    if isinstance(token, abcFormat.ABCChord):
        inline = _INLINE_FIELD.fullmatch(token.src.strip())
        if inline:
            return inline.group(1), inline.group(2)
    return None, ""


def _duration(token) -> Fraction:
    """A note's or chord's length in whole notes, its tuplet applied."""
    length = Fraction(token.quarterLength or 0).limit_denominator(3600) / 4
    if token.activeTuplet is not None:
        length *= Fraction(token.activeTuplet.tupletMultiplier()).limit_denominator(3600)
    return length


def _misfit_bars(items: list) -> list[str]:
    """Problems for bars longer than the meter, or short where no pickup explains it.

    A short bar is fine as the tune's first or last bar, just after a section bar line
    (anything but a plain `|`: `|:`, `:|`, `::`, `||`, `|]`, `[1`, `[2`: a pickup or a
    variant ending), or just before one when it completes a pickup: the pickup that opened
    its section (played again after `:|`) or the one that opens the next section."""
    bars, groups = _bar_groups(items)
    problems, start = [], 0
    for k, bar in enumerate(bars):
        if k and _is_edge(groups[k]) and not _is_variant(groups[k]):
            start = k
        full = bar_length(bar.meter)
        if full is None or bar.length == full:
            continue
        if bar.length > full or not _short_bar_ok(bars, groups, k, start, full):
            problems.append(f"bar {k + 1} has {_in_units(bar.length, bar.meter)} in {bar.meter}")
    return problems


def _bar_groups(items: list) -> tuple[list[_Bar], list[list[str]]]:
    """The bars, and the bar lines around them: groups[k] before bar k, groups[k+1] after."""
    bars, groups = [], [[]]
    for item in items:
        if isinstance(item, _Bar):
            bars.append(item)
            groups.append([])
        else:
            groups[-1].append(item)
    return bars, groups


def _is_edge(group: list[str]) -> bool:
    return any(line != "|" for line in group)


def _is_variant(group: list[str]) -> bool:
    return any(char.isdigit() for line in group for char in line)


def _short_bar_ok(bars: list[_Bar], groups: list[list[str]], k: int, start: int, full) -> bool:
    if k in (0, len(bars) - 1) or _is_edge(groups[k]):
        return True
    if not _is_edge(groups[k + 1]):
        return False
    pickups = (bars[start], bars[k + 1])
    return any(p.length < full and p.length + bars[k].length == full for p in pickups)


def _in_units(length: Fraction, meter: str) -> str:
    """A bar length written in the meter's beat unit: 5/8 in 6/8, or 9/16 when it can't."""
    unit = _meter_parts(meter)[1]
    beats = length * unit
    return f"{beats.numerator}/{unit}" if beats.denominator == 1 else str(length)
