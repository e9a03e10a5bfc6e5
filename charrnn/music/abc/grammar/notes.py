"""How the reader takes music: each character of a line of music sent to its construct,
notes and rests with their accidentals, octave marks and lengths, and each note, rest or
chord put in its bar (tuplet, broken rhythm and tie applied).
"""

from gmpy2 import mpq

from charrnn.music.abc import fields
from charrnn.music.abc.grammar.barlines import BarReading
from charrnn.music.abc.grammar.chords import ChordReading
from charrnn.music.abc.grammar.durations import (LENGTHS, MIN_NOTE, Written, grace_length_ok,
                                                 graces_fit, one_note_value, rhythm_marks,
                                                 sounding)
from charrnn.music.abc.grammar.limits import MAX_OCTAVE_MARKS
from charrnn.music.abc.grammar.lines import LineReading
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
        elif self.policy is not None and not self.policy.spacers:
            self.problem(f"a spacer (y), which {self.policy.source} does not write")
        self.last = None

    def _space(self, ch):
        """Spaces: a tie or a broken rhythm may still follow the note before."""

    def _length_char(self, ch):
        """Whether `ch` goes on the length being written (taken into `text`): in a sampled
        tune, a length its policy does not allow is a problem."""
        if not (ch.isdigit() or ch == "/") or self.text + ch not in LENGTHS.prefixes:
            return False
        forms = self.length_forms()
        if self.text in forms.prefixes and self.text + ch not in forms.prefixes:
            self.problem(f"the length {self.text + ch}...: {self.policy.lengths_rule}")
        self.text += ch
        return True

    def _length_allowed(self):
        """A length its policy allows only as the start of another (3 of 3/2) may not end."""
        forms = self.length_forms()
        if self.text not in forms.values and self.text in forms.prefixes and \
                self.text in LENGTHS.values:
            self.problem(f"the length {self.text!r}: {self.policy.lengths_rule}")

    def length_forms(self):
        """How the length of the note being written may be written: a grace note's as the
        policy holds grace notes, where it does."""
        if self.context == "grace" and self.policy is not None and \
                self.policy.grace_lengths is not None:
            return self.policy.grace_lengths
        return self.lengths

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
            self._accidental_allowed(accidental + ch, self.policy.accidental_prefixes
                                     if self.policy is not None else None)
            self._tie_can_hold()
        elif ch in NOTE_LETTERS or (ch in RESTS and not accidental and self.context == "music"):
            self.note = (accidental, ch, "")
            if accidental:
                self._accidental_allowed(accidental, self.policy.accidentals
                                         if self.policy is not None else None)
            self._tie_can_hold()
        else:
            self.problem(f"{accidental or ch} with no note after it")
            self._redo(self.context, ch)

    def _accidental_allowed(self, text, allowed):
        """An accidental (or its start, ^ of ^^) the policy's accidentals allow, where it
        holds them (`allowed`: those or their starts; None: any)."""
        if allowed is not None and text not in allowed:
            self.problem(f"the accidental {text}, which {self.policy.source} does not write")

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
            self.grace_length += length * self.unit
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
        played = sounding(duration, marks)
        graces, self.grace_length = self.grace_length, mpq(0)
        if graces and self.sampled and (pitch is not None or chord):
            self._graces_fit(graces, played)
        else:
            graces = mpq(0)  # a rest takes them, unwarned
        if "~" in marks and pitch is not None and self.sampled:
            self._graces_fit(self.unit, played, "a roll's cut (~)")
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
        self.last = Written(written, pitch, duration, marks, carried, graces)
        self.bar_closed, self.bare_bar_lines, self.chord_run = False, 0, 0
        self.line_notes = True

    def _graces_fit(self, graces, duration, what="grace notes"):
        """The note (or chord) after grace notes, as played (a broken rhythm after it
        shortens it again), is long enough for them, in a sampled tune: abc2midi drops
        those that would take all of it. A roll is a cut of one unit from the note above
        (store.c, doornament)."""
        if not graces_fit(graces, duration):
            self.problem(f"{what} of {graces} before a note of {duration}: abc2midi drops "
                         "them, in a sampled tune")

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

def _starts(mode):
    return lambda reader, ch: reader._token(mode, ch)


# What each character that is not a note, rest, accidental or decoration begins in music.
_MUSIC = {
    " ": NoteReading._space, "\t": NoteReading._space, ")": RhythmReading._slur_end,
    "\n": LineReading._newline, "y": NoteReading._spacer, "{": ChordReading._grace_open,
    "-": RhythmReading._tie_mark, ">": RhythmReading._broken_open, "<": RhythmReading._broken_open,
    "[": _starts("bracket"), "|": _starts("bar"), ":": BarReading._colon,
    '"': lambda reader, ch: setattr(reader, "mode", "quote") or setattr(reader, "text", ""),
    "!": _starts("bang"), "+": _starts("plus"), "(": _starts("paren"),
    "\\": MarkReading._backslash_open, "%": MarkReading._music_comment_open,
    "Z": _starts("multirest"), "X": _starts("multirest"),
}
