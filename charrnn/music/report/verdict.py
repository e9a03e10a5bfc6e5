"""Would a folk musician play it? A verdict per tune on the rules of the first stage of the
2022 AI Music Generation Challenge's judging, which set aside tunes that cannot be played,
copy the tradition, or miss its rhythm, range or mode before any judge listened (Sturm
et al., "The Ai Music Generation Challenge 2022: Summary and Results"): the tune plays in abc2midi without an error, every bar
is full, its skeleton is one the corpus uses, it ends as the corpus's tunes end, its notes
lie within the corpus's range, and it copies no run of bars from the corpus.

Each rule is a small function of a tune's `Facts` (what the checks found, its features,
skeleton and nearest corpus tune) and the corpus's `Norms` (what its tunes do), returning
an `Outcome`: passed, failed with the reason, or not judged (and why: abc2midi missing, no
corpus to compare with). A corpus tune is judged against the rest of the corpus, as
novelty compares it with the rest, so the corpus's own pass share is the one to beat.
"""

from collections import Counter
from dataclasses import dataclass, field

from charrnn.music.abc.bars import is_misfit
from charrnn.music.abc.keys import ENDING_SHARE
from charrnn.music.report.distributions import DEGREES
from charrnn.music.report.novelty import COPIED_BARS


# The rules in the order a tune is judged, each with the phrase that counts its failures
RULES = {
    "plays": "have errors",
    "bars": "misfit bars",
    "skeleton": "a skeleton the corpus lacks",
    "ending": "end as the corpus does not",
    "range": "leave the corpus's range",
    "copy": f"copy {COPIED_BARS}+ bars",
}
RULE_TITLES = {
    "plays": "plays in abc2midi without an error",
    "bars": "every bar full",
    "skeleton": "a skeleton the corpus uses",
    "ending": "ends as the corpus ends",
    "range": "range within the corpus's",
    "copy": "not a copy",
}


@dataclass(frozen=True)
class Outcome:
    """One rule's judgement: passed True or False, or None where it could not be judged;
    `reason` says why it failed, or why it could not be judged."""

    rule: str
    passed: bool | None
    reason: str = ""

    def to_dict(self) -> dict:
        return {"rule": self.rule, "passed": self.passed, "reason": self.reason}


@dataclass
class Facts:
    """What the rules read of one tune, in plain values. A field is None where it is not
    known."""

    errors: list[str]  # what stops a player: the grammar's errors (charrnn.music.abc.check)
    misfits: list[str]  # bars of the wrong length outside a pickup and its closing bar
    abc2midi: list[str] | None  # abc2midi's errors (reference.judged); None: not installed
    skeleton: str | None = None  # "AABB 8+8"; None: no bars under a meter
    mode: str | None = None  # "major", "dorian"...; None: no key
    final: int | None = None  # the last note's semitones above the tonic
    lowest: int | None = None  # MIDI
    highest: int | None = None
    copied: int | None = None  # the longest run of bars found in a corpus tune; None: no corpus
    unreadable: str | None = None  # why music21 found no notes


def tune_facts(check, abc2midi, features, skeleton, copy=None, unreadable=None) -> Facts:
    """A tune's Facts from its TuneCheck, abc2midi's (errors, warnings) or None, its
    TuneFeatures (None where music21 cannot read it: `unreadable` says why), its
    skeleton's label (charrnn.music.abc.skeleton) or None, and its Copy (None without a corpus)."""
    facts = Facts(check.errors, [p for p in check.warnings if is_misfit(p)],
                  None if abc2midi is None else abc2midi[0], skeleton,
                  copied=None if copy is None else copy.run, unreadable=unreadable)
    if features is not None:
        facts.mode = features.mode
        facts.final = None if features.ends_on_tonic is None else features.degrees[-1]
        facts.lowest, facts.highest = min(features.pitches), max(features.pitches)
    return facts


