"""How the reader takes chords ([ceg]2) and grace groups ({ag}): the notes they may hold,
their lengths, and what may open them.
"""

from charrnn.music.abc import fields
from charrnn.music.abc.grammar.durations import LENGTHS
from charrnn.music.abc.grammar.limits import MAX_CHORD_NOTES, MAX_GRACE_NOTES
from charrnn.music.abc.grammar.syntax import ACCIDENTAL_CHARS, NOTE_LETTERS


class ChordReading:
    """Chords and grace groups (a part of TuneReader)."""

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

    def _room_in_group(self, notes, limit, policy_limit, what):
        """Room for one more note in a chord or grace group (`what`, as "a chord ([ce])")
        holding `notes`: the grammar's `limit`, or the policy's where it sets one."""
        policy = self.policy if policy_limit is not None else None
        most = limit if policy is None else policy_limit
        if notes < most:
            return
        named = what.split(" (")[0]
        self.problem(f"{named} of more than {most} notes" if policy is None else
                     f"{named} of more than {most} notes, which {policy.source} does not write"
                     if most else f"{what}, which {policy.source} does not write")

    def _chord_note_allowed(self):
        self._room_in_group(len(self.chord_lengths), MAX_CHORD_NOTES,
                            self.policy.chord_notes if self.policy is not None else None,
                            "a chord ([ce])")

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
        if self.bar_limit() == 0 and self.voice.current is None:
            self._doom("grace notes where the tune can only end")
        self.context, self.grace_notes = "grace", 0
        self.mode, self.text, self.last = "grace", "", None

    def _grace(self, ch):
        if ch in NOTE_LETTERS or ch in ACCIDENTAL_CHARS:
            self._room_in_group(self.grace_notes, MAX_GRACE_NOTES,
                                self.policy.grace_notes if self.policy is not None else None,
                                "a grace group ({g})")
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
