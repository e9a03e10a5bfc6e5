"""ABC 2.1 tune text, read one character at a time: what charrnn means by a valid tune.

`TuneReader` takes a tune's text a character at a time and knows at every point whether
the text so far can still become a valid tune: its header (X: first, T:, M: and K: with K:
last, each value a reference number, meter, unit length, key or tempo as the field needs),
and its body, where it keeps the exact length of every bar (note and rest lengths, broken
rhythm, tuplets, chords, grace notes taking no time, multi-bar rests), the constructs left
open (a chord, a grace group, a chord symbol or annotation, a decoration, a tuplet, a tie,
a broken rhythm), the bar lines and repeats of each voice (`charrnn.music.abc.bars`), and the
meter and unit note length in force, inline `[M:..]` and `[L:..]` included.

Valid means both that the bars fit (`charrnn abc-check`'s rules) and that the reference
converter abc2midi 4.84 reads the tune without printing an Error: a tie must reach the same
note, a broken rhythm joins notes of equal length, grace notes lead to a note, chord
symbols name a chord abc2midi knows, no characters it does not recognise.

Hand-written, because no library does this: music21 and abc2midi read whole tunes and
report afterwards; neither can say whether half a tune can still be finished, which is what
lets `charrnn sample --abc` refuse, before each character is drawn, every character that
would spoil the tune. https://abcnotation.com/wiki/abc:standard:v2.1

Lengths are exact rationals, gmpy2's `mpq`: they compare and hash as `fractions.Fraction`
does, about ten times faster, and the sampler has the grammar do such arithmetic for every
character it asks about.
"""

import bisect
import functools
from dataclasses import dataclass

import regex
from gmpy2 import mpq

from charrnn.music.abc import accompaniment, fields, repeats
from charrnn.music.abc.bars import Voice, capped

NOTE_LETTERS = frozenset("ABCDEFGabcdefg")
RESTS = frozenset("zx")
DECORATION_CHARS = frozenset(".~HLMOPSTuv")
ACCIDENTAL_CHARS = frozenset("^_=")
IGNORED = frozenset("`$")  # backquotes, score line-breaks: no music in them
# Decorations abc2midi plays by turning the note into several, which it cannot do in a
# chord (store.c: "Rolls and trills not supported in chords"): R, ~, T and !trill!.
_ORNAMENTS = "R~T"
# abc2midi's queue of sounding notes holds 50 (queues.c); a chord of more is refused, and
# chords beside held notes need room too.
MAX_CHORD_NOTES = 8
# Each bar line queues a step of the chord accompaniment, taken off only as time passes: about
# 48 bar lines with no note between them fill the queue ("Too many notes in chord").
MAX_BARE_BAR_LINES = 16
# Sampled tunes keep to what the collections write: at most this many bar lines, and chord
# symbols, with no note between them (O'Neill's and Ryan's have 3 and 2 at most). A model that
# has lost its way otherwise fills tunes with empty bars of chord symbols, all of them valid.
SAMPLED_BARE_BAR_LINES = 3
SAMPLED_CHORD_RUN = 2
# Bounds no tune comes near, which keep a sampler that has lost its way from writing slurs
# or grace notes without end (abc2midi warns of a slur within a slur).
MAX_GRACE_NOTES = 8
MAX_SLURS = 2
# A sampled tune's field values (the collections' longest is 75 characters): a model that
# has lost its way writes its music, or gibberish, into a title or a rhythm without end.
SAMPLED_FIELD_LENGTH = 80
# What may stand between a multi-bar rest and its bar line.
_AFTER_MULTIREST = frozenset(" \t\n|:[%\\")
MIN_NOTE = mpq(1, 64)  # the shortest note a tune may write, in whole notes
MAX_OCTAVE_MARKS = 3
# Decorations abc2midi plays by changing a note's stored length (staccato and !breath!
# shorten it, a fermata lengthens it), so the two notes of a broken rhythm must both have
# them or not.
_LENGTH_MARKS = ".H"

# Note lengths as written after the letter: A, A3, A/, A//, A///, A/4, A3/2 (ABC 2.1 4.3).
_LENGTH_TAILS = {"": 1, "/": 2, "//": 4, "///": 8, "/2": 2, "/4": 4, "/8": 8, "/16": 16,
                 "/32": 32, "/64": 64}


class LengthForms:
    """The texts a note's length may be written as, and what each is worth in units.
    `slash_tops`: the only numbers that may stand before a slash (None: any); `texts`:
    the only texts (None: any)."""

    def __init__(self, slash_tops=None, texts=None):
        tops = [""] + [str(n) for n in range(1, 100)]
        self.values = {top + tail: mpq(int(top or 1), bottom)
                       for top in tops for tail, bottom in _LENGTH_TAILS.items()
                       if (not tail or not top or slash_tops is None or top in slash_tops)
                       and (texts is None or top + tail in texts)}
        self.prefixes = frozenset(text[:i] for text in self.values for i in range(len(text) + 1))
        self.briefest = sorted(self.values, key=lambda text: (len(text), text))  # shortest first
        self.writing = {}  # value -> the briefest text that writes it: 1/2 is "/", not "/2"
        for text in self.briefest:
            self.writing.setdefault(self.values[text], text)


LENGTHS = LengthForms()  # what a tune may write (a sampled tune: what its policy allows)

# ABC 2.1 section 4.14, and the chord names abc2midi knows (store.c setup_chordnames).
DECORATIONS = frozenset(
    "trill trill( trill) lowermordent uppermordent mordent pralltriller roll turn turnx "
    "invertedturn invertedturnx arpeggio > accent emphasis fermata invertedfermata tenuto "
    "0 1 2 3 4 5 + plus snap slide wedge upbow downbow open thumb breath pppp ppp pp p mp "
    "mf f ff fff ffff sfz sf crescendo( <( crescendo) <) diminuendo( >( diminuendo) >) segno "
    "coda D.S. D.C. dacoda dacapo fine shortphrase mediumphrase longphrase".split())
DECORATION_PREFIXES = frozenset(name[:i] for name in DECORATIONS for i in range(len(name) + 1))
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
BAR_LINE = regex.compile(r"\|\|:|\|\||\|\]|\|:|:\|\||:\|:|:\|\]|:\|\|:|::|\[\||:"
                         r"|(?:\||:\|)(?:[1-9](?:[,-][1-9])*)?")
VARIANT = regex.compile(r"[1-9](?:[,-][1-9])*")
TUPLET = regex.compile(r"[2-9](?::[1-9]?(?::[1-9])?)?")
_MULTIREST_COUNT = regex.compile(r"(?:[1-9][0-9]?)?")


@dataclass(frozen=True, slots=True)
class Written:
    """A note, rest or chord as written: what a tie or a broken rhythm needs of it."""

    length: mpq  # written length in whole notes (unit length applied, no tuplet)
    pitch: tuple | None  # (letter, octave marks, accidental); None for rests and chords
    duration: mpq  # what it added to its bar
    marks: str = ""  # staccato and fermata, which abc2midi plays by changing the length
    carried: bool = False  # its pitch, accidental and all, came through a tie across a bar line


# Modes whose token text decides what may follow (elsewhere self.text is stale).
_TEXT_MODES = frozenset("note chord_length bar variant tuplet broken multirest grace bang plus "
                        "field inline line_letter_space".split())
# Modes in which a note letter begins or continues a note (see letters_interchangeable).
_NOTE_MODES = frozenset("music note grace chord_length broken tuplet paren bar".split())
_NAME_MODES = frozenset(("field", "field_comment", "inline", "inline_name", "line_letter",
                         "line_letter_space"))


class _Key(tuple):
    """A reader's key, hashed once: its fractions are slow to hash, and a key is looked up
    many times."""

    def __new__(cls, items):
        key = super().__new__(cls, items)
        key.hash = tuple.__hash__(key)
        return key

    def __hash__(self):
        return self.hash