@dataclass
class Norms:
    """What the corpus's tunes do, counted: their skeletons, the final degree of each
    mode's tunes, and the lowest and highest notes of each tune."""

    skeletons: Counter = field(default_factory=Counter)
    endings: dict = field(default_factory=dict)  # mode -> Counter of final degrees
    lowest: Counter = field(default_factory=Counter)
    highest: Counter = field(default_factory=Counter)

    @classmethod
    def of(cls, corpus: list[Facts]) -> "Norms":
        norms = cls()
        for facts in corpus:
            norms._count(facts, 1)
        return norms

    def without(self, facts: Facts) -> "Norms":
        """The norms of the rest of the corpus, to judge one of its own tunes."""
        rest = Norms(Counter(self.skeletons), {mode: Counter(c) for mode, c in self.endings.items()},
                     Counter(self.lowest), Counter(self.highest))
        rest._count(facts, -1)
        return rest

    def _count(self, facts: Facts, step: int) -> None:
        if facts.skeleton is not None:
            self.skeletons[facts.skeleton] += step
        if facts.mode is not None and facts.final is not None:
            self.endings.setdefault(facts.mode, Counter())[facts.final] += step
        if facts.lowest is not None:
            self.lowest[facts.lowest] += step
            self.highest[facts.highest] += step

    def compass(self) -> tuple[int, int]:
        """The lowest and highest notes the corpus's tunes reach (MIDI)."""
        return (min(n for n, count in self.lowest.items() if count > 0),
                max(n for n, count in self.highest.items() if count > 0))


# --- the rules --------------------------------------------------------------------------
def plays(facts: Facts) -> Outcome:
    """It plays: neither the grammar nor abc2midi finds an error (a tie to nothing, a
    broken rhythm abc2midi cannot apply, a note it cannot read). Warnings (a text in
    quotes, a hornpipe in C|) do not count: it plays, if not quite as written."""
    errors = facts.errors + (facts.abc2midi or [])
    if errors:
        source = "abc2midi: " if not facts.errors else ""
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return Outcome("plays", False, f"{source}{errors[0]}{more}")
    if facts.abc2midi is None:
        return Outcome("plays", None, "abc2midi is not installed (apt-get install abcmidi)")
    return Outcome("plays", True)


def bars_full(facts: Facts) -> Outcome:
    """Every bar holds the meter's length, but for a pickup and the bar that completes it
    (the grammar's bar count, as abc2midi plays the repeats)."""
    if facts.misfits:
        more = f" (and {len(facts.misfits) - 1} more)" if len(facts.misfits) > 1 else ""
        return Outcome("bars", False, facts.misfits[0] + more)
    return Outcome("bars", True)


def known_skeleton(facts: Facts, norms: Norms | None) -> Outcome:
    """Its skeleton (parts, bars per part: `AABB 8+8`) is one some corpus tune has."""
    if norms is None:
        return Outcome("skeleton", None, "no corpus to compare with")
    if facts.skeleton is None:
        return Outcome("skeleton", False, "no skeleton: no bars under a meter")
    if norms.skeletons[facts.skeleton] <= 0:
        return Outcome("skeleton", False, f"no corpus tune is {facts.skeleton}")
    return Outcome("skeleton", True)


def ends_as_corpus(facts: Facts, norms: Norms | None) -> Outcome:
    """Its last note is a degree that at least ENDING_SHARE of the corpus's tunes in its
    mode end on (the tonic, mostly)."""
    if norms is None:
        return Outcome("ending", None, "no corpus to compare with")
    if facts.mode is None or facts.final is None:
        return Outcome("ending", False, facts.unreadable or "no key, so no tonic to end on")
    endings = norms.endings.get(facts.mode, Counter())
    total = sum(endings.values())
    if total <= 0:
        return Outcome("ending", False, f"no corpus tune is in {facts.mode}")
    share = endings[facts.final] / total
    if share < ENDING_SHARE:
        said = f"{share:.0%}" if share >= 0.01 else "under 1%" if share else "none"
        return Outcome("ending", False, f"ends on degree {DEGREES[facts.final]}, as {said} of "
                                        f"the corpus's {total} {facts.mode} tunes do")
    return Outcome("ending", True)


def range_within(facts: Facts, norms: Norms | None) -> Outcome:
    """Its lowest and highest notes lie within those the corpus's tunes reach."""
    if norms is None:
        return Outcome("range", None, "no corpus to compare with")
    if facts.lowest is None:
        return Outcome("range", False, facts.unreadable or "no notes")
    low, high = norms.compass()
    if facts.lowest < low or facts.highest > high:
        return Outcome("range", False, f"notes {_name(facts.lowest)} to {_name(facts.highest)}, "
                                       f"the corpus's {_name(low)} to {_name(high)}")
    return Outcome("range", True)


