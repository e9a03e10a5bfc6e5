"""What a sampled tune may write, beyond what makes it valid ABC: the sampler's policy.

The grammar's reader (charrnn.music.abc.grammar) asks a `SampledPolicy` which header fields,
field values, note lengths, decorations, chord symbols, grace notes (and how many, how
long), tuplets, broken rhythms, accidentals, spacers, the bar lines joining two repeats,
comments, chord sizes and line layouts a sampled tune may write. `SampledPolicy.from_idiom` allows what the
corpus the model learned from writes (charrnn.music.abc.idiom), `SampledPolicy.hand_written()`
the limits kept before the idiom was learned (`sample --idiom off`).

A policy is fixed for a whole sampling, so it belongs to the constraint (one per
`TuneConstraint`, whose caches are its own), not to the reader's per-state key. A tune with
a form plan keeps to its own narrower one (`for_tune`), which the plan, part of the key,
names.
"""

import copy
import functools
from collections import Counter

import regex
from gmpy2 import mpq

from charrnn.music.abc import fields, idiom as idioms
from charrnn.music.abc.grammar.durations import LENGTHS, LengthForms
from charrnn.music.abc.grammar.syntax import ANNOTATION_MARKS, DECORATION_CHARS, DECORATIONS

# A token (a key, a meter, a note length, a decoration...) is sampled only where at least
# this share of the corpus's tunes write it: 1 in 200. The model learned such a token from
# too few tunes to use it as the corpus does, and the tokens a model that has lost its way
# lands on (K:G Majiin, M:18/8, c3///, !ffff!) are written by no tune at all; 1 in 200
# keeps each key, meter, unit and length a player of the collection meets often (in
# O'Neill's: 11 keys from G to Dmix, 7 meters, L:1/8, 1/16 and 1/4), and leaves out what
# a handful of its 1,838 tunes write (K:Bm, M:3/8, (5, >>, Q:).
RARE_SHARE = 0.005

# The hand-written limits (--idiom off). Note lengths: a number before a slash only as the
# collections write it, for a note value dotted or double-dotted (A3/2, A7/4), never 24/32
# for 3/4: without this a model whose note does not fit writes its digits on, and the
# grammar finds them a denominator.
HAND_WRITTEN_LENGTHS = LengthForms(slash_tops=("3", "7"))
# A tempo a player plays, 40 to 299 beats a minute (the collections': 40 to 190): a model
# that has lost its way writes Q:10 as readily.
HAND_WRITTEN_VALUES = {"Q": regex.compile(fields.tempo_pattern(r"(?:[4-9][0-9]|[12][0-9]{2})"))}


