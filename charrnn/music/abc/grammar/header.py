"""How the reader takes fields: the header's order (X: first, K: last, each once where a
sampled tune asks it), each field's value as it is written, and what a field does once
read (meter, unit length, rhythm, voice, parts, key), inline [K:..] fields included.
"""

from charrnn.music.abc import accompaniment, fields, repeats
from charrnn.music.abc.bars import Voice
from charrnn.music.abc.grammar.limits import SAMPLED_FIELD_LENGTH


class FieldReading:
    """The header and fields (a part of TuneReader)."""

    def _field_allowed(self, name):
        return self.policy is None or self.policy.field_allowed(name, self.in_header)

    def asked(self, name):
        """The value field `name` must have: the one asked for (`fixed`), else in the header
        the one the form plan drew for the tune (charrnn.music.steer.planner.Planner.asked; ""
        where the tune has no such field); None: any."""
        fixed = self.fixed.get(name)
        if fixed is None and self.in_header and self.form is not None:
            return self.form.asked(self, name)
        return fixed

    def _once_in_header(self):
        """The fields a header may hold once: X: and P:, and in a sampled tune every one
        but T:, which it may hold twice (no bundled tune repeats another but six V: and an
        L:, and 13 of 12,742 have three T: or more; a model that has lost its way writes
        music or gibberish into field after field: D:, then B:, G:, G:..., or T: on T:)."""
        if not self.sampled:
            return frozenset("XP")
        return fields.HEADER_FIELDS - ({"T"} if self.header_fields.count("T") < 2 else set())

    def _open_field(self, name):
        self.mode, self.field_name, self.text, self.field_judged = "field", name, "", False
        self._no_key_in_tie(name)
        if not self._field_allowed(name):
            self.problem(f"a {name}: field, which {self.policy.source} does not hold")
        elif self.asked(name) == "":
            self.problem(f"{name}: in the header of a tune whose form plan has none")
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

    def _no_key_in_tie(self, name):
        """A key change between a tie and its note can change the note's pitch: abc2midi
        then cannot tie a trill on it ("Could not find note to be tied"). Refused whatever
        follows, as no bundled tune writes one."""
        if name == "K" and self.tie is not None and not self.in_header:
            self.problem("a K: while a tie (-) waits for its note")

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

    def _inline_name(self, ch):
        if ch != ":":
            self.problem(f"[{self.field_name}{ch} is neither a chord nor an inline field")
            return self._redo("music", ch)
        self.mode, self.text, self.field_judged = "inline", "", False
        self._no_key_in_tie(self.field_name)
        if self.form is not None:
            self.form.body_field(self, self.field_name)

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

    def _judge_partial(self, bracket):
        name, value = self.field_name, self._value_text()
        if self.sampled and len(self.text) == SAMPLED_FIELD_LENGTH + 1:
            self.problem(f"{bracket}{name}: a value over {SAMPLED_FIELD_LENGTH} characters, "
                         "in a sampled tune")
        if name == "I" and self.sampled and value:
            self.problem(f"{bracket}I:{value}: an I: with a value in a sampled tune")
        fixed = self.asked(name)
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
        fixed = self.asked(name)
        if fixed is not None and value != fixed:
            return f"{name}:{value} is not {name}:{fixed}, as asked (or drawn by the form plan)"
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
            if self.form is not None and self.policy is not None:  # the tune's own policy
                self.policy = self.form.tune_policy(self.policy)
                self._set_meter()

    def _switch_voice(self, name):
        if not self._between_elements() or self.tie is not None:
            self.problem(f"V:{name} inside an unfinished chord, grace group, rhythm or tie")
        if name != self.voice_id:
            self.voices.setdefault(name, Voice())
            self.voice_id = name
            self.last, self.bar_closed = None, True
