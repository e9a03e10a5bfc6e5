"""What a tune's form plan follows: the form asked for (`--form`: `FormRequest`) and what
the corpus's tunes do (`CorpusForm`: their skeletons per meter and rhythm, the degrees they
end on, how long they hold their final notes, how long their first endings are, how many
rest or slur within a slur), learned
with the grammar's reader through `Hooks`, the listener it calls at each note and bar line.
charrnn.music.steer.planner draws one tune's plan from them."""

import json
import re
from collections import Counter
from dataclasses import dataclass, field

from gmpy2 import mpq

from charrnn.music.abc.keys import ENDING_SHARE, read_key
from charrnn.music.abc.skeleton import Skeleton, part_read, skeleton, tune_kind

FORM_VERSION = 5  # bump when what CorpusForm learns changes
MIN_TUNES = 10  # a rhythm with fewer tunes than this draws from all the meter's skeletons
FINAL_SHARE = 0.1  # a part may end on a degree the corpus's tunes end on this often (a mode's)
HELD_QUANTILE = 0.5  # the final note is at least as long as half the corpus's final notes
MAX_BARS = 64  # bars in all, for a plan asked for or drawn
# What only some of a corpus's tunes write, and a model whose note is refused writes in its
# place (61 and 31 of 100 tunes against O'Neill's 22% and 2%): a plan lets a tune write each
# as often as its kind's corpus tunes do.
TRAITS = {"rests": "a rest (z, x)", "nested slurs": "a slur within a slur"}

# --- what is asked for -------------------------------------------------------------------------
_REQUEST = re.compile(r"([A-Z]+)(?:\s+(\d+(?:\+\d+)*))?")


@dataclass(frozen=True)
class FormRequest:
    """`--form`: `auto`, `any`, or written parts with their repeats (`AABB`: two parts, each
    played twice) and, optionally, the bars of every part (`8`) or of each (`8+16`)."""

    kind: str  # "auto", "any" or "parts"
    repeats: tuple = ()  # per written part: how many times it is played (1 or 2)
    bars: tuple | None = None  # per written part; None: drawn from the corpus

    @classmethod
    def parse(cls, text: str) -> "FormRequest":
        """The request a --form value makes, or ValueError saying what is wrong with it."""
        text = " ".join(text.split())
        if text.lower() in ("auto", "any"):
            return cls(text.lower())
        match = _REQUEST.fullmatch(text)
        if match is None:
            raise ValueError(f"{text!r} is not a form: give auto, any, or parts like AABB, "
                             "'AABB 8' or 'ABC 8+8+16'")
        repeats = _runs(match[1])
        bars = tuple(int(n) for n in match[2].split("+")) if match[2] else None
        if bars is not None and len(bars) == 1:
            bars = bars * len(repeats)
        if bars is not None and len(bars) != len(repeats):
            raise ValueError(f"{text!r} names {len(repeats)} parts but gives bars for {len(bars)}")
        if bars is not None and (min(bars) < 1 or sum(bars) > MAX_BARS):
            raise ValueError(f"{text!r}: each part needs a bar or more, and {MAX_BARS} bars in all at most")
        return cls("parts", repeats, bars)


def _runs(letters: str) -> tuple:
    """How many times each part is played, from its letters: AABB -> (2, 2), ABC -> (1, 1, 1)."""
    runs = [(m[1], len(m[0])) for m in re.finditer(r"(.)\1*", letters)]
    expected = [chr(ord("A") + i) for i in range(len(runs))]
    if [letter for letter, _ in runs] != expected or any(n > 2 for _, n in runs):
        raise ValueError(f"{letters!r}: the parts are A, B, C... in order, each written once or "
                         "twice in a row (AABB, AAB, ABC)")
    return tuple(n for _, n in runs)


