"""How the reader takes lines: the start of each line (a field, a comment or music, which
abc2midi tells apart by a letter and a colon), and the end of a line of music.
"""

from charrnn.music.abc import fields


class LineReading:
    """Lines (a part of TuneReader)."""

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

    def _line_letter_can_go_on(self, letter):
        if self.in_header:
            return letter in fields.HEADER_FIELDS and self._field_allowed(letter) and \
                not (letter in self._once_in_header() and letter in self.header_fields)
        return (letter in fields.BODY_FIELDS and self._field_allowed(letter) and
                self._as_field(letter).alive) or self.as_music(letter).alive

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

    def _comment_allowed(self):
        if self.policy is not None and not self.policy.comments:
            self.problem(f"a % comment, which {self.policy.source} does not hold")

    def _newline(self, ch):
        if self.tuplet is not None:  # music21 loses the tuplet's durations
            self.problem("a tuplet across the end of a line")
        if self.sampled and self.line_notes is False:
            # one line in two thousand in the collections; a model that has lost its way
            # otherwise writes lines of bar lines, chord symbols and decorations
            self.problem("a line of music with no note or rest on it, in a sampled tune")
        if self.policy is not None and not self.bar_closed:
            self._layout_allowed("mid-bar line break")
        if self.sampled and self.voice.current is not None and self.bar_limit() == 0:
            # the next line could only begin with a bar line, which a model that breaks its
            # lines at bar lines never writes there: it would end the tune instead
            self.problem("a line that ends a full bar with no bar line, in a sampled tune")
        self.last, self.line_notes = None, None
        self.mode = "line_start"

