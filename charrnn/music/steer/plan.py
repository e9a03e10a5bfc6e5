"""A sampled tune's form plan and cadence: the parts, bars and repeat signs it will have, and
the held note each part ends on, kept by construction as the tune is sampled.

`--form` asks for a form (`FormRequest`): `auto` draws a corpus tune's kind (meter and
rhythm, which the header's M: and R: are then held to) and skeleton (charrnn.music.abc.skeleton),
`AABB` draws only the bars, `AABB 8` says them too; `any` plans nothing. Once the header is read
the `Planner` (charrnn.music.steer.planner) fixes the tune's `Plan` (seeded per tune), and
from there the grammar's reader
(charrnn.music.abc.grammar, `TuneReader(form=...)`) keeps a `PlanState`, part of its key, and
asks it at each note and bar line. The plan writes each part as the corpus's tunes write it:

    |: [pickup |] full bars ... | closing bar :|    (a repeated part; :: may join two)
    |: [pickup |] full bars ... |1 ... closing bar :|2 ... closing bar ||   (with endings)
    [pickup |] full bars ... | closing bar ||       (|] or || after the last part)

Every bar holds exactly the meter's length, except a pickup (where the plan has one) and the
closing bar of each part, which holds what the pickup leaves, so that the two make a bar as
abc2midi counts them (a pickup before |: is played once, and abc2midi finds the closing bar
and the first after |: one bar too long on the repeat). The closing bar is the cadence: its
last note is a degree the corpus's tunes end on in that mode (the tonic, mostly), at least as long as their final notes
usually are. Each part keeps to a corpus tune's register, and the tune rests, or slurs within
a slur, only where it is drawn to, as often as its kind's corpus tunes do. The completion
(charrnn.music.steer.completion) asks `want` what the plan needs next, so every state the
sampler allows can still be finished under the plan.
"""

from dataclasses import dataclass, replace

from gmpy2 import mpq

from charrnn.music.abc.grammar.syntax import JUMPS, REPEAT_JOINS
from charrnn.music.abc.keys import staff_name, staff_step
from charrnn.music.steer.form import TRAITS

_BAR_LINE_CHARS = frozenset(" \t\n|:")  # what may come where a form plan has a bar line
_NOTE_STARTS = frozenset("ABCDEFGabcdefgzx^_=[{")  # what begins a note, rest, chord or grace
# What ends on the note before (a slur's close, a tie) and so may come where a bar line is due:
# a plan that refused them left the slurs of half its tunes open to their end.
_ON_THE_NOTE_BEFORE = frozenset(")-")
_JOINS = tuple(REPEAT_JOINS)  # a bar line that ends one repeat and starts the next
MAX_LOOSE = 4  # marks and symbols in a row before a note (O'Neill's write three at most)


# --- the plan of one tune ---------------------------------------------------------------------
# A step: the bar the plan wants next and the bar lines that may close it. `fill`: "bare" (a
# bar line before any note: the |: that opens a part), "pickup", "full", or "close" (what the
# pickup leaves); `cadence`: the bar ends a part.
@dataclass(frozen=True)
class Step:
    fill: str
    texts: tuple
    cadence: bool = False
    part: int = 0  # the written part it is in (0: the first)


@dataclass(frozen=True, eq=False)
class Plan:
    """One tune's plan: its steps, the bar's length, and its cadence (the letters a part may
    end on under the tune's key, none for a key without degrees, and the least length of
    the final note)."""

    label: str
    steps: tuple
    full: mpq
    finals: frozenset  # upper-case letters a part may end on; empty: any
    last: frozenset  # ... and the tune
    held: mpq
    pickup: bool
    registers: tuple | None = None  # each part's (lowest, highest) staff step; None: any
    traits: frozenset = frozenset(TRAITS)  # which of TRAITS the tune may write
    # what the tune may write (charrnn.music.steer.policy.SampledPolicy.for_tune); None: the
    # sampling's policy. Compared by what it withholds.
    policy: object = None

    def __post_init__(self):
        object.__setattr__(self, "_hash", hash(self._fields()))

    def _fields(self):
        return self.label, self.full, self.finals, self.last, self.held, self.pickup, \
            self.registers, self.traits, self.policy.withheld if self.policy is not None else None

    def __hash__(self):
        return self._hash

    def __eq__(self, other):
        return isinstance(other, Plan) and self._hash == other._hash and self._fields() == other._fields()

    def pickup_cap(self) -> mpq:
        """The longest pickup: a third of a bar (a beat of 3/4 or 6/8, two eighths of a
        reel), leaving the closing bar room for its held note."""
        return min(self.full / 3, self.full - self.held)