class SampledPolicy:
    """What a sampled tune may write. Sets left None allow anything the grammar does."""

    def __init__(self, patterns=None, values=None, header_fields=None, body_fields=None,
                 lengths=None, decorations=None, shorthands=None, chords=None,
                 annotations=True, graces=True, tuplets=None, broken=None, comments=True,
                 pitches=None, chord_notes=None, layout=None, grace_notes=None,
                 grace_lengths=None, accidentals=None, spacers=True, joins=None,
                 source="the hand-written limits"):
        self.patterns = patterns or {}  # field -> a pattern its values must match
        self.values = values or {}  # field -> the values it may have, most written first
        self.header_fields, self.body_fields = header_fields, body_fields
        self._lengths = lengths  # (unit, meter) -> LengthForms, or None: HAND_WRITTEN_LENGTHS
        self.decorations = DECORATIONS if decorations is None else frozenset(decorations)
        self.decoration_prefixes = _prefixes(self.decorations)
        self.shorthands = DECORATION_CHARS if shorthands is None else frozenset(shorthands)
        self.chords = None if chords is None else tuple(chords)
        self.annotations, self.graces, self.comments = annotations, graces, comments
        self.tuplets = None if tuplets is None else tuple(tuplets)
        self.broken = None if broken is None else frozenset(broken)
        # the notes written, letter and octave marks ("G,", "a'"): a model that has lost its
        # way writes G,,, and a'' as readily, and its tunes leave the corpus's range
        self.pitches = frozenset(pitches) if pitches else None
        # the most notes a chord ([ce]) holds, None: the grammar's limit; the layout marks
        # (charrnn.music.abc.idiom.LAYOUT) a tune may write, None: any
        self.chord_notes = chord_notes
        self.layout = None if layout is None else frozenset(layout)
        # the most notes a grace group holds, None: the grammar's limit; the lengths a grace
        # note is written with, None: any. A model whose note the bar refuses writes it in
        # a grace group instead, where it takes no time: {BAG/F/E/D3D/E4}.
        self.grace_notes = grace_notes
        self.grace_lengths = None if grace_lengths is None else \
            LengthForms(texts=[t for t in grace_lengths if t in LENGTHS.values])
        # the accidentals a note may have ("^", "^^"...), None: any; whether a tune may write
        # a spacer (y), which no tune of O'Neill's writes and a model the plan refuses
        # escapes into
        self.accidentals = None if accidentals is None else frozenset(accidentals)
        self.accidental_prefixes = None if accidentals is None else _prefixes(self.accidentals, 1)
        self.spacers = spacers
        # the bar lines that may join two repeats (syntax.REPEAT_JOINS: ::, :||:), None: any
        self.joins = None if joins is None else frozenset(joins)
        # (kind, token) -> the share of the corpus's tunes that write it, for `for_tune`;
        # the lengths': (unit, meter) -> {length: share}. Empty: a tune keeps to all of it.
        self.shares, self._length_shares = {}, None
        self.withheld = frozenset()  # what `for_tune` took away
        self.source = source
        self.lengths_rule = ("a sampled tune writes a number before / only for a dotted note "
                             "(3/2, 7/4)") if lengths is None else f"not a length {source} writes"

    @classmethod
    def hand_written(cls):
        return cls(patterns=HAND_WRITTEN_VALUES)

    @classmethod
    def from_idiom(cls, idiom, share=RARE_SHARE):
        """What at least `share` of the idiom's tunes write (see RARE_SHARE)."""
        def common(counts, tunes=idiom.tunes):
            return idioms.allowed(counts, tunes, share)

        values = {name: common(counted) for name, counted in idiom.values.items()}
        header = [name for name in common(idiom.header_fields)
                  if name not in values or values[name]]
        policy = cls(values=values, header_fields=frozenset(header),
                   body_fields=frozenset(common(idiom.body_fields)),
                   lengths=_idiom_lengths(idiom, share),
                   decorations=[d[1:-1] for d in common(idiom.decorations) if d[:1] == "!"],
                   shorthands=[d for d in common(idiom.decorations) if d in DECORATION_CHARS],
                   chords=common(idiom.chords), tuplets=common(idiom.tuplets),
                   broken=common(idiom.broken),
                   annotations=_common_flag(idiom.annotations, idiom, share),
                   graces=_common_flag(idiom.graces, idiom, share),
                   comments=_common_flag(idiom.comments, idiom, share),
                   pitches=common(idiom.pitches),
                   chord_notes=None if idiom.chord_notes is None else
                   max(map(int, common(idiom.chord_notes)), default=0),
                   layout=None if idiom.layout is None else common(idiom.layout),
                   grace_notes=None if idiom.grace_notes is None else
                   max(map(int, common(idiom.grace_notes)), default=0),
                   grace_lengths=None if idiom.grace_lengths is None else common(idiom.grace_lengths),
                   accidentals=None if idiom.accidentals is None else common(idiom.accidentals),
                   spacers=idiom.spacers is None or _common_flag(idiom.spacers, idiom, share),
                   joins=None if idiom.joins is None else common(idiom.joins),
                   source=f"the idiom of {idiom.tunes} tunes")
        policy.shares = _token_shares(idiom, policy)
        policy._length_shares = _length_shares(idiom)
        return policy

    # ---- one tune's own ---------------------------------------------------------------------

    def for_tune(self, rng, unit, meter, keep=None) -> "SampledPolicy":
        """What one tune may write: each of the corpus's decorations, tuplets, broken
        rhythms, note lengths (under the tune's unit and meter), layout marks, accidentals,
        grace notes, chords, comments and bar lines joining two repeats in as many tunes as
        the corpus's tunes write it, drawn with `rng`; the unit length itself always, and
        the length that writes a note of `keep` (whole notes), where one does. A
        model that a form plan refuses otherwise escapes into them: 56% of the shipped
        model's planned tunes trilled (T), against 14% of its corpus's and 23% of its free
        tunes, and 55% of its jigs wrote // (the corpus's: 1%). A model writes a token in
        about half the tunes that may, so the tunes now write each somewhat less often than
        the corpus's do."""
        forms = self.lengths(unit, meter)
        counted = self._length_shares(unit, meter) if self._length_shares else None
        lengths = {} if counted is None else {t: counted.get(t, 0) for t in forms.values}
        kept = {"", forms.writing.get(mpq(keep) / mpq(unit)) if keep else ""}
        shares = sorted(self.shares.items()) + \
            sorted((("length", t), s) for t, s in lengths.items() if t not in kept)
        withheld = frozenset(token for token, share in shares if rng.random() >= share)
        return self._without(withheld, unit, meter) if withheld else self

    def _without(self, withheld, unit, meter) -> "SampledPolicy":
        tune = copy.copy(self)
        tune.withheld = withheld
        kinds = {}
        for kind, token in withheld:
            kinds.setdefault(kind, set()).add(token)
        tune.decorations = self.decorations - kinds.get("decoration", set())
        tune.decoration_prefixes = _prefixes(tune.decorations)
        tune.shorthands = self.shorthands - kinds.get("shorthand", set())
        tune.tuplets = tuple(t for t in self.tuplets if t not in kinds.get("tuplet", ()))
        tune.broken = self.broken - kinds.get("broken", set())
        tune.layout = None if self.layout is None else self.layout - kinds.get("layout", set())
        tune.graces = self.graces and "graces" not in kinds.get("flag", ())
        tune.comments = self.comments and "comments" not in kinds.get("flag", ())
        tune.annotations = self.annotations and "annotations" not in kinds.get("flag", ())
        tune.spacers = self.spacers and "spacers" not in kinds.get("flag", ())
        if "chords" in kinds.get("flag", ()):
            tune.chord_notes = 0
        if self.joins is not None:
            tune.joins = self.joins - kinds.get("join", set())
        if self.accidentals is not None:
            tune.accidentals = self.accidentals - kinds.get("accidental", set())
            tune.accidental_prefixes = _prefixes(tune.accidentals, 1)
        kept = self.lengths(unit, meter)
        texts = frozenset(t for t in kept.values if t not in kinds.get("length", ()))
        tune._lengths = lambda u, m: _forms(texts) if (u, m) == (unit, meter) else self.lengths(u, m)
        return tune

    # ---- header and fields ------------------------------------------------------------------

    def field_allowed(self, name, header) -> bool:
        allowed = self.header_fields if header else self.body_fields
        return allowed is None or name in allowed or name in "XTMK" and header

    def restricts(self, name) -> bool:
        """Whether the values of field `name` are held to a set (so its text decides)."""
        return name in self.values

    def options(self, name):
        """The values field `name` may have, most written first; None: any the grammar allows."""
        return self.values.get(name)

    def value_problem(self, name, value) -> str | None:
        pattern = self.patterns.get(name)
        if pattern is not None and not pattern.fullmatch(value):
            return f"{name}:{value} is not {fields.WHAT[name]} a sampled tune keeps to"
        allowed = self.values.get(name)
        if allowed is not None and value not in allowed:
            return f"{name}:{value} is not a value the corpus writes"
        return None

    def value_can_continue(self, name, text) -> bool:
        pattern = self.patterns.get(name)
        if pattern is not None and not pattern.fullmatch(text, partial=True):
            return False
        allowed = self.values.get(name)
        return allowed is None or any(value.startswith(text) for value in allowed)

    def layout_problem(self, mark) -> str | None:
        """Why a tune may not write this layout mark (idiom.LAYOUT), or None."""
        if self.layout is None or mark in self.layout:
            return None
        return f"{idioms.LAYOUT[mark]}, which {self.source} does not write"

    # ---- music ----------------------------------------------------------------------------

    def lengths(self, unit, meter) -> LengthForms:
        """How note lengths may be written with this unit length (whole notes) and meter."""
        if self._lengths is None:
            return HAND_WRITTEN_LENGTHS
        return self._lengths(unit, meter)

    def chord_problem(self, text) -> str | None:
        if self.chords is not None and text not in self.chords:
            return f'"{text}" is not a chord symbol the corpus writes'
        return None

    def quote_can_continue(self, text) -> bool:
        """Whether a chord symbol or annotation begun as `text` can still be one allowed."""
        if text[:1] in ANNOTATION_MARKS:
            return self.annotations
        return self.chords is None or any(chord.startswith(text) for chord in self.chords)

    def tuplet_can_continue(self, text) -> bool:
        return self.tuplets is None or any(t.startswith(text) for t in self.tuplets)

    def tuplet_allowed(self, text) -> bool:
        return self.tuplets is None or text in self.tuplets

    def broken_allowed(self, text) -> bool:
        return self.broken is None or text in self.broken

    def broken_can_continue(self, text) -> bool:
        return self.broken is None or any(b.startswith(text) for b in self.broken)


