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

This module holds the reader's life (settings, state, feeding, the verdict); what it does
with each character is in the modules of its package, one concern each: lines.py (the
start and end of lines), header.py (fields), notes.py (notes and their lengths), chords.py
(chords, grace groups), rhythm.py (ties, broken rhythm, tuplets, slurs), barlines.py (bar
lines, endings, multi-bar rests), marks.py (chord symbols, decorations, comments), room.py
(what can still fit); its state, which is its cache key, is state.py's `TuneState`.
"""

from gmpy2 import mpq

from charrnn.music.abc import accompaniment, fields
from charrnn.music.abc.bars import Voice, capped
from charrnn.music.abc.grammar.barlines import BarReading
from charrnn.music.abc.grammar.durations import LENGTHS, Written
from charrnn.music.abc.grammar.chords import ChordReading
from charrnn.music.abc.grammar.header import FieldReading
from charrnn.music.abc.grammar.lines import LineReading
from charrnn.music.abc.grammar.marks import MarkReading
from charrnn.music.abc.grammar.notes import NoteReading
from charrnn.music.abc.grammar.rhythm import RhythmReading
from charrnn.music.abc.grammar.room import Room
from charrnn.music.abc.grammar.state import NOTE_MODES, TuneState
from charrnn.music.abc.grammar.syntax import IGNORED, TOKEN_ENDINGS


LAYOUT_CHARS = frozenset(" \t") | IGNORED  # what the policy's layout rules judge


class TuneReader(LineReading, FieldReading, NoteReading, ChordReading, RhythmReading, BarReading,
                 MarkReading, Room):
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
    sampled tune's form plan (a charrnn.music.steer.planner.Planner, or another object with the
    hooks of charrnn.music.steer.form.Hooks), told of the key, each note, bar line and body field
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
        self.grace_length = mpq(0)  # the written length of the grace notes before the next note
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

    def copy(self):
        clone = object.__new__(TuneReader)
        clone.__dict__.update(self.__dict__)
        clone.problems = list(self.problems)
        clone.header_fields = list(self.header_fields)
        clone.chord_lengths = list(self.chord_lengths)
        clone.voices = {name: voice.copy() for name, voice in self.voices.items()}
        return clone

    def key(self) -> TuneState:
        """What decides the future of the text (state.TuneState): two live readers with equal
        keys accept the same continuations. Worked out once per state: the sampler asks often."""
        if self._key is None:
            self._key = TuneState.of(self)
        return self._key

    def letters_interchangeable(self) -> bool:
        """Whether every note letter of one case leads from here to the same key: where a
        note may begin and no tie waits for a pitch, the key keeps only the note's case.
        (Not at the start of a line or after [, where a capital may open a field.)"""
        return self.tie is None and self.mode in NOTE_MODES and not self.pitch_matters()

    def pitch_matters(self):
        """Whether the form plan asks which note this is (a part's last bar, its cadence),
        or the policy holds the notes to those the corpus writes (G, but not G,,)."""
        return (self.form is not None and self.form.pitch_matters()) or \
            (self.policy is not None and self.policy.pitches is not None)

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

    def _doom(self, why):
        """The text cannot become a valid tune any more, though the problem that will show
        (a bar too long, a bar line inside a rhythm) comes later: `alive` turns False now."""
        self.doomed = self.doomed or why

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
        if ch in LAYOUT_CHARS and self.policy is not None:
            self._layout_of(ch)
        self.space_run = self.space_run + 1 if ch in " \t" else 0
        if self.max_spaces is not None:
            if self.space_run > self.max_spaces:
                self.problem(f"more than {self.max_spaces} spaces in a row")
        self._handle(ch)
        if self.lookahead and self.mode in TOKEN_ENDINGS and not self.probing and self.alive:
            self._check_token_can_end()
        self.previous = ch
        if ch == "\n":
            self.line += 1

    def _handle(self, ch):
        getattr(self, "_" + self.mode)(ch)

    def _redo(self, mode, ch):
        self.mode = mode
        self._handle(ch)

    def _token(self, mode, ch):
        """Start a token whose meaning the next characters decide."""
        self.mode, self.text, self.last = mode, ch, None

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
                              ("a multi-bar rest with no bar line after it", self.multirest),
                              # abc2midi ignores it; abcjs draws it to the last note
                              ("a slur left open at the end of a sampled tune",
                               self.sampled and self.slurs)):
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


def check_text(text: str) -> list[str]:
    """The grammar's verdict on one whole tune: its problems, [] when it is valid."""
    return TuneReader().feed(text).finish()


def judge_text(text: str) -> tuple[list[str], list[str]]:
    """check_text's problems as errors and warnings (TuneReader.findings)."""
    reader = TuneReader().feed(text)
    reader.finish()
    return reader.findings()
