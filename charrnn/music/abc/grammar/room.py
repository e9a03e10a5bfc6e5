"""What can still fit: the checks that refuse a character after which no continuation could
be valid, so that a live reader can always be finished (charrnn.music.steer.completion finds
how): the room left in the bar, the shortest note, the rest of a tuplet, the length a broken
rhythm or a chord needs, and the ways a token being written can still end.
"""

import bisect

from charrnn.music.abc.grammar.durations import (MIN_NOTE, extension_values, grace_length_ok,
                                                 rhythm_marks, shortest_note, whole_values)
from charrnn.music.abc.grammar.syntax import TOKEN_ENDINGS


class Room:
    """What the bar, the tuplet and the tune can still take (a part of TuneReader)."""

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

    def _past_saving(self):
        """Problems found that no later text takes away: no doom would show, so the trials
        that look for one (each a copy of the reader, problems and all) are left out."""
        return bool(self.problems) or any(v.problems or v.misfits for v in self.voices.values())

    def bar_limit(self):
        """The most the bar can still take (see Voice.limit), and the form plan; None under
        free meter."""
        limit = self.voice.limit(self.bar_full)
        return limit if self.form is None else self.form.limit(self, limit)

    def _scale(self):
        """What the next note's written length is multiplied by: tuplet and broken rhythm."""
        scale = self.tuplet[0] if self.tuplet else 1
        return scale * self.broken[0] if self.broken else scale

    def _room_for(self, duration, what):
        limit = self.bar_limit()
        if limit is not None and duration > limit:
            self._doom(f"no room in the bar for {what}")

    def _room_for_a_note(self, what="another note"):
        """A note (or chord) begins: the shortest one the grammar allows must fit, with the
        rest of its tuplet after it."""
        if self.multirest:
            self.problem("a multi-bar rest shares its bar")
        shortest = shortest_note(self.caps, self.unit, self.lengths)
        first = self.broken[1][0] if self.broken is not None else shortest
        self._room_for(first * self._scale() + self._rest_of_tuplet(), what)

    def _marks_match(self):
        """The second note of a broken rhythm begins: its staccato and fermata marks, all
        written before it, must be the first note's."""
        if self.broken is not None and rhythm_marks(self.marks) != self.broken[1][1]:
            self._doom("the second note of a broken rhythm without the staccato or fermata "
                       "of the first")

    def _length_can_fit(self, text, inner=1):
        """A length being written (`A3`, `A3/`) can still end as one that fits: at least
        the shortest note, the length a broken rhythm or a chord's first note needs, and
        no longer than the bar allows."""
        values = extension_values(text, self.caps, self.length_forms()) if self.context == "grace" else \
            whole_values(text, self.caps, self.unit * inner, self.lengths)
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
        return (left - 1) * shortest_note(self.caps, self.unit, self.lengths) * scale

    def _fits(self, duration):
        limit = self.bar_limit()
        return limit is None or duration <= limit

    def _room_for_tuplet(self):
        scale, left = self.tuplet
        self._room_for(left * shortest_note(self.caps, self.unit, self.lengths) * scale, f"the tuplet's {left} notes")

    def _check_token_can_end(self):
        """A bar line, tuplet, broken rhythm or multi-bar rest being written is judged only
        when it ends: try every way it can end, and doom the tune if none leaves it alive."""
        end = " " if self.caps is None or " " in self.caps else "\n"
        endings = TOKEN_ENDINGS[self.mode](self.text)
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