class TuneReader:
    """Reads one ABC tune a character at a time (`feed`), keeping its problems.

    `alive` is False once the text read can no longer become a valid tune; `finish()`
    judges the text as a whole tune and returns its problems ([] for a valid tune).
    `caps`, the characters a model can write, makes any other character a problem;
    `fixed` gives fields the value they must have ({"K": "Ador"}: every K: is K:Ador);
    `sampled` holds a tune being sampled to what the collections write, where a model that
    has lost its way would write valid noise or what abc2midi plays unlike the text (V:
    fields, I: values, T: after the music, lines without notes, bars off the chord
    accompaniment's steps, ties into endings...: each limit says so where it is kept), and
    to what its `policy` allows (charrnn.music.steer.policy: field values, lengths, decorations,
    chords... as the corpus's idiom or the hand-written limits have them); and
    `max_spaces` refuses longer runs of spaces; `lookahead` tries every way a bar line or
    tuplet being written can end, so that `alive` turns False as soon as no continuation
    can be valid (the sampler needs that; a check of whole tunes does not). `form` is a
    sampled tune's form plan (a charrnn.music.steer.plan.Planner, or another object with the
    hooks of charrnn.music.steer.plan.Hooks), told of the key, each note, bar line and body field
    and asked how much the bar may still take; None: any form.
    """

    def __init__(self, caps=None, fixed=None, lookahead=False,
                 sampled=False, max_spaces=None, policy=None, form=None):
        self.caps = caps
        # what a sampled tune may write; fixed for the reader's life, so not in its key
        self.policy = policy if sampled else None
        self.lengths = LENGTHS  # how note lengths are written (see _set_meter)
        self._key = None  # the key, once worked out for this state
        self.sampled = sampled  # a tune being sampled: one voice, and I: lines empty
        self.max_spaces = max_spaces  # the longest run of spaces allowed; None: any
        self.space_run = 0
        self.lookahead = lookahead  # try how tokens can end, so `alive` is exact (sampling)
        self.fixed = dict(fixed or {})  # field name -> the value it must have
        self.problems: list[str] = []
        self.warned = frozenset()  # the problems that are warnings (see findings)
        self.line = 1
        self.mode = "line_start"
        self.in_header = True
        self.header_fields: list[str] = []
        self.music_started = self.has_notes = self.ended = False
        self.meter: str | None = None
        self.chord_meter: str | None = None  # whose pattern abc2midi's accompaniment plays
        self.explicit_unit: mpq | None = None
        self._set_meter()
        self.rhythm = ""
        self.chords = False  # a chord symbol abc2midi plays has been read
        self.parts = False  # a P: in the header: abc2midi plays the parts in its order
        self.parts_due = frozenset()  # parts the header names that have not begun yet
        self.parts_begun = frozenset()  # parts the body has begun
        self.voices = {"1": Voice()}
        self.voice_id = "1"
        self.text = ""  # the token being written: a field value, a bar line, a note's length...
        self.field_name = ""
        self.field_judged = False  # the field's value has had its problem reported
        self.note = None  # (accidental, letter, octave marks) of the note being written
        self.context = "music"  # where notes go: "music", "chord" or "grace"
        self.chord_lengths: list[mpq] = []
        self.grace_notes = 0
        self.tuplet = None  # (scale, notes left) while a tuplet is open
        self.broken = None  # (factor for the next note, the (length, marks) it must have)
        self.marks = ""  # staccato, fermata, roll or trill marks waiting for their note
        # while a tie is open: (pitch the next note must have, a bar line since (or one its
        # note was tied across), trilled)
        self.tie = None
        self.last: Written | None = None  # the note or chord just written, when adjacent
        self.wants_note = ""  # what needs a note next: "grace" or "decoration"
        self.shorthand = ""  # one-character decorations (~, T, .) waiting for their note
        self.before_dot = None  # (wants_note, marks) before a lone . that may be abc2midi's .( or .|
        self.dotted_slur = False  # abc2midi reads .( as a slur, never a tuplet
        self.dot_after_dotted_slur = False  # a . right after .(, which may not open another
        self.ornament = False  # a trill or roll waits for its note, which cannot be a chord
        self.slurs = 0  # slurs open
        self.slur_empty = False  # a slur opened last, and no note or rest since
        self.bar_closed = True  # the last music element was a bar line (or none yet)
        self.line_notes = None  # on a line of music: whether a note or rest is on it yet
        self.multirest = False  # a multi-bar rest waits for its bar line
        self.bare_bar_lines = 0  # bar lines since the last note or rest
        self.long_bare_run = False  # more than MAX_BARE_BAR_LINES of them, once
        self.chord_run = 0  # chord symbols since the last note or rest
        self.previous = ""  # the character read last
        self.doomed = ""  # why the text can no longer become a valid tune, before it shows
        self.probing = False  # a copy trying out how a token could end
        self.colon_after_capital = ""  # a bar line began with : right after this capital
        self.form = form  # the form plan, then its state once K: ends the header (in the key)

    # ---- state ---------------------------------------------------------------------------

    def copy(self):
        clone = object.__new__(TuneReader)
        clone.__dict__.update(self.__dict__)
        clone.problems = list(self.problems)
        clone.header_fields = list(self.header_fields)
        clone.chord_lengths = list(self.chord_lengths)
        clone.voices = {name: voice.copy() for name, voice in self.voices.items()}
        return clone

    def key(self):
        """What decides the future of the text: two live readers with equal keys accept the
        same continuations. Free text (titles, annotations, comments), stale token text and
        bar numbers are left out. Worked out once per state: the sampler asks often."""
        if self._key is None:
            self._key = _Key(self._make_key())
        return self._key

    def _make_key(self):
        return (self.mode, self._key_text(), self.field_name if self.mode in _NAME_MODES else "",
                self.in_header, tuple(sorted(self.header_fields)), self.music_started,
                self.has_notes, self.meter, self.chord_meter, self.explicit_unit, fields.is_hornpipe(self.rhythm),
                self.voice_id, tuple((name, v.key()) for name, v in sorted(self.voices.items())),
                self.chords, self.bare_bar_lines, self.long_bare_run, self.chord_run,
                self.parts_due, self.parts_begun if self.parts else None,
                self._note_key(), self.context,
                tuple(self.chord_lengths) if self.context == "chord" else tuple(self.chord_lengths[:1]),
                self.grace_notes if self.context == "grace" else 0, self.tuplet, self.broken,
                self.tie, self._last_key(), self.wants_note, self.shorthand, self.ornament, self.slurs, self.slur_empty, self.dotted_slur, self.dot_after_dotted_slur, self.marks, self.bar_closed, self.line_notes, self.multirest,
                self.colon_after_capital if self.mode == "bar" else "", self.space_run,
                self.form, self.alive)

    def letters_interchangeable(self) -> bool:
        """Whether every note letter of one case leads from here to the same key: where a
        note may begin and no tie waits for a pitch, the key keeps only the note's case.
        (Not at the start of a line or after [, where a capital may open a field.)"""
        return self.tie is None and self.mode in _NOTE_MODES and not self._pitch_matters()

    def _pitch_matters(self):
        """Whether the form plan asks which note this is (a part's last bar, its cadence),
        or the policy holds the notes to those the corpus writes (G, but not G,,)."""
        return (self.form is not None and self.form.pitch_matters()) or \
            (self.policy is not None and self.policy.pitches is not None)

    def _note_key(self):
        """The note being written: its pitch matters only when a tie or the form plan waits
        for it; otherwise only its case (which octave mark may follow) and whether it is a rest."""
        if self.mode != "note":
            return None
        accidental, letter, octave = self.note
        if self.tie is not None or self._pitch_matters():
            return self.note
        return accidental, letter.isupper(), letter in RESTS, not letter, octave

    def _last_key(self):
        """The note before: a tie copies its pitch (letter and octave marks), so only how
        many characters that takes is kept."""
        last = self.last
        if last is None:
            return None
        return last.length, last.duration, last.marks, last.pitch is None, \
            len(last.pitch[1]) if last.pitch else 0, last.carried

    def _key_text(self):
        if self.mode == "quote":
            return self.text if not self.text[:1] in "^_<>@" or not self.text else self.text[:1]
        if self.mode not in _TEXT_MODES:
            return ""
        if self.mode in ("field", "inline") and self.field_name not in fields.VALUES and \
                not (self.policy and self.policy.restricts(self.field_name)):
            # free text, and how near a sampled tune's limit on its length it has come
            length = self.sampled and min(len(self.text), SAMPLED_FIELD_LENGTH + 1)
            if self.field_name != "R":  # whether anything, and anything but spaces, has
                return self.text != "", bool(self.text.strip()), length  # begun (_judge_partial)
            start = self.text.lstrip()[:8]  # how far towards "Hornpipe" the R: has come
            return (start if "hornpipe".startswith(start.lower()) else fields.is_hornpipe(self.text)), \
                length
        return self.text

    @property
    def voice(self) -> Voice:
        return self.voices[self.voice_id]

    def _set_meter(self, meter=None, unit=None):
        """M: and L: in force: the unit note length (ABC 2.1 3.1.7 when no L:) and the bar."""
        self.meter = meter if meter is not None else self.meter
        self.explicit_unit = mpq(unit) if unit is not None else self.explicit_unit
        self.unit = self.explicit_unit or mpq(fields.default_unit(self.meter))
        bar = fields.meter_fraction(self.meter) if self.meter else None
        self.bar_full = None if bar is None else mpq(bar)
        if self.policy is not None:
            self.lengths = self.policy.lengths(self.unit, self.meter)

    @property
    def alive(self) -> bool:
        """No problem so far, and the bar in progress not already too long."""
        return not self.problems and not self.doomed and not self.voice.overfull() and \
            not any(v.problems or v.misfits or v.repeats_stuck for v in self.voices.values())

    def problem(self, text):
        self.problems.append(text.replace("\n", "\\n"))  # one line each, whatever was read

    def warning(self, text):
        """A problem after which abc2midi still plays every note as written (see findings)."""
        self.problem(text)
        self.warned = self.warned | {self.problems[-1]}

    # ---- what can still fit ------------------------------------------------------------------
    # Each check below refuses a character after which no continuation could be valid, so
    # that a live reader can always be finished (charrnn.music.steer.completion finds how).

    def plain_bar_line_refused(self):
        """A short bar mid-tune closed by a plain | can only be the last: a model that does
        not know that writes on, and every note after it is refused, so a sampled tune
        ends in whatever else the model writes. It closes such a bar with a section line
        (||, |], :|), after which the music may go on."""
        bar = self.voice.current
        return self.sampled and bar is not None and bar.short_mid_tune()

    def _one_part_voice(self):
        """One voice and no P: parts: abc2midi then patches a missing |: (see
        charrnn.music.abc.repeats.errors)."""
        return len(self.voices) == 1 and not self.parts

    def _repeat_patches(self):
        """Whether abc2midi will patch a missing |: : (True,), (False,), or either while a
        V: may still come (not in a sampled tune). None to try where the tune is past
        saving: trying replays every repeat sign so far, at every bar line."""
        if self._past_saving():
            return ()
        if not self._one_part_voice():
            return (False,)
        return (True,) if self.sampled else (True, False)

    def _limit(self):
        """The most the bar can still take (see Voice.limit), and the form plan; None under
        free meter."""
        limit = self.voice.limit(self.bar_full)
        return limit if self.form is None else self.form.limit(self, limit)

    def _scale(self):
        """What the next note's written length is multiplied by: tuplet and broken rhythm."""
        scale = self.tuplet[0] if self.tuplet else 1
        return scale * self.broken[0] if self.broken else scale

    def _room_for(self, duration, what):
        limit = self._limit()
        if limit is not None and duration > limit:
            self._doom(f"no room in the bar for {what}")

    def _doom(self, why):
        """The text cannot become a valid tune any more, though the problem that will show
        (a bar too long, a bar line inside a rhythm) comes later: `alive` turns False now."""
        self.doomed = self.doomed or why

    def _room_for_a_note(self, what="another note"):
        """A note (or chord) begins: the shortest one the grammar allows must fit, with the
        rest of its tuplet after it."""
        if self.multirest:
            self.problem("a multi-bar rest shares its bar")
        shortest = _shortest(self.caps, self.unit, self.lengths)
        first = self.broken[1][0] if self.broken is not None else shortest
        self._room_for(first * self._scale() + self._rest_of_tuplet(), what)

    def _marks_match(self):
        """The second note of a broken rhythm begins: its staccato and fermata marks, all
        written before it, must be the first note's."""
        if self.broken is not None and _rhythm_marks(self.marks) != self.broken[1][1]:
            self._doom("the second note of a broken rhythm without the staccato or fermata "
                       "of the first")

    def _length_can_fit(self, text, inner=1):
        """A length being written (`A3`, `A3/`) can still end as one that fits: at least
        the shortest note, the length a broken rhythm or a chord's first note needs, and
        no longer than the bar allows."""
        values = _extension_values(text, self.caps, self.lengths) if self.context == "grace" else \
            _whole_values(text, self.caps, self.unit * inner, self.lengths)
        if self.context == "chord" and self.chord_lengths:
            return self.chord_lengths[0] in values
        if self.context == "grace":
            return any(value * self.unit >= MIN_NOTE and grace_length_ok(value * self.unit)
                       for value in values)
        unit = self.unit * inner
        if self.broken is not None and self.context == "music":
            needed = self.broken[1][0] / unit
            return needed in values and self._fits(needed * unit * self._scale())
        low = bisect.bisect_left(values, MIN_NOTE / self.unit / inner)
        if low == len(values):
            return False
        scale = self._scale() if self.context == "music" else (self.tuplet[0] if self.tuplet else 1)
        return self._fits(values[low] * unit * scale + self._rest_of_tuplet())

    def _rest_of_tuplet(self):
        """The least time the tuplet's notes after this one take."""
        if not self.tuplet:
            return 0
        scale, left = self.tuplet
        return (left - 1) * _shortest(self.caps, self.unit, self.lengths) * scale

    def _fits(self, duration):
        limit = self._limit()
        return limit is None or duration <= limit

    def _check_token_can_end(self):
        """A bar line, tuplet, broken rhythm or multi-bar rest being written is judged only
        when it ends: try every way it can end, and doom the tune if none leaves it alive."""
        end = " " if self.caps is None or " " in self.caps else "\n"
        endings = _TOKEN_ENDINGS[self.mode](self.text)
        if self.form is not None and self.mode == "bar":
            endings = self.form.bar_endings(self.text, endings)
        for ending in endings:
            trial = self.copy()
            trial.probing = True
            trial.feed(ending + end)
            if trial.alive:
                return
        self._doom(f"{self.text} cannot end here")

    def _tie_can_hold(self):
        """The note being written can still be the tied note: same letter, octave marks on
        the way to the tied ones, no other accidental."""
        if self.tie is None or self.context != "music":
            return
        accidental, letter, octave = self.note
        tied, crossed, _ = self.tie
        if (letter and letter != tied[0]) or not tied[1].startswith(octave) or \
                accidental not in ("", tied[2][:len(accidental)] if not crossed else ""):
            self._doom("a tie (-) to a different note")

    def _needs_closing(self, close, what):
        if self.caps is not None and close not in self.caps:
            self._doom(f"{what} needs {close!r}, which the model cannot write")

    # ---- feeding -------------------------------------------------------------------------

    def feed(self, text: str):
        for ch in text:
            self.feed_char(ch)
        return self

    def feed_char(self, ch: str):
        self._key = None
        if self.ended:
            self.problem("text after the end of the tune")
            return
        if self.caps is not None and ch not in self.caps:
            self.problem(f"{ch!r} is not a character the model can write")
        if ch == "\t" and self.policy is not None:
            self._layout_allowed("tab")
        self.space_run = self.space_run + 1 if ch in " \t" else 0
        if self.max_spaces is not None:
            if self.space_run > self.max_spaces:
                self.problem(f"more than {self.max_spaces} spaces in a row")
        self._handle(ch)
        if self.lookahead and self.mode in _TOKEN_ENDINGS and not self.probing and self.alive:
            self._check_token_can_end()
        self.previous = ch
        if ch == "\n":
            self.line += 1

    def _handle(self, ch):
        getattr(self, "_" + self.mode)(ch)

    def _redo(self, mode, ch):
        self.mode = mode
        self._handle(ch)

    # ---- lines and fields ------------------------------------------------------------------

    def _line_start(self, ch):
        if ch == "\n":
            self.finish()  # a blank line ends the tune (ABC 2.1 section 2.2)
        elif ch == "%":
            self.mode = "comment"
            self._comment_allowed()
        elif ch in " \t" and not self.in_header:
            self.mode = "line_space"
            missing = [name for name, _ in fields.REQUIRED if name not in self.header_fields]
            if missing and not self.music_started:
                self._doom(f"music with no {missing[0]}: field before it")
        elif ch.isascii() and ch.isalpha():
            self.mode, self.field_name = "line_letter", ch
            if not self._past_saving() and not self._line_letter_can_go_on(ch):
                self._doom(f"a line that starts with {ch} is neither a field nor music here")
        else:
            self._music_line(ch)

    def _line_space(self, ch):
        """Spaces open a line: one with nothing else is blank and ends the tune (as
        charrnn.music.abc.tunes reads it); anything else is music, fields being only at the
        start of a line."""
        if ch == "\n":
            self.finish()
        elif ch.isascii() and ch.isalpha():  # abc2midi skips the spaces: a colon makes a field
            self.mode, self.field_name, self.text = "line_letter_space", ch, ""
            self._music_can_follow()
        elif ch not in " \t":
            self._music_line(ch)

    def _past_saving(self):
        """Problems found that no later text takes away: no doom would show, so the trials
        that look for one (each a copy of the reader, problems and all) are left out."""
        return bool(self.problems) or any(v.problems or v.misfits for v in self.voices.values())

    def _line_letter_can_go_on(self, letter):
        if self.in_header:
            return letter in fields.HEADER_FIELDS and self._field_allowed(letter) and \
                not (letter in self._once_in_header() and letter in self.header_fields)
        return (letter in fields.BODY_FIELDS and self._field_allowed(letter) and
                self._as_field(letter).alive) or self.as_music(letter).alive

    def _field_allowed(self, name):
        return self.policy is None or self.policy.field_allowed(name, self.in_header)

    def _once_in_header(self):
        """The fields a header may hold once: X: and P:, and in a sampled tune every one
        but T:, which it may hold twice (no bundled tune repeats another but six V: and an
        L:, and 13 of 12,742 have three T: or more; a model that has lost its way writes
        music or gibberish into field after field: D:, then B:, G:, G:..., or T: on T:)."""
        if not self.sampled:
            return frozenset("XP")
        return fields.HEADER_FIELDS - ({"T"} if self.header_fields.count("T") < 2 else set())

    def _as_field(self, letter):
        trial = self.copy()
        trial.mode, trial.field_name = "line_letter", letter
        return trial.feed(":")

    def as_music(self, text=None):
        """A copy of the reader that has read the letter opening this line (and the spaces
        after it), or `text`, as music rather than as the start of a field."""
        trial = self.copy()
        trial.mode, trial.in_header, trial._key = "music", False, None
        if text is None:
            spaces = self.text if self.mode == "line_letter_space" else ""
            text = self.field_name + spaces
        return trial.feed(text)

    def _line_letter(self, ch):
        """A letter opens a line: a field when a colon follows, else music. abc2midi also
        reads a field where spaces stand between the letter and the colon."""
        if ch == ":":
            return self._open_field(self.field_name)
        if ch in " \t" and not self.in_header:
            self.mode, self.text = "line_letter_space", ch
            self._music_can_follow()
            return
        self._music_line(self.field_name)
        self._handle(ch)

    def _line_letter_space(self, ch):
        if ch in " \t":
            self.text += ch
            self._music_can_follow()
            return
        if ch == ":":
            self.problem(f"{self.field_name}{self.text}: reads to abc2midi as a field, with spaces "
                         "before its letter or its colon")
        spaces = self.text
        self._music_line(self.field_name)
        for space in spaces:
            self._handle(space)
        self._handle(ch)

    def _music_can_follow(self):
        """Spaces after a line's first letter: only music can follow now (a field with
        spaces before its colon is a problem), so that reading must still be alive."""
        if self.lookahead and not self.as_music().alive:
            self._doom(f"{self.field_name} read as music cannot go on")

    def _music_line(self, ch):
        """A line of music begins with `ch`. A sampled tune continues no line that holds
        nothing: a model that has lost its way otherwise writes lines of spaces and
        backslashes without end, all of them valid."""
        if ch == "\\" and self.sampled:
            self.problem("a line with nothing but a \\ on it, in a sampled tune")
        self.in_header, self.line_notes = False, False
        self._redo("music", ch)

    def _comment(self, ch):
        if ch == "\n":
            self.mode = "line_start"

    _field_comment = _comment

    def _open_field(self, name):
        self.mode, self.field_name, self.text, self.field_judged = "field", name, "", False
        self._no_key_in_tie(name)
        if not self._field_allowed(name):
            self.problem(f"a {name}: field, which {self.policy.source} does not hold")
        if name == "V" and self.sampled:
            self.problem("a V: field (a second voice)")
        if name == "w" and not self.music_started:
            self.problem("a w: lyrics line before any music")
        if name in "TWw" and self.sampled and self.music_started:
            # no bundled tune has one; a model that writes one is starting another tune
            self.problem(f"a {name}: line after the music has begun, in a sampled tune")
        if self.in_header:
            if not self.header_fields and name != "X":
                self.problem("the first line is not X:")
            elif self.sampled and self.header_fields == ["X"] and name != "T":
                # every bundled tune has it there; a model that skips it writes on without
                # one, and its K: (see below) never comes
                self.problem("a field other than T: right after X:, in a sampled tune")
            elif self.header_fields and name in self._once_in_header() and \
                    name in self.header_fields:
                self.problem(f"a {'third' if name == 'T' else 'second'} {name}: in the header" +
                             ("" if name in "XP" else ", in a sampled tune"))
            elif name not in fields.HEADER_FIELDS:
                self.problem(f"{name}: is not a header field")
            elif name == "P" and self.sampled:
                # abc2midi plays the parts in its order, meters and chords with them, which
                # the reader, reading in written order, does not follow
                self.problem("a P: in the header (an order of parts), in a sampled tune")
            elif name == "K" and self.sampled and not {"T", "M"} <= set(self.header_fields):
                # the collections give both; a model that skips them writes them in the body
                self.problem("K: before the header's T: and M:, in a sampled tune")
            self.header_fields.append(name)
            return
        if self.form is not None:
            self.form.body_field(self, name)
        if name not in fields.BODY_FIELDS:
            self.problem(f"{name}: is not allowed in the tune body" if self.music_started else
                         f"K: is not the last header field ({name}: follows it)")
        elif not self.music_started:
            self.header_fields.append(name)
        if not self._between_elements():
            self.problem(f"a {name}: line inside an unfinished chord, grace group or rhythm")

    def _between_elements(self):
        return self.context == "music" and not self.broken and self.wants_note != "decoration" \
            and not self.multirest and self.tuplet is None

    def _field(self, ch):
        if ch == "\n":
            self._close_field()
            self.mode = "line_start"
        elif ch == "%":
            self._close_field()
            self.mode = "field_comment"
            self._comment_allowed()
        else:
            self.text += ch
            self._judge_partial("")

    def _judge_partial(self, bracket):
        name, value = self.field_name, self._value_text()
        if self.sampled and len(self.text) == SAMPLED_FIELD_LENGTH + 1:
            self.problem(f"{bracket}{name}: a value over {SAMPLED_FIELD_LENGTH} characters, "
                         "in a sampled tune")
        if name == "I" and self.sampled and value:
            self.problem(f"{bracket}I:{value}: an I: with a value in a sampled tune")
        fixed = self.fixed.get(name)
        if self.field_judged:
            return
        if name != "I" and self.text.lstrip().startswith("|"):
            self.problem(f"{bracket}{name}:{value}: a value that starts with | reads to music21 as music")
            self.field_judged = True
        elif not bracket and not self.in_header and self.text.startswith(":"):
            self.problem(f"{name}:{value}: a field line in the music whose value starts with : "
                         "reads to abc2midi as music")
            self.field_judged = True
        elif not self._value_can_continue(name, value, fixed):
            self._doom(f"{bracket}{name}:{value}... cannot be a value of {name}:")  # said at its end
        elif self.in_header and not self._hornpipe_can_be_met(name, value):
            self._doom("a hornpipe (R:) that abc2midi plays only in 2/4 or 4/4")

    def _value_can_continue(self, name, value, fixed):
        """The value can still end valid: as it stands (spaces after it are fine), or by
        going on from the text as written, trailing spaces included (`Q:1/6 ` cannot go
        on to `Q:1/64`)."""
        if fixed is not None:
            return value == fixed or fixed.startswith(self.text.lstrip())
        return self.value_problem(name, value) is None or \
            self.value_can_continue(name, self.text.lstrip())

    def value_problem(self, name, value):
        """Why `value` cannot be field `name`'s here (not ABC, or not what the policy of a
        sampled tune allows); None when it can be."""
        problem = fields.value_problem(name, value, self.in_header)
        if problem is None and self.policy is not None:
            problem = self.policy.value_problem(name, value)
        return problem

    def value_can_continue(self, name, text):
        """Whether field `name`'s value, begun as `text`, can still become one it can have."""
        return fields.value_can_continue(name, text, self.in_header) and \
            (self.policy is None or self.policy.value_can_continue(name, text))

    def _hornpipe_can_be_met(self, name, value):
        """abc2midi refuses a hornpipe (R:Hornpipe...) whose header meter is not 2/4 or 4/4:
        once the R: and the M: being written make that certain, the tune is doomed."""
        if name == "R" and fields.is_hornpipe(value):
            return self.meter is None or fields.hornpipe_meter_ok(self.meter)
        if name == "M" and fields.is_hornpipe(self.rhythm):
            return any(ok.startswith(value) for ok in fields.HORNPIPE_METERS)
        if name == "K" and fields.is_hornpipe(self.rhythm):
            return fields.hornpipe_meter_ok(self.meter)
        return True

    def _field_problem(self, name, value):
        fixed = self.fixed.get(name)
        if fixed is not None and value != fixed:
            return f"{name}:{value} is not {name}:{fixed}, as asked"
        if fixed is not None:  # asked for: ABC is enough, whatever the corpus writes
            return fields.value_problem(name, value, self.in_header)
        return self.value_problem(name, value)

    def _value_text(self):
        """A field's value without the spaces around it; abc2midi reads an I: as written,
        and a tab in the header's P: as an illegal character in the list of parts."""
        if self.field_name == "I":
            return self.text.rstrip()
        if self.field_name == "P" and self.in_header:
            return self.text.strip(" ")
        return self.text.strip()

    def _close_field(self):
        name, value = self.field_name, self._value_text()
        problem = None if self.field_judged else self._field_problem(name, value)
        if problem:
            self.problem(problem)
        self.field_judged = True  # a field ended by a comment is judged once
        self._apply_field(name, value)

    def _apply_field(self, name, value):
        if name == "M" and fields.is_meter(value):
            self._set_meter(meter=value)
            if not self.in_header:
                self.chord_meter = accompaniment.pattern_meter(self.chord_meter, value)
                self._keep_bars_in_steps()
        elif name == "L" and fields.VALUES["L"].fullmatch(value):
            self._set_meter(unit=fields.unit_fraction(value))
        elif name == "R":
            self.rhythm = value
        elif name == "V":
            self._switch_voice((value.split() or ["1"])[0])
        elif name == "P" and self.in_header:
            self.parts = True
            self.parts_due = frozenset(fields.declared_parts(value))
        elif name == "P":
            self.voice.bar_line(repeats.PART, "", self._repeat_patches())
            part = value[:1]
            if self.parts and part in self.parts_begun:  # abc2midi plays them in P:'s order
                self.problem(f"part {part} begins twice, in a tune whose header orders its "
                             "parts (abc2midi: \"Part defined more than once\")")
            self.parts_due, self.parts_begun = self.parts_due - {part}, self.parts_begun | {part}
        elif name == "K" and self.in_header:
            self.in_header = False
            # ABC 2.1 3.1.7: with no L:, the header's meter sets the unit once and for all
            self._set_meter(unit=self.unit)
            self.chord_meter = accompaniment.pattern_meter(None, self.meter or "4/4")
            if fields.is_hornpipe(self.rhythm) and not fields.hornpipe_meter_ok(self.meter):
                self.warning(f"R:{self.rhythm} is a hornpipe, which abc2midi plays only in "
                             f"2/4 or 4/4, not M:{self.meter}")
            if self.form is not None:
                self.form = self.form.begin(self, value)

    def _switch_voice(self, name):
        if not self._between_elements() or self.tie is not None:
            self.problem(f"V:{name} inside an unfinished chord, grace group, rhythm or tie")
        if name != self.voice_id:
            self.voices.setdefault(name, Voice())
            self.voice_id = name
            self.last, self.bar_closed = None, True

    # ---- music -----------------------------------------------------------------------------

    def _start_music(self):
        """The first music of the tune: the header must have held T:, M: and K:."""
        self.music_started = True
        for name, what in fields.REQUIRED:
            if name not in self.header_fields:
                self.problem(f"no {name}: ({what}) field")

    def _music(self, ch):
        if not self.music_started:
            self._start_music()
        if self.form is not None:
            self.form = self.form.between_notes(self, ch)
        if self.multirest and ch not in _AFTER_MULTIREST:
            self.problem("a multi-bar rest shares its bar")
        if self.shorthand and ch != "[":
            self._after_shorthand(ch)
        elif self.shorthand:  # after a decoration, [ can only open a chord: judge it now
            self._chord_can_open()
        handler = _MUSIC.get(ch)
        if handler is not None:
            handler(self, ch)
        elif ch in NOTE_LETTERS or ch in RESTS or ch in ACCIDENTAL_CHARS:
            self._begin_note(ch)
        elif ch in DECORATION_CHARS:
            self._decorate(ch)
        elif ch not in IGNORED:
            self.problem(f"{ch!r} is not ABC music")

    def _spacer(self, ch):
        """y, a spacer: abc2midi counts it as a note of no length, so no tie or broken
        rhythm reaches past it."""
        if self.broken is not None or self.wants_note == "grace":
            self.problem("a spacer (y) inside a broken rhythm or after grace notes")
        self.last = None

    def _slur_end(self, ch):
        """A slur ends (abc2midi ignores a ) with none open); a tie or broken rhythm may
        still follow the note before."""
        if self.sampled and self.slurs and self.slur_empty:
            self.problem("an empty slur (), which abcjs cannot read, in a sampled tune")
        self.slurs = max(self.slurs - 1, 0)

    def _space(self, ch):
        """Spaces: a tie or a broken rhythm may still follow the note before."""

    def _after_shorthand(self, ch):
        """abc2midi reads a one-character decoration as the start of a note (parseabc.c,
        parsenote): only more of them, an accidental, the note, a rest or a chord may follow
        it, with nothing between; but a lone . before ( or | is a dotted slur or bar line."""
        if ch in DECORATION_CHARS:
            return  # the run goes on (_decorate adds to it)
        run, self.shorthand = self.shorthand, ""
        after_dotted_slur, self.dot_after_dotted_slur = self.dot_after_dotted_slur, False
        if run == "." and ch in "(|":
            self.wants_note, self.marks = self.before_dot
            self.dotted_slur = ch == "("
            if self.dotted_slur and after_dotted_slur:
                self.problem("abc2midi reads .(.( as a malformed note")
            return
        if ch not in ACCIDENTAL_CHARS and ch not in NOTE_LETTERS and ch not in "zx":
            self.problem(f"{ch!r} between a decoration and its note")

    def _decorate(self, ch):
        if self.policy is not None and ch not in self.policy.shorthands:
            self.problem(f"the decoration {ch}, which {self.policy.source} does not hold")
        if ch == "." and not self.shorthand:
            self.before_dot = (self.wants_note, self.marks)
        self.shorthand += ch
        self.ornament = self.ornament or ch in _ORNAMENTS
        if ch == "T":
            self._no_trill_across_a_bar()
        if ch == "~" and (self.tie is not None or self.wants_note == "grace" or self.broken):
            # abc2midi plays it as several notes: none of them tied, graced or broken
            self.problem("a roll (~) on a tied note, after grace notes or in a broken rhythm")
        self._room_for_a_note("the decorated note")
        self.wants_note = self.wants_note or "decoration"
        self.marks += ch if ch in _LENGTH_MARKS or ch in "~T" else ""
        if self.broken is not None and ch in _LENGTH_MARKS and ch not in self.broken[1][1]:
            self.problem(f"{ch} on the second note of a broken rhythm and not the first")
        self.last = None

    def _newline(self, ch):
        if self.tuplet is not None:  # music21 loses the tuplet's durations
            self.problem("a tuplet across the end of a line")
        if self.sampled and self.line_notes is False:
            # one line in two thousand in the collections; a model that has lost its way
            # otherwise writes lines of bar lines, chord symbols and decorations
            self.problem("a line of music with no note or rest on it, in a sampled tune")
        if self.sampled and self.voice.current is not None and self._limit() == 0:
            # the next line could only begin with a bar line, which a model that breaks its
            # lines at bar lines never writes there: it would end the tune instead
            self.problem("a line that ends a full bar with no bar line, in a sampled tune")
        self.last, self.line_notes = None, None
        self.mode = "line_start"

    def _token(self, mode, ch):
        """Start a token whose meaning the next characters decide."""
        self.mode, self.text, self.last = mode, ch, None

    def _length_char(self, ch):
        """Whether `ch` goes on the length being written (taken into `text`): in a sampled
        tune, a length its policy does not allow is a problem."""
        if not (ch.isdigit() or ch == "/") or self.text + ch not in LENGTHS.prefixes:
            return False
        if self.text in self.lengths.prefixes and self.text + ch not in self.lengths.prefixes:
            self.problem(f"the length {self.text + ch}...: {self.policy.lengths_rule}")
        self.text += ch
        return True

    def _length_allowed(self):
        """A length its policy allows only as the start of another (3 of 3/2) may not end."""
        if self.text not in self.lengths.values and self.text in self.lengths.prefixes and \
                self.text in LENGTHS.values:
            self.problem(f"the length {self.text!r}: {self.policy.lengths_rule}")

    def _begin_note(self, ch):
        if self.context == "music":
            self._room_for_a_note()
            self._marks_match()
        self.mode, self.text, self.note = "note", "", ("", "", "")
        self._note(ch)

    # ---- notes -----------------------------------------------------------------------------

    def _note(self, ch):
        accidental, letter, octave = self.note
        if not letter:
            return self._note_start(ch, accidental)
        if not self.text and ch in "',":
            return self._octave_mark(ch, accidental, letter, octave)
        if self._length_char(ch):
            if not self._length_can_fit(self.text):
                self._doom(f"a note {letter}{self.text}... that cannot fit")
            return
        self._end_note()
        self._redo(self.context, ch)

    def _note_start(self, ch, accidental):
        if ch in ACCIDENTAL_CHARS and accidental + ch in ("^", "^^", "_", "__", "="):
            self.note = (accidental + ch, "", "")
            self._tie_can_hold()
        elif ch in NOTE_LETTERS or (ch in RESTS and not accidental and self.context == "music"):
            self.note = (accidental, ch, "")
            self._tie_can_hold()
        else:
            self.problem(f"{accidental or ch} with no note after it")
            self._redo(self.context, ch)

    def _octave_mark(self, ch, accidental, letter, octave):
        if letter in RESTS or (ch == "'") == letter.isupper():
            self.problem(f"{ch} after the note {letter}")
        elif len(octave) >= MAX_OCTAVE_MARKS:
            self.problem(f"more than {MAX_OCTAVE_MARKS} octave marks")
        else:
            self.note = (accidental, letter, octave + ch)
            self._tie_can_hold()

    def _end_note(self):
        """A note's length is complete: the note goes to its chord, grace group or bar."""
        length = LENGTHS.values.get(self.text)
        if length is None:
            self.problem(f"the length {self.text!r} of a note is not finished")
            length = mpq(1)
        self._length_allowed()
        accidental, letter, octave = self.note
        if self.policy is not None and self.policy.pitches is not None and \
                letter not in RESTS and letter + octave not in self.policy.pitches:
            self.problem(f"the note {letter + octave}, which {self.policy.source} does not write")
        if length * self.unit < MIN_NOTE:
            self.problem(f"a note shorter than 1/{MIN_NOTE.denominator}")
        elif self.context != "grace" and (length * self.unit) % MIN_NOTE:
            # so that what is left of a bar can always be filled
            self.problem(f"a note length that is not a whole number of 1/{MIN_NOTE.denominator} notes")
        if self.context == "grace":
            self.grace_notes += 1
            if not grace_length_ok(length * self.unit):
                self.problem(f"a grace note {accidental}{letter}{octave}{self.text} of a length "
                             "music21 cannot convert")
        elif self.context == "chord":
            if self.chord_lengths and self.chord_lengths[0] != length:
                self.problem("the notes of a chord have different lengths")
            self.chord_lengths.append(length)
        else:
            pitch = None if letter in RESTS else (letter, octave, accidental)
            self._place(length * self.unit, pitch, chord=False)

    def _place(self, written, pitch, chord):
        """A note, rest or chord takes its place in the bar: tuplet, broken rhythm, tie."""
        self.slur_empty = False
        duration = written
        if self.tuplet is not None:
            if not one_note_value(written):
                self.problem(f"a note or rest of {written} in a tuplet: music21 cannot put a "
                             "length no single note value writes (5/8, a half and an eighth) "
                             "in a tuplet")
            scale, left = self.tuplet
            duration *= scale
            self.tuplet = (scale, left - 1) if left > 1 else None
        marks, self.marks = "".join(sorted(set(self.marks))), ""
        if pitch is None and not chord:  # abc2midi shortens no rest for a staccato
            marks = marks.replace(".", "")
        if written == self._swung() and set(marks) & set(_LENGTH_MARKS):
            self.problem("a staccato or fermata on a note a hornpipe swings, in a sampled tune")
        self.ornament = False
        if self.broken is not None:
            factor, needed = self.broken
            if (written, _rhythm_marks(marks)) != needed:
                self.problem("a broken rhythm (> or <) between notes of different lengths "
                             "(or with a staccato or fermata on one of them)")
            duration *= factor
            self.broken = None
        pitch, carried = self._check_tie(pitch)
        if self.multirest:
            self.problem("a multi-bar rest shares its bar")
        if pitch is not None or chord or self.wants_note != "grace":
            self.wants_note = ""  # grace notes lead to the next note, even past rests
        voice = self.voice
        voice.start_bar(self.meter, self.bar_full)
        voice.add(duration, held="H" in marks)
        if self.form is not None:
            self.form = self.form.note(self, pitch, duration, chord)
        if self.tuplet is not None:
            self._room_for_tuplet()
        self.has_notes = self.has_notes or pitch is not None or chord
        self.last = Written(written, pitch, duration, marks, carried)
        self.bar_closed, self.bare_bar_lines, self.chord_run = False, 0, 0
        self.line_notes = True

    def _swung(self):
        """The note length abc2midi swings in a sampled hornpipe, else None. abc2midi plays
        two such notes, the second off the beat, as a broken rhythm (store.c, hornp), then
        checks that they are stored equally long: so it stops with "Cannot apply broken
        rhythm" where a staccato or fermata changed one's length, or where a written > or <
        pairs a note it has already swung. Sampled hornpipes write neither (the text's
        rhythm is swung anyway); whole tunes are judged as written."""
        if not (self.sampled and fields.is_hornpipe(self.rhythm)):
            return None
        numbers = fields.meter_numbers(self.meter or "")
        return mpq(numbers[0], 32) if numbers and numbers[0] in (2, 4) else None

    def _check_tie(self, pitch):
        """abc2midi ties a note to the next note of the same pitch: the same letter and
        octave, with no accidental or the same one (after a bar line, none). The pitch the
        note has, and whether it came through a tie across a bar line (accidental and all:
        tied on to a trill, abc2midi then cannot find the note)."""
        tie, self.tie = self.tie, None
        if tie is None:
            return pitch, False
        tied, crossed, _ = tie
        same = pitch is not None and pitch[:2] == tied[:2] and \
            (pitch[2] == "" or pitch[2] == tied[2] and not crossed)
        if not same:
            self.problem("a tie (-) to a different note")
            return pitch, False
        return (pitch[:2] + tied[2:], True) if crossed else (pitch, False)

    # ---- chords and grace notes ------------------------------------------------------------

    def _chord_can_open(self):
        if self.ornament:
            self.problem("a trill or roll on a chord, which abc2midi cannot play")
        if self.tie is not None:
            self.problem("a tie (-) into a chord")

    def _bracket(self, ch):
        """After [: a chord, an inline field [K:D], a variant ending [2 or the bar line [|."""
        decorated, self.shorthand = self.shorthand, ""
        if decorated and ch not in NOTE_LETTERS and ch not in ACCIDENTAL_CHARS:
            # a decorated chord (H[ce]); abc2midi reads nothing else there
            self.problem(f"{'[' + ch!r} between a decoration and its note")
        if ch in NOTE_LETTERS or ch in ACCIDENTAL_CHARS:
            if not decorated:  # judged at its [ when decorated
                self._chord_can_open()
            self._room_for_a_note("a chord")
            self._marks_match()
            self._needs_closing("]", "a chord")
            self.context, self.chord_lengths = "chord", []
            self._chord_note_allowed()
            self._begin_note(ch)
        elif ch in fields.BODY_FIELDS:
            if ch == "V" and self.sampled:
                self.problem("a [V: field (a second voice)")
            if not self._field_allowed(ch):
                self.problem(f"a [{ch}: field, which {self.policy.source} does not hold")
            self._needs_closing("]", "an inline field")
            self.mode, self.field_name = "inline_name", ch
        elif ch == "|":
            self.mode, self.text = "bar", "[|"
        elif ch in "123456789":
            self.mode, self.text = "variant", ch
        else:
            self.problem("a [ that opens no chord, inline field or variant ending")
            self._redo("music", ch)

    def _chord_note_allowed(self):
        """Room in the chord for one more note: the grammar's limit, or the policy's."""
        policy = self.policy if self.policy is not None and self.policy.chord_notes is not None \
            else None
        most = MAX_CHORD_NOTES if policy is None else policy.chord_notes
        if len(self.chord_lengths) >= most:
            self.problem(f"a chord of more than {MAX_CHORD_NOTES} notes" if policy is None else
                         f"a chord of more than {most} notes, which {policy.source} does not write"
                         if most else f"a chord ([ce]), which {policy.source} does not write")

    def _chord(self, ch):
        if ch in NOTE_LETTERS or ch in ACCIDENTAL_CHARS:
            self._chord_note_allowed()
            self._begin_note(ch)
        elif ch == "]" and self.chord_lengths:
            self.context, self.mode, self.text = "music", "chord_length", ""
        else:
            self.problem("a chord holds something other than notes" if ch != "\n" else
                         "a chord left open at the end of a line")
            self.context = "music"
            self._redo("music", ch)

    def _chord_length(self, ch):
        if self._length_char(ch):
            if self.sampled and self.chord_lengths[0] != 1:
                # abc2midi times [E2]2 by the length after ] alone, music21 by both
                self.problem("a chord with lengths both on its notes and after it, in a "
                             "sampled tune")
            if not self._length_can_fit(self.text, inner=self.chord_lengths[0]):
                self._doom(f"a chord of length {self.text}... that cannot fit")
            return
        length = LENGTHS.values.get(self.text)
        if length is None:
            self.problem(f"the length {self.text!r} of a chord is not finished")
        self._length_allowed()
        self._place((length or 1) * self.chord_lengths[0] * self.unit, None, chord=True)
        self._redo("music", ch)

    def _grace_open(self, ch):
        if self.policy is not None and not self.policy.graces:
            self.problem(f"grace notes, which {self.policy.source} does not hold")
        if self.tie is not None:
            self.problem("grace notes inside a tie")
        if self.wants_note == "grace":
            self.problem("two grace groups with no note between them")
        self._needs_closing("}", "a grace group")
        if self._limit() == 0 and self.voice.current is None:
            self._doom("grace notes where the tune can only end")
        self.context, self.grace_notes = "grace", 0
        self.mode, self.text, self.last = "grace", "", None

    def _grace(self, ch):
        if ch in NOTE_LETTERS or ch in ACCIDENTAL_CHARS:
            if self.grace_notes >= MAX_GRACE_NOTES:
                self.problem(f"a grace group of more than {MAX_GRACE_NOTES} notes")
            self._begin_note(ch)
        elif ch == "/" and self.grace_notes == 0 and not self.text:
            self.text = "/"  # an acciaccatura
        elif ch == "}" and self.grace_notes:
            self.context, self.mode, self.wants_note = "music", "music", "grace"
        else:
            self.problem("grace notes inside grace notes" if ch == "{" else
                         "a grace group holds something other than notes")
            self.context = "music"
            self._redo("music", ch)

    # ---- ties, broken rhythm, tuplets --------------------------------------------------------

    def _tie_mark(self, ch):
        last = self.last
        if last is None or last.pitch is None or self.tie is not None:
            self.problem("a tie (-) that follows no note")
        elif "." in last.marks:
            self.problem("a tie (-) after a staccato note")  # abc2midi plays it note + rest
        else:
            self.tie = (last.pitch, last.carried, bool(set(last.marks) & set(_ORNAMENTS)))
        self.last = None

    def _broken_open(self, ch):
        if self.last is None or self.broken is not None or self.tie is not None:
            self.problem(f"a broken rhythm ({ch}) that follows no note")
            return
        if self.tuplet is not None or self.last.duration != self.last.length:
            self.problem(f"a broken rhythm ({ch}) with a note of a tuplet, which abc2midi "
                         "cannot even out")
        if "~" in self.last.marks:
            self.problem(f"a broken rhythm ({ch}) after a roll (~), which abc2midi plays as several notes")
        if self._swung() is not None:
            self.problem(f"a broken rhythm ({ch}) in a hornpipe, which abc2midi swings itself, in "
                         "a sampled tune")
        self.mode, self.text = "broken", ch
        self._broken_allowed(partial=True)

    def _broken(self, ch):
        if ch == self.text[0] and len(self.text) < 3:
            self.text += ch
            self._broken_allowed(partial=True)
            return
        self._broken_allowed()
        k = len(self.text)
        longer, shorter = mpq(2 ** (k + 1) - 1, 2 ** k), mpq(1, 2 ** k)
        first, second = (longer, shorter) if self.text[0] == ">" else (shorter, longer)
        self.voice.add(self.last.duration * (first - 1))
        self.broken, self.last = (second, (self.last.length, _rhythm_marks(self.last.marks))), None
        self._room_for_a_note("the second note of the broken rhythm")
        self._redo("music", ch)

    def _broken_allowed(self, partial=False):
        policy = self.policy
        if policy is not None and not (policy.broken_can_continue(self.text) if partial
                                       else policy.broken_allowed(self.text)):
            self.problem(f"the broken rhythm {self.text}, which {policy.source} does not hold")

    def _paren(self, ch):
        dotted, self.dotted_slur = self.dotted_slur, False
        self.dot_after_dotted_slur = dotted and ch == "."
        if ch.isdigit() and self.broken is not None:
            self.problem("a tuplet inside a broken rhythm")
        if dotted and (ch.isdigit() or ch == "\n"):  # the end of the line reads as a note
            self.problem(f".({ch}: abc2midi reads .( as a dotted slur, and {ch} as no music")
        if ch.isdigit():
            if self.tuplet is not None:
                self.problem("a tuplet inside a tuplet")
            self.mode, self.text = "tuplet", ""
            return self._tuplet(ch)
        if self.slurs >= MAX_SLURS:
            self.warning(f"more than {MAX_SLURS} slurs open at once")
        self.slurs += 1
        self.slur_empty = True
        self._redo("music", ch)

    def _tuplet(self, ch):
        policy = self.policy
        if TUPLET.fullmatch(self.text + ch, partial=True):
            self.text += ch
            if policy is not None and not policy.tuplet_can_continue(self.text):
                self.problem(f"the tuplet ({self.text}, which {policy.source} does not hold")
            return
        if not TUPLET.fullmatch(self.text):
            self.problem(f"({self.text} is not a tuplet: ABC has (2 to (9")
        elif policy is not None and not policy.tuplet_allowed(self.text):
            self.problem(f"the tuplet ({self.text}, which {policy.source} does not hold")
        else:
            self._tuplet_reading(self.text)
            self.tuplet = tuplet_scale(self.text, self.meter or "")
            self._room_for_tuplet()
        self._redo("music", ch)

    def _tuplet_reading(self, text):
        """A tuplet abc2midi and the ABC standard time differently ((5 in 3/4): read as
        abc2midi reads it, with a warning; a sampled tune writes none."""
        p, _, q = text.partition(":")
        p = int(p)
        if q[:1] not in ("", ":") or not fields.tuplet_readings_differ(p, self.meter):
            return
        said = (f"({p} in {self.meter}: abc2midi plays {p} notes in the time of "
                f"{fields.tuplet_time(p, fields.meter_top(self.meter))}, the ABC standard "
                f"in the time of {fields.standard_tuplet_time(p, self.meter)}")
        warning = f"{said} (write ({p}:q to say which)"
        if self.sampled:
            self.problem(f"{said}, in a sampled tune")
        elif warning not in self.problems:  # once a tune
            self.warning(warning)

    def _room_for_tuplet(self):
        scale, left = self.tuplet
        self._room_for(left * _shortest(self.caps, self.unit, self.lengths) * scale, f"the tuplet's {left} notes")

    # ---- bar lines ---------------------------------------------------------------------------

    def _bar(self, ch):
        if self.text == ":" and self.colon_after_capital and ch != "|":
            self.problem(f"{self.colon_after_capital}: reads to music21 as the start of a field; "
                         "write a space before the :")
            self.colon_after_capital = ""
        if BAR_LINE.fullmatch(self.text + ch, partial=True):
            self.text += ch
            return
        text = self.text
        line = text.rstrip("0123456789,-")
        if text == "||:" and ch in "|:":
            self.problem(f"||:{ch} reads to abc2midi as || and :{ch}, an end of a repeat")
        if not BAR_LINE.fullmatch(text):
            self.problem(f"{text} is not a bar line")
        else:
            self._bar_event(repeats.BAR_LINES[line], variant=text[len(line):], text=text)
        self._redo("music", ch)

    def _variant(self, ch):
        if VARIANT.fullmatch(self.text + ch, partial=True):
            self.text += ch
            return
        if self.text[:1] not in "12":  # music21 reads [3 as a chord up to the next ]
            self.problem(f"[{self.text}: music21 reads [ and a number other than 1 or 2 as a "
                         f"chord (it reads the bar line form |{self.text})")
        if VARIANT.fullmatch(self.text):
            self._bar_event((), variant=self.text, text="[" + self.text)
        else:
            self.problem(f"[{self.text} is not a variant ending")
        self._redo("music", ch)

    def _bar_event(self, signs, variant, text):
        if self.tuplet is not None:
            self.problem("a tuplet crosses a bar line")
            self.tuplet = None
        if self.broken is not None or self.wants_note == "decoration":
            self.problem(f"a bar line {text} inside a broken rhythm or before its note")
            self.broken = None
            self.wants_note = "" if self.wants_note == "decoration" else self.wants_note
        if self.tie is not None and variant and self.sampled:
            # abc2midi holds the note on the pass that skips the ending, to the end if
            # nothing follows: "Sustained notes beyond end of track"
            self.problem("a tie (-) into a variant ending, in a sampled tune")
        if self.tie is not None:
            pitch, _, trilled = self.tie
            if trilled and (pitch[2] or self.sampled):  # "Could not find note to be tied"
                self.problem("a trill or roll on a note with an accidental, tied across a bar line")
            self.tie = (pitch, True, trilled)
        self._count_bare_bar_line()
        if self.form is not None:
            self.form = self.form.bar_line(self, signs, variant, text)
        if self.plain_bar_line_refused() and not signs and not variant:
            self.problem("a short bar closed by a plain bar line, in a sampled tune")
        self.voice.bar_line(signs, variant, self._repeat_patches())
        self._keep_bars_in_steps()
        self.multirest = False
        self.last, self.bar_closed = None, True

    def _count_bare_bar_line(self):
        """Runs of bar lines with no note between them: in a sampled tune no longer than
        the collections write (SAMPLED_BARE_BAR_LINES); under a chord accompaniment (any
        chord symbol, see _quote) none so long that abc2midi cannot play it
        (MAX_BARE_BAR_LINES)."""
        before = self.bare_bar_lines
        self.bare_bar_lines = min(before + (not self.multirest), MAX_BARE_BAR_LINES + 1)
        if self.sampled and self.bare_bar_lines > SAMPLED_BARE_BAR_LINES:
            self.problem(f"more than {SAMPLED_BARE_BAR_LINES} bar lines with no note between "
                         "them, in a sampled tune")
        if self.bare_bar_lines > MAX_BARE_BAR_LINES >= before:
            self.long_bare_run = True
            if self.chords:
                self._too_many_bare_bar_lines()

    def _too_many_bare_bar_lines(self):
        self.problem(f"more than {MAX_BARE_BAR_LINES} bar lines with no note or rest between "
                     "them, in a tune with chord symbols")

    def _colon(self, ch):
        self._token("bar", ch)
        capital = self.previous if self.previous.isupper() and self.previous.isascii() else ""
        self.colon_after_capital = capital

    def _multirest(self, ch):
        if ch.isdigit() and _MULTIREST_COUNT.fullmatch(self.text[1:] + ch):
            self.text += ch
            return
        voice = self.voice
        if voice.current is not None or not self._between_elements():
            self.problem("a multi-bar rest inside a bar")
        elif self.tie is not None:  # abc2midi: "Could not find note to be tied"
            self.problem("a multi-bar rest where a tie (-) waits for its note")
        else:
            if self._limit() is not None and self._limit() < self.bar_full:
                self._doom("a multi-bar rest where the bar must complete a pickup")
            bar = voice.start_bar(self.meter, self.bar_full)
            bar.rests = int(self.text[1:] or 1)
            self.line_notes = True
            self.multirest, self.bar_closed = True, False
        self._redo("music", ch)

    # ---- chord symbols, decorations, inline fields -------------------------------------------

    def _quote(self, ch):
        """A chord symbol or annotation; once it can no longer be one (mode quote_skip) the
        rest is read to its end for the message."""
        if ch == '"':
            if self.mode == "quote_skip" or not CHORD_SYMBOL.fullmatch(self.text):
                self.warning(f'"{self.text}" is neither a chord abc2midi knows nor an annotation '
                             "(which starts with ^ _ < or @)")
            elif self.policy is not None and not self.policy.quote_can_continue(self.text):
                self.problem(f'"{self.text}": not what {self.policy.source} writes')
            elif self.policy is not None and is_chord(self.text) and \
                    self.policy.chord_problem(self.text):
                self.problem(self.policy.chord_problem(self.text))
            if is_chord(self.text):
                if not self.chords and self.long_bare_run:
                    self._too_many_bare_bar_lines()
                self.chords, self.chord_run = True, self.chord_run + 1
                self._keep_bars_in_steps()
                if self.sampled and self.chord_run > SAMPLED_CHORD_RUN:
                    self.problem(f"more than {SAMPLED_CHORD_RUN} chord symbols with no note between "
                                 "them, in a sampled tune")
            self.mode = "music"
        elif ch == "\n":
            self.problem(f'line {self.line}: a chord symbol or annotation has no closing "')
            self._newline(ch)
        else:
            self.text += ch
            if self.mode == "quote" and not CHORD_SYMBOL.fullmatch(self.text, partial=True):
                self._doom(f'"{self.text}..." is neither a chord abc2midi knows nor an annotation')
                self.mode = "quote_skip"
            elif self.mode == "quote" and self.policy is not None and \
                    not self.policy.quote_can_continue(self.text):
                self._doom(f'"{self.text}...": not what {self.policy.source} writes')
                self.mode = "quote_skip"

    _quote_skip = _quote

    def _bang(self, ch):
        """After !: the end of a line (an old line-break mark) or a !decoration!."""
        if ch == "\n" and self.text == "!":
            return self._newline(ch)
        self._decoration(ch)

    def _decoration(self, ch):
        mark, name = self.text[0], self.text[1:]
        names, prefixes = (DECORATIONS, DECORATION_PREFIXES) if self.policy is None else \
            (self.policy.decorations, self.policy.decoration_prefixes)
        if ch == mark and name in names:
            self.marks += {"fermata": "H", "trill": "T", "breath": "."}.get(name, "")
            self.ornament = self.ornament or name == "trill"
            if name == "trill":
                self._no_trill_across_a_bar()
            self.last, self.mode = None, "music"
        elif ch != "\n" and ch != mark and name + ch in prefixes:
            self.text += ch
        else:
            self.problem(f"{self.text}{ch if ch != chr(10) else ''}... is not a decoration")
            self._redo("music", ch) if ch != mark else setattr(self, "mode", "music")

    _plus = _decoration

    def _inline_name(self, ch):
        if ch != ":":
            self.problem(f"[{self.field_name}{ch} is neither a chord nor an inline field")
            return self._redo("music", ch)
        self.mode, self.text, self.field_judged = "inline", "", False
        self._no_key_in_tie(self.field_name)
        if self.form is not None:
            self.form.body_field(self, self.field_name)

    def _no_trill_across_a_bar(self):
        """A trill on the note a tie leads to across a bar line, from a note with an
        accidental: abc2midi trills the pitch the key gives, and cannot tie it."""
        if self.tie is not None and self.tie[1] and (self.tie[0][2] or self.sampled):
            # a sampled tune trills no such note: the accidental may come from earlier in
            # the bar, which the reader does not keep
            self.problem("a trill on a note tied across a bar line from an accidental")

    def _no_key_in_tie(self, name):
        """A key change between a tie and its note can change the note's pitch: abc2midi
        then cannot tie a trill on it ("Could not find note to be tied"). Refused whatever
        follows, as no bundled tune writes one."""
        if name == "K" and self.tie is not None and not self.in_header:
            self.problem("a K: while a tie (-) waits for its note")

    def _inline(self, ch):
        if ch == "]":
            name, value = self.field_name, self._value_text()
            problem = None if self.field_judged else self._field_problem(name, value)
            if problem:
                self.problem("[" + problem)
            self._apply_field(name, value)
            self.mode = "music"
        elif ch == "\n":
            self.problem(f"[{self.field_name}:{self.text} is never closed with ]")
            self._newline(ch)
        elif ch == "%":  # abc2midi's comment, which leaves the field unclosed
            self.problem(f"[{self.field_name}:{self.text}% has a comment inside it")
        elif ch == '"':  # music21 reads a chord symbol there, and fails
            self.problem(f'[{self.field_name}:{self.text}" has a " inside it')
        else:
            self.text += ch
            self._judge_partial("[")

    def _layout_allowed(self, mark):
        """A tab or a \\ continuation (charrnn.music.abc.idiom.LAYOUT), where the policy
        holds the layout to the corpus's."""
        problem = self.policy.layout_problem(mark)
        if problem:
            self.problem(problem)

    def _backslash_open(self, ch):
        if self.policy is not None:
            self._layout_allowed("continuation")
        self._token("backslash", ch)

    def _backslash(self, ch):
        if ch == "\n":
            self._newline(ch)
        elif ch not in " \t":
            self.problem("a \\ that does not end its line")
            self._redo("music", ch)

    def _comment_allowed(self):
        if self.policy is not None and not self.policy.comments:
            self.problem(f"a % comment, which {self.policy.source} does not hold")

    def _music_comment_open(self, ch):
        self._comment_allowed()
        self._token("music_comment", ch)

    def _music_comment(self, ch):
        if ch == "\n":
            self._newline(ch)

    # ---- the end ------------------------------------------------------------------------

    def _end(self, ch):
        pass

    def finish(self) -> list[str]:
        """The text read is the whole tune: its problems, [] when it is valid."""
        if self.ended:
            return self.verdict()
        self._key = None
        if self.mode not in ("line_start", "line_space"):
            self._handle("\n")
        self.ended, self.mode = True, "end"
        if not self.music_started:
            self._start_music()
        for what, is_open in (("the tune ends inside a tie", self.tie),
                              ("the tune ends inside a broken rhythm", self.broken),
                              ("the tune ends inside a tuplet", self.tuplet),
                              ("grace notes with no note after them", self.wants_note == "grace"),
                              ("a decoration with no note after it", self.wants_note == "decoration"),
                              ("a multi-bar rest with no bar line after it", self.multirest)):
            if is_open:
                self.problem(what)
        if not self.has_notes:
            self.problem("no notes")
        for part in sorted(self.parts_due):
            self.problem(f"part {part} is named in the header's P: but never begins")
        if self.form is not None:
            self.form.end(self)
        for voice in self.voices.values():
            voice.end(patch=self._one_part_voice())
            if self.cuts_a_chord(voice.last_bar):
                self.problem(f"the last bar ({voice.last_bar}) stops partway into a chord of "
                             "abc2midi's accompaniment, which then sounds past the end")
        self._keep_bars_in_steps()  # a sampled tune has one voice
        return self.verdict()

    def off_the_steps(self, length) -> bool:
        """Whether a bar this long (whole notes) is no whole number of steps of abc2midi's
        chord accompaniment, in a sampled tune with chord symbols. Sampled tunes keep every
        bar to whole steps: then each step ends on a bar line, and the end cuts none however
        abc2midi replays the bars (a first ending with no second, a repeat back over bars
        before the first chord symbol), which the last bar as written does not tell."""
        return self.sampled and self.chords and self.chord_meter is not None and \
            length is not None and length % accompaniment.step(self.chord_meter) != 0

    def _keep_bars_in_steps(self):
        if self.off_the_steps(self.voice.grain):
            self.problem("a bar that is no whole number of steps of abc2midi's chord "
                         "accompaniment, in a sampled tune with chord symbols")

    def cuts_a_chord(self, last_bar) -> bool:
        """Whether ending the tune after a last bar this long (whole notes) would leave a
        chord of abc2midi's accompaniment sounding past the end."""
        return self.chords and accompaniment.cuts_a_chord(self.chord_meter, last_bar)

    def verdict(self) -> list[str]:
        """The problems found so far, each voice's named when there are several: the
        errors, then the warnings."""
        errors, warnings = self.findings()
        return errors + warnings

    def findings(self) -> tuple[list[str], list[str]]:
        """The problems found so far in two lists. Errors: abc2midi plays other notes or
        lengths than the text writes, or none (a tie to nothing, a broken rhythm it cannot
        apply, a note it cannot read, a missing header). Warnings: it plays every note as
        written, but drops or changes something around them: a text in quotes where a
        chord could be (ignored), a hornpipe outside 2/4 and 4/4 (played without its
        swing), slurs within slurs, a bar of the wrong length (played as written)."""
        several = len(self.voices) > 1
        errors = [p for p in self.problems if p not in self.warned]
        warnings, misfits = [p for p in self.problems if p in self.warned], []
        for name, voice in self.voices.items():
            prefix = f"voice {name}, " if several else ""
            errors += [prefix + p for p in voice.problems]
            misfits += [prefix + p for p in voice.misfits]
        if not (errors or warnings or misfits) and self.doomed and self.ended:
            errors = [self.doomed]
        return errors, warnings + capped(misfits)


