"""The ABC syntax the grammar reads: its characters, decorations, chord symbols, bar lines,
tuplets and variant endings as tables and token patterns (ABC 2.1 sections 4.1-4.19), and
how a bar line or tuplet being written can still end.

https://abcnotation.com/wiki/abc:standard:v2.1
"""

import regex

from charrnn.music.abc import repeats

NOTE_LETTERS = frozenset("ABCDEFGabcdefg")
RESTS = frozenset("zx")
DECORATION_CHARS = frozenset(".~HLMOPSTuv")
ACCIDENTAL_CHARS = frozenset("^_=")
IGNORED = frozenset("`$")  # backquotes, score line-breaks: no music in them
# Decorations abc2midi plays by turning the note into several, which it cannot do in a
# chord (store.c: "Rolls and trills not supported in chords"): R, ~, T and !trill!.
ORNAMENTS = "R~T"
# Decorations abc2midi plays by changing a note's stored length (staccato and !breath!
# shorten it, a fermata lengthens it), so the two notes of a broken rhythm must both have
# them or not.
LENGTH_MARKS = ".H"
# What may stand between a multi-bar rest and its bar line.
AFTER_MULTIREST = frozenset(" \t\n|:[%\\")

# ABC 2.1 section 4.14, and the chord names abc2midi knows (store.c setup_chordnames).
DECORATIONS = frozenset(
    "trill trill( trill) lowermordent uppermordent mordent pralltriller roll turn turnx "
    "invertedturn invertedturnx arpeggio > accent emphasis fermata invertedfermata tenuto "
    "0 1 2 3 4 5 + plus snap slide wedge upbow downbow open thumb breath pppp ppp pp p mp "
    "mf f ff fff ffff sfz sf crescendo( <( crescendo) <) diminuendo( >( diminuendo) >) segno "
    "coda D.S. D.C. dacoda dacapo fine shortphrase mediumphrase longphrase".split())
DECORATION_PREFIXES = frozenset(name[:i] for name in DECORATIONS for i in range(len(name) + 1))
# The decorations that say where to play on from (ABC 2.1 section 4.14: "navigation").
JUMPS = frozenset("segno coda D.S. D.C. dacoda dacapo fine".split())
# One bar line that ends one repeat and starts the next (for :| |:), each with the pattern
# that finds it in a line of music.
REPEAT_JOINS = {"::": regex.compile(r"(?<![|:\[])::(?![|:\]])"), ":||:": regex.compile(r":\|\|:")}
_CHORD_NAMES = ("m7b5|maj7|maj9|7sus2|7sus4|7sus9|sus2|sus4|sus9|aug7|dim7|dim9|m7|M7|m6|m9|"
                "M9|11|aug|dim|sus|6|7|9|5|m|\\+")
_PITCH = r"[A-Ga-g](?:##?|bb?)?"  # not b# nor #b, which music21 cannot read
# An annotation (ABC 2.1 4.19) may not hold %, which starts abc2midi's comment even inside
# quotes, nor \, which escapes its closing quote, nor a comma, which music21 reads as an
# octave mark, nor ;, after which abc2midi reads another chord symbol ("^a;x": "Guitar chord
# does not start with A-G"); music21 loses the notes after one placed with >.
ANNOTATION_MARKS = "^_<@"
ANNOTATION_STOPS = '"\n%,\\;'  # what ends an annotation or spoils it
CHORD_SYMBOL = regex.compile(
    rf'[{regex.escape(ANNOTATION_MARKS)}][^{regex.escape(ANNOTATION_STOPS)}]*|[0-5]+|\(?{_PITCH}(?:{_CHORD_NAMES})?(?:/{_PITCH})?\)?')
# Bar lines (repeats.BAR_LINES, what each stands for), and the variant endings that may
# follow | or :|.
BAR_LINE = regex.compile(r"\|\|:|\|\||\|\]|\|:|:\|\||:\|:|:\|\]|:\|\|:|::|\[\|:|\[\||:"
                         r"|(?:\||:\|\|?)(?:[1-9](?:[,-][1-9])*)?")
VARIANT = regex.compile(r"[1-9](?:[,-][1-9])*")
TUPLET = regex.compile(r"[2-9](?::[1-9]?(?::[1-9])?)?")
MULTIREST_COUNT = regex.compile(r"(?:[1-9][0-9]?)?")


def is_chord(text):
    """A chord symbol abc2midi plays (a pitch, not an annotation or a fingering digit)."""
    return text[:1] not in ANNOTATION_MARKS and not text.isdigit() and \
        CHORD_SYMBOL.fullmatch(text) is not None


_TUPLET_SPECS = [f"{p}{tail}" for p in range(2, 10) for tail in
                 [""] + [f":{q}" for q in ["", *range(1, 10)]] + [f":{q}:{r}" for q in ["", *range(1, 10)]
                                                                 for r in range(1, 10)]]
_BAR_TOKENS = list(repeats.BAR_LINES) + [line + str(n) for line in ("|", ":|") for n in range(1, 10)]


def _extending(options, text):
    return [option[len(text):] for option in options if option.startswith(text)]


# How a token being written can still end: the rest of each bar line, tuplet or broken
# rhythm that begins with what is written.
TOKEN_ENDINGS = {
    "bar": lambda text: _extending(_BAR_TOKENS, text),
    "tuplet": lambda text: _extending(_TUPLET_SPECS, text),
    "broken": lambda text: [text[0] * n for n in range(0, 4 - len(text))],
    "variant": lambda text: [""],
    "multirest": lambda text: [""],
    "paren": lambda text: [""] + [str(p) for p in range(2, 10)],  # a slur, or a tuplet
}