def _prefixes(texts, shortest=0) -> frozenset:
    """Every start of the texts, of `shortest` characters or more."""
    return frozenset(text[:i] for text in texts for i in range(shortest, len(text) + 1))


def _common_flag(tunes_with, idiom, share):
    return tunes_with > 0 and tunes_with >= share * idiom.tunes


def _token_shares(idiom, policy) -> dict:
    """(kind, token) -> the share of the idiom's tunes that write it, for the tokens
    `policy` allows; kinds: decoration, shorthand, tuplet, broken, layout, accidental, join,
    flag (graces, comments, annotations, spacers, chords)."""
    shares = {}
    for name, tunes in idiom.decorations.items():
        if name[:1] == "!" and name[1:-1] in policy.decorations:
            shares["decoration", name[1:-1]] = tunes / idiom.tunes
        elif name in policy.shorthands:
            shares["shorthand", name] = tunes / idiom.tunes
    for kind, counts, allowed in (("tuplet", idiom.tuplets, policy.tuplets),
                                  ("broken", idiom.broken, policy.broken),
                                  ("layout", idiom.layout or {}, policy.layout or ()),
                                  ("accidental", idiom.accidentals or {}, policy.accidentals or ()),
                                  ("join", idiom.joins or {}, policy.joins or ())):
        shares.update({(kind, token): tunes / idiom.tunes for token, tunes in counts.items()
                       if token in allowed})
    for flag in ("graces", "comments", "annotations", "spacers"):
        tunes = getattr(idiom, flag)
        if tunes and getattr(policy, flag):
            shares["flag", flag] = tunes / idiom.tunes
    if idiom.chord_notes and policy.chord_notes:  # the tunes with chords ([ce]): at least
        shares["flag", "chords"] = max(idiom.chord_notes.values()) / idiom.tunes  # the commonest size's
    return shares


