"""Drawing a sampled tune's form plan from the corpus: its kind (meter and rhythm), its
skeleton, its cadence, each part's register and the traits it may write.

A `Planner` stands for the plan-to-be of one tune until its header is read: it holds the
header's M: and R: to the kind it draws, and once K: ends the header it makes the tune's
`Plan` (charrnn.music.steer.plan), seeded per tune, from the corpus's form
(charrnn.music.steer.form.CorpusForm). The plan is then kept as the tune is read.
"""

import functools
import random
from collections import Counter
from dataclasses import dataclass, field, replace

from charrnn.music.abc import fields
from charrnn.music.abc.keys import Key, read_key
from charrnn.music.abc.skeleton import Skeleton, tune_kind
from charrnn.music.steer.form import MAX_BARS, MIN_TUNES, TRAITS, CorpusForm, FormRequest, Hooks
from charrnn.music.steer.plan import PlanState, make_plan


@dataclass(frozen=True)
class Planner(Hooks):
    """The plan-to-be of one tune, until its header is read: `auto` draws the tune's kind
    (meter and rhythm) and skeleton from the corpus's tunes, and holds the header's M: and
    R: to them; `begin` makes the Plan once K: ends the header, with the tune's own seed."""

    request: FormRequest
    corpus: CorpusForm = field(compare=False, hash=False)
    seed: int = 0
    given: tuple = ("", "")  # the meter and rhythm the tunes' prime gives ("": none)
    # Where in the corpus's tunes (a share, 0 to 1) `auto` draws this one: the sampler
    # spreads a batch's tunes over them; None: drawn at random with the seed.
    quantile: float | None = None

    def for_prime(self, prime) -> "Planner":
        """The planner for tunes that begin with `prime`: a meter or rhythm it gives is the
        plan's too."""
        return replace(self, given=tune_kind(prime))

    @functools.cached_property
    def drawn(self) -> tuple | None:
        """((meter, rhythm), skeleton) `auto` draws for the tune: a corpus tune's, each kind
        as often as the corpus has it, among the kinds of the meter and rhythm given (those
        with MIN_TUNES tunes where there are such; never a hornpipe in a meter abc2midi
        refuses for one). So the tunes' meters, and with them their skeletons and pickups,
        are the corpus's, whatever the model's own header would have been. None: the
        model's own kind."""
        if self.request.kind != "auto":
            return None
        meter, rhythm = self.given
        kinds = {kind: found for kind, found in self.corpus.skeletons.items()
                 if kind[0] == (meter or kind[0]) and kind[1] == (rhythm or kind[1]) and
                 (not fields.is_hornpipe(kind[1]) or fields.hornpipe_meter_ok(kind[0]))}
        common = {kind: found for kind, found in kinds.items()
                  if sum(found.values()) >= MIN_TUNES} or kinds
        tunes = Counter({(kind, s): n for kind, found in common.items() for s, n in found.items()
                         if _writable(s)})
        quantile = random.Random(f"{self.seed}:kind").random() if self.quantile is None \
            else self.quantile
        return _at_quantile(quantile, tunes)

    def asked(self, reader, name):
        """The value the tune's header field `name` must have (the grammar's reader asks):
        the meter drawn, and the rhythm as the corpus writes it most, "" for none."""
        if self.drawn is None or name not in "MR" or self.given["MR".index(name)]:
            return None
        meter, rhythm = self.drawn[0]
        if name == "M" or not rhythm:
            return meter if name == "M" else ""
        written = (reader.policy.options("R") if reader.policy is not None else None) or ()
        return next((value for value in written if value.strip().lower() == rhythm), rhythm)

    def begin(self, reader, value):
        """The header has ended with K:`value`: the tune's PlanState, or None (free meter)."""
        full = reader.bar_full
        if full is None:
            return None
        meter, rhythm = (reader.meter or "").replace(" ", ""), reader.rhythm
        rng = random.Random(f"{self.seed}:{meter}:{rhythm.strip().lower()}")
        corpus_held = self.corpus.answer(("held", meter, full), lambda: self.corpus.held_length(meter, full))
        # what the tune may write (a seed of its own, as for the traits), the held note's
        # length always, so that each part can end as the corpus's tunes end
        policy = None if reader.policy is None else reader.policy.for_tune(
            random.Random(f"{self.seed}:idiom"), reader.unit, reader.meter, keep=corpus_held)
        lengths = reader.lengths if policy is None else policy.lengths(reader.unit, reader.meter)
        repeats, bars, pickup, endings = self._draw(rng, meter, rhythm)
        key = read_key(value)
        finals = last = ()
        if key is not None:  # parts end as the mode's tunes mostly do; the tune, as one does
            finals = _final_letters(key, self.corpus.final_degrees(key.mode))
            last = _final_letters(key, {_weighted(rng, self.corpus.last_degrees(key.mode))})
        # Held no longer than one note the tune may write (a corpus's idiom may allow only
        # short notes in this meter), so the plan can always be kept.
        longest = max(lengths.values.values(), default=1) * reader.unit
        held = min(corpus_held, longest)
        registers = None if key is None or not finals else \
            self._registers(rng, key, len(bars), finals, last)
        return PlanState(make_plan(repeats, bars, pickup, full, finals, held, last, endings,
                                   registers, self._traits(meter, rhythm), policy))

    def _traits(self, meter, rhythm) -> frozenset:
        """Which of TRAITS the tune may write: each as often as its kind's corpus tunes do
        (a seed of its own each, so that the other draws are those of a corpus form that
        did not count them)."""
        kind = rhythm.strip().lower()
        return frozenset(trait for trait in TRAITS if random.Random(f"{self.seed}:{trait}").random()
                         < self.corpus.answer(("trait", meter, kind, trait),
                                              lambda t=trait: self.corpus.trait_share(meter, rhythm, t)))

    def _registers(self, rng, key, parts, finals, last) -> tuple | None:
        """Each part's lowest and highest note (staff steps), as a corpus tune of as many
        parts has them about its tonic: the B part of most tunes lies higher, and no tune
        spans the whole of what its corpus writes."""
        placed = self.corpus.answer(("registers", parts, key.tonic_step, finals, last),
                                    lambda: _ordered(_keepable(self.corpus.registers, parts,
                                                               key.tonic_step, finals, last)))
        return _weighted(rng, placed)

    def room(self) -> int:
        """Characters enough for the longest tune this planner can plan: a generous 40 a
        bar, and a header."""
        if self.request.bars is not None:
            bars = sum(self.request.bars)
        else:
            bars = max([sum(s.bars) for counts in self.corpus.skeletons.values() for s in counts
                        if sum(s.bars) <= MAX_BARS] + [16])
        return 40 * bars + 400

    def _draw(self, rng, meter, rhythm):
        """(repeats, bars, pickup, endings) of the tune: a corpus skeleton's, or the one
        asked for (its endings as a corpus skeleton of its parts and bars has them)."""
        request = self.request
        usable, pickup_share = self.corpus.answer(("skeletons", meter, rhythm.strip().lower(), request),
                                                  lambda: self._skeletons(meter, rhythm))
        drawn = _weighted(rng, usable)
        if self.drawn is not None and self.drawn[0][0] == meter and \
                rhythm.strip().lower() in ("", self.drawn[0][1]):
            drawn = self.drawn[1]  # the kind drawn for the header (its R: unwritten, or as drawn)
        if request.kind == "auto" and drawn is not None:
            return _repeats(drawn), drawn.bars, drawn.pickup, self._endings(rng, drawn, drawn.bars)
        repeats = request.repeats or (2, 2)
        bars = request.bars or (drawn.bars if drawn is not None else (8,) * len(repeats))
        return repeats, bars, rng.random() < pickup_share, self._endings(rng, drawn, bars)

    def _skeletons(self, meter, rhythm):
        """The corpus's skeletons a tune of this meter and rhythm draws from, those the plan
        writes as they are and of the parts asked for (`_ordered`), and the share of the
        meter and rhythm's tunes that open with a pickup."""
        kinds = self.corpus.kinds(meter, rhythm)
        usable = Counter({s: n for s, n in kinds.items() if _writable(s)})
        if self.request.kind == "parts":
            usable = Counter({s: n for s, n in usable.items() if _repeats(s) == self.request.repeats})
        pickups = sum(n for s, n in kinds.items() if s.pickup) / max(sum(kinds.values()), 1)
        return _ordered(usable), pickups

    def _endings(self, rng, drawn, bars) -> tuple:
        """The bars of each part's first ending (0: none): where the drawn skeleton's part
        has endings, as many as the corpus's parts of that length have."""
        if drawn is None:
            return ()
        return tuple(_weighted(rng, self.corpus.ending_bars(count)) if has else 0
                     for has, count in zip(drawn.endings, bars))