@functools.lru_cache(maxsize=4096)
def _extension_values(text, caps, forms):
    """The lengths (multiples of the unit) that a length text begun as `text` can end as,
    written with caps in `forms` (a LengthForms), in rising order."""
    return tuple(sorted({value for full, value in forms.values.items() if full.startswith(text)
                         and (caps is None or set(full[len(text):]) <= caps)}))


@functools.lru_cache(maxsize=4096)
def _whole_values(text, caps, unit, forms):
    """The lengths of _extension_values that make whole numbers of MIN_NOTE at this unit."""
    return tuple(v for v in _extension_values(text, caps, forms) if (v * unit) % MIN_NOTE == 0)


def one_note_value(length: mpq) -> bool:
    """Whether one note value, dotted or not, writes `length` (whole notes): 1/4, 3/8, 7/16
    (numerators one less than a power of two), not 5/8."""
    top = length.numerator
    return top & (top + 1) == 0


def grace_length_ok(length: mpq) -> bool:
    """Whether music21 can convert a grace note of `length` (whole notes) to MIDI: one note
    value with at most four dots ({c6} at L:1/8, not {c5} nor {c63})."""
    return one_note_value(length) and length.numerator < 32


def _rhythm_marks(marks):
    """The marks both notes of a broken rhythm must have, or neither: a staccato and a
    fermata, and beside a staccato a trill too (else abc2midi: "Cannot apply broken rhythm")."""
    kept = "".join(sorted(set(marks) & set(_LENGTH_MARKS + "T")))
    return kept if "." in kept else kept.replace("T", "")