def _length_shares(idiom):
    """(unit, meter) -> {length text: the share of the tunes there (`_contexts`) that
    write it}."""
    @functools.cache
    def shares(unit, meter):
        contexts = _contexts(idiom, unit, meter)
        tunes = max(sum(idiom.contexts[c] for c in contexts), 1)
        counted = Counter()
        for context in contexts:
            counted.update(idiom.lengths.get(context, {}))
        return {text: n / tunes for text, n in counted.items()}

    return shares


def _contexts(idiom, unit, meter) -> list:
    """The contexts (unit and meter: idioms.context_name) whose tunes say how a tune
    under `unit` and `meter` writes its lengths: its own where the corpus has tunes in it,
    else those with that unit, else all."""
    context = idioms.context_name(_fraction_text(unit), meter)
    if context in idiom.contexts:
        return [context]
    unit_text = _fraction_text(unit) + " "
    return [c for c in idiom.contexts if c.startswith(unit_text)] or list(idiom.contexts)


@functools.cache
def _forms(texts: frozenset) -> LengthForms:
    """The LengthForms of these texts, one object for each set: the completion's caches
    are kept per LengthForms."""
    return LengthForms(texts=sorted(texts))


def _idiom_lengths(idiom, share):
    """(unit, meter) -> the LengthForms of the lengths the corpus writes there: those at
    least `share` of the tunes in one of its `_contexts` write."""
    known = {context: idioms.allowed(idiom.lengths.get(context, {}), count, share)
             for context, count in idiom.contexts.items()}

    @functools.cache
    def lengths(unit, meter):
        texts = {t for context in _contexts(idiom, unit, meter) for t in known[context]}
        return LengthForms(texts=[t for t in texts if t in LENGTHS.values])

    return lengths


def _fraction_text(unit) -> str:
    unit = mpq(unit)
    return f"{unit.numerator}/{unit.denominator}"