def chunk_budget(reader) -> int:
    """The most chunks a completion may need to write the rest of a planned tune: a note
    per unit length and a few bar lines for each bar the plan has left (0: no plan)."""
    form = reader.form
    if not isinstance(form, (Planner, PlanState)):
        return 0
    units = int(reader.bar_full / reader.unit) if reader.bar_full else 16
    left = len(form.plan.steps) - form.step if isinstance(form, PlanState) else MAX_BARS + 8
    return left * (units + 3)


def _keepable(registers, parts, tonic_step, finals, last) -> Counter:
    """The corpus's registers of tunes of `parts` parts, placed about a tonic at
    `tonic_step`, that a plan can be kept in: each part's holds a letter it may end on
    (`finals`, the last part `last`) and another, unmarked (C to b), for the completion."""
    def keeps(register, number):
        plain = {"CDEFGAB"[step % 7] for step in range(register[0], register[1] + 1)
                 if 0 <= step <= 13}
        ends = last if number == parts - 1 else finals
        return bool(plain & ends) and bool(plain - ends)

    placed = Counter()
    for steps, n in registers.items():
        if len(steps) == parts:
            absolute = tuple((low + tonic_step, high + tonic_step) for low, high in steps)
            if all(keeps(register, number) for number, register in enumerate(absolute)):
                placed[absolute] += n
    return placed


