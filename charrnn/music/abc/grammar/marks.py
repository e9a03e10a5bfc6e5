"""How the reader takes what marks the music without taking time: chord symbols and
annotations in quotes, decorations (!trill!, +fermata+ and the one-character ~ . T...),
\\ continuations, tabs and % comments in the music.
"""

from charrnn.music.abc.grammar.limits import SAMPLED_CHORD_RUN
from charrnn.music.abc.grammar.syntax import (ACCIDENTAL_CHARS, CHORD_SYMBOL, DECORATION_CHARS,
                                              DECORATION_PREFIXES, DECORATIONS, IGNORED, LENGTH_MARKS,
                                              NOTE_LETTERS, ORNAMENTS, is_chord)


class MarkReading:
    """Chord symbols, annotations, decorations and comments (a part of TuneReader)."""

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
        self.ornament = self.ornament or ch in ORNAMENTS
        if ch == "T":
            self._no_trill_across_a_bar()
        if ch == "~" and (self.tie is not None or self.wants_note == "grace" or self.broken):
            # abc2midi plays it as several notes: none of them tied, graced or broken
            self.problem("a roll (~) on a tied note, after grace notes or in a broken rhythm")
        self._room_for_a_note("the decorated note")
        self.wants_note = self.wants_note or "decoration"
        self.marks += ch if ch in LENGTH_MARKS or ch in "~T" else ""
        if self.broken is not None and ch in LENGTH_MARKS and ch not in self.broken[1][1]:
            self.problem(f"{ch} on the second note of a broken rhythm and not the first")
        self.last = None

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
            if self.policy is not None:
                self._layout_allowed("bang line break")
            return self._newline(ch)
        self._decoration(ch)

    def _decoration(self, ch):
        mark, name = self.text[0], self.text[1:]
        names, prefixes = (DECORATIONS, DECORATION_PREFIXES) if self.policy is None else \
            (self.policy.decorations, self.policy.decoration_prefixes)
        if ch == mark and name in names:
            if self.form is not None:
                self.form.decoration(self, name)
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

    def _layout_of(self, ch):
        """A blank, a tab, a ` or $, where the policy holds the layout to the corpus's
        (charrnn.music.abc.idiom.LAYOUT); read before the reader counts the blank."""
        if ch == "\t":
            self._layout_allowed("tab")
        elif ch in IGNORED:
            self._layout_allowed("backquote")
        if ch in " \t":
            if self.space_run:
                self._layout_allowed("blank run")
            elif self.mode == "line_start":
                self._layout_allowed("leading blank")

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

    def _music_comment_open(self, ch):
        self._comment_allowed()
        self._token("music_comment", ch)

    def _music_comment(self, ch):
        if ch == "\n":
            self._newline(ch)