def make_plan(repeats, bars, pickup, full, finals, held, ending=None, endings=(),
              registers=None, traits=frozenset(TRAITS), policy=None) -> Plan:
    """The plan of parts played `repeats` times (1 or 2) with `bars` bars each, ending on
    `finals` (upper-case letters), the tune on `ending` (the same where not given);
    `endings`: the bars of each repeated part's first and second endings (0: none);
    `registers`: each part's lowest and highest note (charrnn.music.abc.keys.staff_step),
    None for any; `traits`: which of form.TRAITS the tune may write; `policy`: what it may
    write, None for what the sampling's policy allows."""
    steps = []
    for number, (times, count) in enumerate(zip(repeats, bars)):
        start = len(steps)
        last = number == len(bars) - 1
        closing = ("|]", "||") if last else ("||",)
        first = endings[number] if number < len(endings) and times > 1 else 0
        if times > 1:
            steps.append(Step("bare", ("|:",)))
        if pickup:  # inside the repeat, so that each pass has it (abc2midi warns otherwise)
            steps.append(Step("pickup", ("|",)))
        if 0 < first < count:  # ... |1 first ending :|2 second ending ||
            steps += [Step("full", ("|",))] * (count - first - 1) + [Step("full", ("|1",))]
            steps += _part_end(first, pickup, (":|2",), cadence=False)
            steps += _part_end(first, pickup, closing, cadence=True)
        else:
            steps += [Step("full", ("|",))] * (count - 1)
            steps += _part_end(1, pickup, (":|",) if times > 1 else closing, cadence=True)
        steps[start:] = [replace(step, part=number) for step in steps[start:]]
    letters = "".join(chr(ord("A") + i) * times for i, times in enumerate(repeats))
    label = f"{letters} {'+'.join(map(str, bars))}"
    finals = frozenset(finals)
    return Plan(label, tuple(steps), mpq(full), finals,
                finals if ending is None else frozenset(ending), mpq(held), pickup, registers,
                frozenset(traits), policy)


def _part_end(bars, pickup, closing, cadence):
    """The last `bars` bars of a part or of one of its endings: full bars, then the closing
    bar (what a pickup leaves of a bar), closed by one of `closing`."""
    return [Step("full", ("|",))] * (bars - 1) + [Step("close" if pickup else "full", closing, cadence)]