def not_a_copy(facts: Facts, norms: Norms | None) -> Outcome:
    """It copies no run of COPIED_BARS bars (a phrase) from a corpus tune (novelty); a tune
    with no notes music21 can read copies none."""
    if norms is None:
        return Outcome("copy", None, "no corpus to compare with")
    if facts.copied is not None and facts.copied >= COPIED_BARS:
        return Outcome("copy", False, f"copies {facts.copied} bars in a row from a corpus tune")
    return Outcome("copy", True)


def _name(midi: int) -> str:
    """A MIDI note's name in scientific pitch: 62 is D4."""
    return f"{('C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B')[midi % 12]}{midi // 12 - 1}"


# --- the verdict ------------------------------------------------------------------------
@dataclass
class Verdict:
    """A tune's outcome on every rule, in the order of RULES."""

    outcomes: list[Outcome]

    @property
    def passed(self) -> bool | None:
        """True when every rule passed; False when one failed; None when none failed but
        some could not be judged."""
        found = [outcome.passed for outcome in self.outcomes]
        return False if False in found else None if None in found else True

    def outcome(self, rule: str) -> Outcome:
        return next(outcome for outcome in self.outcomes if outcome.rule == rule)

    @property
    def failures(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.passed is False]

    @property
    def unjudged(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.passed is None]

    def summary(self) -> str:
        """`pass`, `fail: bars, ending` (the rules failed), or `pass?` where a rule could not
        be judged."""
        if self.failures:
            return "fail: " + ", ".join(o.rule for o in self.failures)
        return "pass" if self.passed else "pass?"

    def to_dict(self) -> dict:
        return {"passed": self.passed, "outcomes": [o.to_dict() for o in self.outcomes]}


def judge(facts: Facts, norms: Norms | None) -> Verdict:
    """A tune's verdict on every rule, against the corpus's norms (None: no corpus)."""
    return Verdict([plays(facts), bars_full(facts), known_skeleton(facts, norms),
                    ends_as_corpus(facts, norms), range_within(facts, norms), not_a_copy(facts, norms)])


def judge_corpus(corpus: dict[int, Facts], norms: Norms) -> list[Verdict]:
    """The verdicts on corpus tunes (index -> Facts), each against the rest of the corpus."""
    return [judge(facts, norms.without(facts)) for _, facts in sorted(corpus.items())]


@dataclass
class Tally:
    """A set's verdicts counted: how many pass, how many fail and how many fail each rule
    (a tune failing two rules counts in both), how many failed none but could not be judged
    on all, and why those rules could not be judged."""

    tunes: int
    passed: int
    failed: int
    fails: Counter  # rule -> tunes failing it, in the order of RULES
    open: int
    unjudged: dict  # rule -> why it could not be judged

    def phrase(self) -> str:
        """`7 pass (3 fail: 2 end as the corpus does not, 1 misfit bars)`."""
        text = f"{self.passed} pass"
        if self.failed:
            reasons = ", ".join(f"{count} {RULES[rule]}" for rule, count in self.fails.items())
            text += f" ({self.failed} fail: {reasons})"
        if self.unjudged:
            rules = "; ".join(f"{RULE_TITLES[rule]} ({why})" for rule, why in self.unjudged.items())
            text += f"; not judged: {rules}"
        return text

    def to_dict(self) -> dict:
        return {"tunes": self.tunes, "passed": self.passed, "failed": self.failed,
                "fails": dict(self.fails), "not_judged": self.unjudged}


def tally(verdicts: list[Verdict]) -> Tally:
    fails = Counter(o.rule for verdict in verdicts for o in verdict.failures)
    unjudged = {}
    for outcome in (o for verdict in verdicts for o in verdict.unjudged):
        unjudged.setdefault(outcome.rule, outcome.reason)
    found = [verdict.passed for verdict in verdicts]
    return Tally(len(verdicts), found.count(True), found.count(False),
                 Counter({rule: fails[rule] for rule in RULES if fails[rule]}), found.count(None),
                 unjudged)