def is_chord(text):
    """A chord symbol abc2midi plays (a pitch, not an annotation or a fingering digit)."""
    return text[:1] not in ANNOTATION_MARKS and not text.isdigit() and \
        CHORD_SYMBOL.fullmatch(text) is not None


@functools.lru_cache(maxsize=256)
def _shortest(caps, unit, forms):
    """The shortest note (in whole notes) caps can write at this unit length, MIN_NOTE
    or longer."""
    values = _extension_values("", caps, forms)
    low = bisect.bisect_left(values, MIN_NOTE / unit)
    return values[low] * unit if low < len(values) else mpq(10**6)


_TUPLET_SPECS = [f"{p}{tail}" for p in range(2, 10) for tail in
                 [""] + [f":{q}" for q in ["", *range(1, 10)]] + [f":{q}:{r}" for q in ["", *range(1, 10)]
                                                                 for r in range(1, 10)]]
_BAR_TOKENS = list(repeats.BAR_LINES) + [line + str(n) for line in ("|", ":|") for n in range(1, 10)]


def _extending(options, text):
    return [option[len(text):] for option in options if option.startswith(text)]


# How a token being written can still end: the rest of each bar line, tuplet or broken
# rhythm that begins with what is written.
_TOKEN_ENDINGS = {
    "bar": lambda text: _extending(_BAR_TOKENS, text),
    "tuplet": lambda text: _extending(_TUPLET_SPECS, text),
    "broken": lambda text: [text[0] * n for n in range(0, 4 - len(text))],
    "variant": lambda text: [""],
    "multirest": lambda text: [""],
    "paren": lambda text: [""] + [str(p) for p in range(2, 10)],  # a slur, or a tuplet
}


