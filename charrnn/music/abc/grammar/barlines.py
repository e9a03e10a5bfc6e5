"""How the reader takes bar lines, variant endings and multi-bar rests: each closes the
bar in progress of its voice (charrnn.music.abc.bars) and adds its repeat signs, and runs
of bar lines with no note between them are held to what abc2midi and the collections allow.
"""

from charrnn.music.abc import repeats
from charrnn.music.abc.grammar.limits import MAX_BARE_BAR_LINES, SAMPLED_BARE_BAR_LINES
from charrnn.music.abc.grammar.syntax import BAR_LINE, MULTIREST_COUNT, REPEAT_JOINS, VARIANT


class BarReading:
    """Bar lines, variant endings and multi-bar rests (a part of TuneReader)."""

    def _bar(self, ch):
        if self.text == ":" and self.colon_after_capital and ch != "|":
            self.problem(f"{self.colon_after_capital}: reads to music21 as the start of a field; "
                         "write a space before the :")
            self.colon_after_capital = ""
        if self.text == ":||" and ch in "|]":
            # abc2midi reads :| and a bar line begun by the second | (:||] is :| and |],
            # :|||] is :|, || and a stray ]: "Chord already finished")
            self._bar_event(repeats.BAR_LINES[":|"], variant="", text=":|")
            self.text = "|"
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
        if text in REPEAT_JOINS and self.policy is not None and self.policy.joins is not None \
                and text not in self.policy.joins:
            self.problem(f"the bar line {text}, which {self.policy.source} does not write")
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
        if ch.isdigit() and MULTIREST_COUNT.fullmatch(self.text[1:] + ch):
            self.text += ch
            return
        voice = self.voice
        if voice.current is not None or not self._between_elements():
            self.problem("a multi-bar rest inside a bar")
        elif self.tie is not None:  # abc2midi: "Could not find note to be tied"
            self.problem("a multi-bar rest where a tie (-) waits for its note")
        else:
            if self.bar_limit() is not None and self.bar_limit() < self.bar_full:
                self._doom("a multi-bar rest where the bar must complete a pickup")
            bar = voice.start_bar(self.meter, self.bar_full)
            bar.rests = int(self.text[1:] or 1)
            self.line_notes = True
            self.multirest, self.bar_closed = True, False
        self._redo("music", ch)