# --- what the corpus does ----------------------------------------------------------------------
@dataclass
class CorpusForm:
    """What a corpus's tunes do that a plan follows: their skeletons per (meter, rhythm), the
    degree each mode's tunes end on, and how long their final notes are per meter."""

    skeletons: dict = field(default_factory=dict)  # (meter, rhythm) -> Counter of Skeleton
    finals: dict = field(default_factory=dict)  # mode -> Counter of degrees (semitones)
    held: dict = field(default_factory=dict)  # meter -> Counter of final note lengths ("3/8")
    endings: dict = field(default_factory=dict)  # a part's bars -> Counter of first-ending bars
    # Each written part's lowest and highest note, in steps of the scale from the tonic
    # (Key.step): (((-3, 7), (0, 9)), ...) -> tunes
    registers: Counter = field(default_factory=Counter)
    # (meter, rhythm) -> Counter of its tunes ("tunes") and of those writing each of TRAITS
    traits: dict = field(default_factory=dict)
    # answers worked out from the above, by question (see `answer`)
    _answers: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def answer(self, question: tuple, work):
        """What `work()` makes of this corpus's figures, worked out once per `question`:
        a plan is made for every header the sampler tries, and asks the same few."""
        if question not in self._answers:
            self._answers[question] = work()
        return self._answers[question]

    @classmethod
    def learn(cls, tunes, progress=False) -> "CorpusForm":
        """What a corpus's tunes (their texts) do, each read once by the grammar's reader;
        `progress`: a progress bar on a terminal."""
        from tqdm.auto import tqdm

        form = cls()
        for tune in tqdm(tunes, desc="learning the corpus's forms", unit="tune", leave=False,
                         disable=None if progress else True, dynamic_ncols=True):
            listener = NoteListener()
            found = skeleton(tune, form=listener)
            kind = tune_kind(tune)
            form.traits.setdefault(kind, Counter()).update({"tunes"} | listener.traits)
            if found is not None:
                form.skeletons.setdefault(kind, Counter())[found] += 1
                for bars, ending in zip(found.bars, found.ending_bars):
                    if ending:
                        form.endings.setdefault(bars, Counter())[ending] += 1
                registers = listener.registers()
                if registers is not None and len(registers) == len(found.bars):
                    form.registers[registers] += 1
            final = listener.final()
            if final is not None:
                mode, degree, length = final
                form.finals.setdefault(mode, Counter())[degree] += 1
                form.held.setdefault(kind[0], Counter())[str(length)] += 1
        return form

    def to_json(self) -> str:
        skeletons = [[meter, rhythm, s.to_dict(), n] for (meter, rhythm), counts in
                     self.skeletons.items() for s, n in counts.items()]
        return json.dumps({"version": FORM_VERSION, "skeletons": skeletons,
                           "finals": {m: dict(c) for m, c in self.finals.items()},
                           "held": {m: dict(c) for m, c in self.held.items()},
                           "endings": {b: dict(c) for b, c in self.endings.items()},
                           "registers": [[list(map(list, r)), n] for r, n in self.registers.items()],
                           "traits": [[meter, rhythm, dict(c)] for (meter, rhythm), c in self.traits.items()]})

    @classmethod
    def from_json(cls, text: str) -> "CorpusForm | None":
        """The form saved by to_json, or None when it is from another version."""
        data = json.loads(text)
        if data.get("version") != FORM_VERSION:
            return None
        form = cls(finals={m: Counter({int(d): n for d, n in c.items()}) for m, c in data["finals"].items()},
                   held={m: Counter(c) for m, c in data["held"].items()},
                   endings={int(b): Counter({int(e): n for e, n in c.items()})
                            for b, c in data["endings"].items()},
                   registers=Counter({tuple(map(tuple, r)): n for r, n in data["registers"]}),
                   traits={(meter, rhythm): Counter(c) for meter, rhythm, c in data["traits"]})
        for meter, rhythm, skeleton, n in data["skeletons"]:
            form.skeletons.setdefault((meter, rhythm), Counter())[Skeleton.from_dict(skeleton)] += n
        return form

    def kinds(self, meter: str, rhythm: str) -> Counter:
        """The skeletons to draw from for a tune of this meter and rhythm (`_of_kind`)."""
        found = Counter()
        for counts in _of_kind(self.skeletons, meter, rhythm, lambda c: sum(c.values())):
            found.update(counts)
        return found

    def trait_share(self, meter: str, rhythm: str, trait: str) -> float:
        """The share of the corpus's tunes of this meter and rhythm (`_of_kind`) that write
        `trait` (one of TRAITS)."""
        counted = _of_kind(self.traits, meter, rhythm, lambda c: c["tunes"])
        return sum(c[trait] for c in counted) / max(sum(c["tunes"] for c in counted), 1)

    def ending_bars(self, bars: int) -> Counter:
        """How many bars the first ending of a part of `bars` bars has, as the corpus's
        parts of that length have it (else all its parts with endings; else one bar),
        always leaving the part a bar before its ending."""
        counts = self.endings.get(bars) or sum(self.endings.values(), Counter()) or Counter({1: 1})
        return Counter({n: c for n, c in counts.items() if n < bars}) or Counter({1: 1})

    def final_degrees(self, mode: str, share=FINAL_SHARE) -> Counter:
        """The degrees the mode's tunes end on in at least `share` of them, counted; the
        tonic where the corpus has no tune in the mode."""
        counts = self.finals.get(mode) or Counter({0: 1})
        total = sum(counts.values())
        return Counter({d: n for d, n in counts.items() if n >= share * total}) or Counter({0: 1})

    def last_degrees(self, mode: str) -> Counter:
        """What a tune's last note is drawn from: the tonic as often as the mode's tunes end
        on it, else one of the degrees at least ENDING_SHARE of them end on, in their
        proportions (the rarer ones, slips and oddities to the verdict, left out without
        making the tonic commoner than the corpus has it)."""
        counts = self.finals.get(mode) or Counter({0: 1})
        kept = self.final_degrees(mode, ENDING_SHARE)
        others = sum(n for d, n in kept.items() if d != 0)
        if 0 not in kept or not others:
            return kept
        scale = (sum(counts.values()) - counts[0]) / others
        return Counter({d: n if d == 0 else n * scale for d, n in kept.items()})

    def held_length(self, meter: str, bar: mpq) -> mpq:
        """The least length a final note has: the median of the corpus's final notes in this
        meter (at most half a bar); a quarter of the bar where the corpus has none."""
        counts = self.held.get(meter)
        if not counts:
            return bar / 4
        lengths = sorted(mpq(length) for length, n in counts.items() for _ in range(n))
        return min(lengths[int(HELD_QUANTILE * len(lengths))], bar / 2)


