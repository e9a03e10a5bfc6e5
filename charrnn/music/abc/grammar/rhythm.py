"""How the reader takes what joins notes in time: ties, broken rhythm (> <), tuplets and
slurs, each checked as abc2midi plays it.
"""

from charrnn.music.abc import fields
from charrnn.music.abc.grammar.durations import broken_factors, rhythm_marks, sounding, tuplet_scale
from charrnn.music.abc.grammar.limits import MAX_SLURS
from charrnn.music.abc.grammar.syntax import ORNAMENTS, TUPLET


class RhythmReading:
    """Ties, broken rhythm, tuplets and slurs (a part of TuneReader)."""

    def _tie_mark(self, ch):
        last = self.last
        if last is None or last.pitch is None or self.tie is not None:
            self.problem("a tie (-) that follows no note")
        elif "." in last.marks:
            self.problem("a tie (-) after a staccato note")  # abc2midi plays it note + rest
        elif self.sampled and self.previous in " \t)":
            # where a model the plan refuses escapes to (G2 -, (AB)-); no tune of O'Neill's
            # writes either: a tie stands on its note
            self.problem("a tie (-) after a blank or a slur's ), not on its note, in a sampled tune")
        else:
            self.tie = (last.pitch, last.carried, bool(set(last.marks) & set(ORNAMENTS)))
        self.last = None

    def _no_trill_across_a_bar(self):
        """A trill on the note a tie leads to across a bar line, from a note with an
        accidental: abc2midi trills the pitch the key gives, and cannot tie it."""
        if self.tie is not None and self.tie[1] and (self.tie[0][2] or self.sampled):
            # a sampled tune trills no such note: the accidental may come from earlier in
            # the bar, which the reader does not keep
            self.problem("a trill on a note tied across a bar line from an accidental")

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
        first, second = broken_factors(self.text)
        self.voice.add(self.last.duration * (first - 1))
        if self.last.graces:
            self._graces_fit(self.last.graces, sounding(self.last.duration * first, self.last.marks))
        self.broken, self.last = (second, (self.last.length, rhythm_marks(self.last.marks))), None
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

    def _slur_end(self, ch):
        """A slur ends (abc2midi ignores a ) with none open, which a sampled tune, where it
        would only be an escape from a note refused, may not write); a tie or broken rhythm
        may still follow the note before."""
        if self.sampled and self.slurs and self.slur_empty:
            self.problem("an empty slur (), which abcjs cannot read, in a sampled tune")
        elif self.sampled and not self.slurs:
            self.problem("a ) that closes no slur, in a sampled tune")
        elif self.sampled and self.previous in " \t":
            # abcjs ends no slur there, and draws it on to the tune's end; 5 of O'Neill's
            # 1,838 tunes write one
            self.problem("a ) after a blank, in a sampled tune")
        elif self.sampled and self.bar_closed:
            # a slur closes on a note, not after the bar line (fe |): none of O'Neill's does
            self.problem("a ) after a bar line, in a sampled tune")
        self.slurs = max(self.slurs - 1, 0)

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
