"""How the reader takes music: each character of a line of music sent to its construct,
notes and rests with their accidentals, octave marks and lengths, chords and grace groups,
and each note, rest or chord put in its bar (tuplet, broken rhythm and tie applied).
"""

from gmpy2 import mpq

from charrnn.music.abc import fields
from charrnn.music.abc.grammar.barlines import BarReading
from charrnn.music.abc.grammar.durations import (LENGTHS, MIN_NOTE, Written, grace_length_ok,
                                                 one_note_value, rhythm_marks)
from charrnn.music.abc.grammar.limits import MAX_CHORD_NOTES, MAX_GRACE_NOTES, MAX_OCTAVE_MARKS
from charrnn.music.abc.grammar.marks import MarkReading
from charrnn.music.abc.grammar.rhythm import RhythmReading
from charrnn.music.abc.grammar.syntax import (ACCIDENTAL_CHARS, AFTER_MULTIREST, DECORATION_CHARS,
                                              IGNORED, LENGTH_MARKS, NOTE_LETTERS, RESTS)


class NoteReading:
    """Music, notes, chords and grace notes (a part of TuneReader)."""

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
        if self.multirest and ch not in AFTER_MULTIREST:
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

    def _space(self, ch):
        """Spaces: a tie or a broken rhythm may still follow the note before."""

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
        if written == self._swung() and set(marks) & set(LENGTH_MARKS):
            self.problem("a staccato or fermata on a note a hornpipe swings, in a sampled tune")
        self.ornament = False
        if self.broken is not None:
            factor, needed = self.broken
            if (written, rhythm_marks(marks)) != needed:
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


def _starts(mode):
    return lambda reader, ch: reader._token(mode, ch)


# What each character that is not a note, rest, accidental or decoration begins in music.
_MUSIC = {
    " ": NoteReading._space, "\t": NoteReading._space, ")": RhythmReading._slur_end,
    "\n": NoteReading._newline, "y": NoteReading._spacer, "{": NoteReading._grace_open,
    "-": RhythmReading._tie_mark, ">": RhythmReading._broken_open, "<": RhythmReading._broken_open,
    "[": _starts("bracket"), "|": _starts("bar"), ":": BarReading._colon,
    '"': lambda reader, ch: setattr(reader, "mode", "quote") or setattr(reader, "text", ""),
    "!": _starts("bang"), "+": _starts("plus"), "(": _starts("paren"),
    "\\": MarkReading._backslash_open, "%": MarkReading._music_comment_open,
    "Z": _starts("multirest"), "X": _starts("multirest"),
}