def tuplet_scale(text: str, meter: str):
    """(p:q:r puts p notes into the time of q, for the next r notes (ABC 2.1 section 4.13);
    q left out is read as abc2midi reads it (fields.tuplet_time); r defaults to p."""
    parts = (text.split(":") + ["", ""])[:3]
    p = int(parts[0])
    q = int(parts[1]) if parts[1] else fields.tuplet_time(p, fields.meter_top(meter))
    return mpq(q, p), int(parts[2]) if parts[2] else p


def _starts(mode):
    return lambda reader, ch: reader._token(mode, ch)


_MUSIC = {
    " ": TuneReader._space, "\t": TuneReader._space, ")": TuneReader._slur_end,
    "\n": TuneReader._newline, "y": TuneReader._spacer, "{": TuneReader._grace_open, "-": TuneReader._tie_mark,
    ">": TuneReader._broken_open, "<": TuneReader._broken_open,
    "[": _starts("bracket"), "|": _starts("bar"), ":": TuneReader._colon,
    '"': lambda reader, ch: setattr(reader, "mode", "quote") or setattr(reader, "text", ""),
    "!": _starts("bang"), "+": _starts("plus"), "(": _starts("paren"),
    "\\": TuneReader._backslash_open, "%": TuneReader._music_comment_open,
    "Z": _starts("multirest"), "X": _starts("multirest"),
}


def check_text(text: str) -> list[str]:
    """The grammar's verdict on one whole tune: its problems, [] when it is valid."""
    return TuneReader().feed(text).finish()


def judge_text(text: str) -> tuple[list[str], list[str]]:
    """check_text's problems as errors and warnings (TuneReader.findings)."""
    reader = TuneReader().feed(text)
    reader.finish()
    return reader.findings()