def _writable(skeleton: Skeleton) -> bool:
    """Whether a plan writes the skeleton as it is: parts played in order, once or twice
    each (AABB, ABC; not ABAB or ABCABC, which would come out as another), in MAX_BARS."""
    played = tuple(chr(ord("A") + i) for i, n in enumerate(_repeats(skeleton)) for _ in range(n))
    return tuple(skeleton.parts) == played and 0 < sum(skeleton.bars) <= MAX_BARS


def _repeats(skeleton: Skeleton) -> tuple:
    """How many times each written part of a skeleton is played, 2 at most."""
    return tuple(min(skeleton.parts.count(chr(ord("A") + i)), 2) for i in range(len(skeleton.bars)))


def _weighted(rng, counts):
    """One of the counted (a Counter, or its `_ordered` form), drawn as often as counted,
    in an order that does not depend on the Counter's."""
    things, weights = counts if isinstance(counts, tuple) else _ordered(counts)
    return rng.choices(things, weights=weights)[0] if things else None


def _ordered(counts: Counter) -> tuple:
    """(things, counts) of a Counter, most counted first, then by their text."""
    items = sorted(counts.items(), key=lambda item: (-item[1], repr(item[0])))
    return [s for s, _ in items], [n for _, n in items]


def _at_quantile(quantile, counts: Counter):
    """The one of the counted that lies at `quantile` (0 to 1) of them all, each as wide as
    its count: tunes with a pickup first, then by meter, rhythm and skeleton, so that
    evenly spread quantiles draw each in its share."""
    if not counts:
        return None
    items = sorted(counts.items(), key=lambda item: (not item[0][1].pickup, repr(item[0])))
    target, total = quantile * sum(counts.values()), 0
    for item, n in items:
        total += n
        if target < total:
            return item
    return items[-1][0]


def _final_letters(key: Key, degrees: frozenset) -> frozenset:
    """The letters that sound a final degree under the key's signature (no accidental)."""
    return frozenset(letter for letter in "CDEFGAB"
                     if key.degree((letter, "", "")) in degrees)