@dataclass(frozen=True, slots=True)
class PlanState:
    """Where a tune is in its plan: the step, and the pickup's length once written. Small
    and hashable: it is part of the reader's key."""

    plan: Plan
    step: int = 0
    pickup: mpq | None = None
    loose: int = 0  # decorations, chord symbols, slurs... since the last note

    # ---- the reader's hooks (charrnn.music.abc.grammar) ----
    def note(self, reader, pitch, duration, chord):
        """A note, rest or chord took its place in the bar: it must fit the bar the plan
        wants, and in a part's last bar leave room for the held final note, or be it."""
        step = self._step()
        if step is None or step.fill == "bare":
            reader.problem(f"music where the form {self.plan.label} has "
                           f"{'ended' if step is None else 'a ' + step.texts[0] + ' first'}")
            return self
        if pitch is not None and not chord and not self.in_register(pitch[0], pitch[1]):
            low, high = self.register()
            reader.problem(f"{pitch[0]}{pitch[1]} outside the part's register, "
                           f"{staff_name(low)} to {staff_name(high)}")
        elif pitch is None and not chord and "rests" not in self.plan.traits:
            reader.problem("a rest, in a tune planned without rests")
        elif reader.slurs > 1 and "nested slurs" not in self.plan.traits:
            reader.problem("a slur within a slur, in a tune planned without them")
        elif reader.voice.current.held:
            reader.problem("a fermata, which abc2midi plays twice as long, in a bar of a form plan")
        elif self.limit(reader, None) < 0:
            reader.problem(f"a bar longer than the form {self.plan.label} has there")
        elif step.cadence:
            self._cadence(reader, pitch, duration, chord)
        return PlanState(self.plan, self.step, self.pickup) if self.loose else self

    def _cadence(self, reader, pitch, duration, chord):
        plan, bar, finals = self.plan, reader.voice.current, self.finals()
        if pitch is not None and pitch[2] and pitch[0].upper() in finals:
            reader.problem("an accidental on a note a part may end on, in the part's last bar")
        left = self._target(self._step()) - bar.length
        if left == 0 and not self._final_ok(pitch, duration, chord, finals):
            reader.problem(f"a part of {plan.label} ends on {_named(pitch, chord)}, not a held "
                           f"{'/'.join(sorted(finals)) or 'note'} of {plan.held} or more")
        elif 0 < left < plan.held:
            reader.problem(f"no room left for a part's held final note ({plan.held})")

    def register(self) -> tuple | None:
        """The lowest and highest note (staff steps) of the part in progress; None: any."""
        registers, step = self.plan.registers, self._step() or self.plan.steps[-1]
        return None if registers is None else registers[step.part]

    def in_register(self, letter, octave="") -> bool:
        register = self.register()
        return register is None or register[0] <= staff_step(letter, octave) <= register[1]

    def finals(self) -> frozenset:
        """The letters the bar in progress may end on: the tune's last bar has its own."""
        return self.plan.last if self.step == len(self.plan.steps) - 1 else self.plan.finals

    def _final_ok(self, pitch, duration, chord, finals) -> bool:
        return pitch is not None and not chord and duration >= self.plan.held and \
            (not finals or pitch[0].upper() in finals)

    def bar_line(self, reader, kind, variant, text):
        """A bar line: one the plan puts here, closing a bar of the length it wants."""
        step, bar = self._step(), reader.voice.current
        if step is None:
            reader.problem(f"a bar line {text} after the form {self.plan.label} has ended")
            return self
        if step.fill == "bare" or bar is None:  # an empty bar between two bar lines, too
            wanted = step.texts[0] if step.fill == "bare" else "music"
            if bar is not None or step.fill != "bare" or text not in step.texts:
                reader.problem(f"{text} where the form {self.plan.label} has {wanted}")
            return PlanState(self.plan, self.step + 1, self.pickup)
        skip = 1
        if text in _JOINS and step.texts == (":|",) and self._opens_next():
            skip = 2  # :: (or :||:) closes one repeat and opens the next
        elif text not in step.texts:
            reader.problem(f"{text} where the form {self.plan.label} has {' or '.join(step.texts)}")
        if bar.rests or bar.full != self.plan.full:
            reader.problem(f"a bar of another length than the meter's, in the form {self.plan.label}")
        elif step.fill == "pickup" and self.pickup is None:
            return PlanState(self.plan, self.step + 1, bar.length)
        elif bar.length != self._target(step):
            reader.problem(f"a bar of {bar.length} where the form {self.plan.label} has "
                           f"{self._target(step)}")
        return PlanState(self.plan, self.step + skip, self.pickup)

    def _opens_next(self) -> bool:
        steps, after = self.plan.steps, self.step + 1
        return after < len(steps) and steps[after].fill == "bare"

    def limit(self, reader, limit):
        """The most the bar in progress can still take under the plan, within `limit`."""
        step = self._step()
        if step is None or step.fill == "bare":
            return mpq(0)
        bar = reader.voice.current
        target = self._target(step) if step.fill != "pickup" or self.pickup is not None else \
            self.plan.pickup_cap()
        room = target - (bar.length if bar is not None else 0)
        return room if limit is None else min(limit, room)

    def between_notes(self, reader, ch):
        """A character between notes. Where the plan has a bar line next (the bar is at its
        length, or a |: opens the part), only the bar line, spaces and what ends on the note
        before (a slur's close, a tie) may come, and after the plan's last bar line only the
        tune's end; elsewhere at most MAX_LOOSE decorations, chord symbols, slurs and the
        like before a note. A model the plan refuses would otherwise escape into them
        without end."""
        step, bar = self._step(), reader.voice.current
        if step is None and ch not in " \t\n":
            reader.problem(f"{ch!r} after the form {self.plan.label} has ended")
        if ch in _BAR_LINE_CHARS:
            return self
        if step is not None and ch not in _ON_THE_NOTE_BEFORE and \
                (step.fill == "bare" or (bar is not None and self.limit(reader, None) == 0)):
            reader.problem(f"{ch!r} where the form {self.plan.label} has a bar line")
        if ch in _NOTE_STARTS:
            return self
        if self.loose >= MAX_LOOSE:
            reader.problem(f"more than {MAX_LOOSE} marks, chord symbols or slurs before a note, "
                           "in a tune with a form plan")
        return PlanState(self.plan, self.step, self.pickup, self.loose + 1)

    def bar_endings(self, text, endings):
        """Of the ways a bar line begun as `text` can end, those the plan may have next (the
        grammar tries each, and most are refused here)."""
        step = self._step()
        if step is None:
            return []
        # a join the tune's policy does not write is the grammar's to refuse (barlines.py)
        texts = step.texts + (_JOINS if step.texts == (":|",) and self._opens_next() else ())
        return [ending for ending in endings if text + ending in texts]

    def decoration(self, reader, name):
        """A !decoration!: none that says where to play on from (D.C., fine...), as the plan
        is the order the tune is played in (and abc2midi ignores them)."""
        if name in JUMPS:
            reader.problem(f"!{name}!, which would change the order the form {self.plan.label} "
                           "is played in")

    def body_field(self, reader, name):
        """A field in the body (`K:`, `[L:1/16]`): the plan is the tune's one meter, key and
        parts, so none; a model the plan refuses would otherwise write field lines on end."""
        reader.problem(f"a {name}: field in the body of a tune with a form plan")

    def pitch_matters(self) -> bool:
        """Which note is written decides what may follow: in a part's last bar, and where
        the part has a register."""
        step = self._step()
        return step is not None and (step.cadence or self.plan.registers is not None)

    def tune_policy(self, policy):
        """What the tune may write, from the end of its header on."""
        return self.plan.policy or policy

    def end(self, reader):
        if self.step < len(self.plan.steps):
            reader.problem(f"the tune ends before its form {self.plan.label} does")

    # ---- what the completion writes next (charrnn.music.steer.completion) ----
    def want(self, reader):
        """What the plan needs next: ("end",), ("bar", texts) (the bar lines that may come),
        or ("note", room, final), the room left in the bar and, in a part's last bar,
        (letters, held length)."""
        step = self._step()
        if step is None:
            return ("end",)
        bar = reader.voice.current
        length = bar.length if bar is not None else 0
        if step.fill == "bare" or (step.fill == "pickup" and length and self.pickup is None):
            return ("bar", step.texts)
        room = self.limit(reader, None)
        if step.fill == "pickup" and self.pickup is None:
            room = min(room, reader.unit)  # a short pickup: the completion writes one note
        if room == 0 and length:
            return ("bar", step.texts)
        final = (self.finals(), self.plan.held) if step.cadence else None
        return ("note", room, final)

    def _step(self) -> Step | None:
        steps = self.plan.steps
        return steps[self.step] if self.step < len(steps) else None

    def _target(self, step) -> mpq:
        pickup = self.pickup or 0
        return {"pickup": pickup, "close": self.plan.full - pickup}.get(step.fill, self.plan.full)


def _named(pitch, chord):
    return "a chord" if chord else "a rest" if pitch is None else f"{pitch[2]}{pitch[0]}"