def _of_kind(table, meter, rhythm, tunes) -> list:
    """The rows of `table` ((meter, rhythm) -> what the corpus's tunes of that kind do) that
    a tune of this meter and rhythm follows: the rhythm's where the corpus has MIN_TUNES
    tunes of it (`tunes(row)`), else the meter's, else all of them."""
    rhythm = rhythm.strip().lower()
    own = table.get((meter, rhythm))
    if rhythm and own is not None and tunes(own) >= MIN_TUNES:
        return [own]
    for keep in (lambda m: m == meter, lambda m: True):
        rows = [row for (m, _), row in table.items() if keep(m)]
        if rows:
            return rows
    return []


class Hooks:
    """What the grammar's reader asks its `form` (charrnn.music.abc.grammar): here, nothing is
    refused. A PlanState keeps the plan; these serve until K: ends the header, and for
    reading the corpus."""

    def begin(self, reader, value):
        return self

    def tune_policy(self, policy):
        return policy

    def asked(self, reader, name):
        return None

    def note(self, reader, pitch, duration, chord):
        return self

    def bar_line(self, reader, kind, variant, text):
        return self

    def between_notes(self, reader, ch):
        return self

    def limit(self, reader, limit):
        return limit

    def body_field(self, reader, name):
        pass

    def bar_endings(self, text, endings):
        return endings

    def decoration(self, reader, name):
        pass

    def end(self, reader):
        pass

    def pitch_matters(self) -> bool:
        return False


class NoteListener(Hooks):
    """A listener for the grammar's reader, reading for `skeleton`: the key of a tune, its
    last note, each written part's lowest and highest note, which of TRAITS it writes, and
    the slurs it leaves open at its end."""

    def __init__(self):
        self.key, self.last, self.steps = None, None, {}
        self.traits = set()
        self.slurs_left = 0

    def end(self, reader):
        self.slurs_left = reader.slurs

    def begin(self, reader, value):
        self.key = read_key(value)
        return self

    def note(self, reader, pitch, duration, chord):
        self.last = (pitch, duration)
        if pitch is None and not chord:
            self.traits.add("rests")
        if reader.slurs > 1:
            self.traits.add("nested slurs")
        part = part_read(reader)
        if pitch is not None and not chord and self.key is not None and part is not None:
            self.steps.setdefault(part, []).append(self.key.step(pitch))
        return self

    def registers(self) -> tuple | None:
        """((lowest, highest), ...) of each written part, in steps of the scale from the
        tonic; None where the tune has no key, or a part no note."""
        if not self.steps or sorted(self.steps) != list(range(len(self.steps))):
            return None
        return tuple((min(steps), max(steps)) for _, steps in sorted(self.steps.items()))

    def final(self):
        """(mode, degree, length) of the tune's last note; None where it has no key or ends
        on a rest or chord."""
        if self.key is None or self.last is None or self.last[0] is None:
            return None
        pitch, duration = self.last
        return self.key.mode, self.key.degree(pitch), duration
