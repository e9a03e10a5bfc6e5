"""How many CPU threads torch uses (`--threads N|auto`): the counts worth trying on this
machine, a trial that times real steps at each and keeps the fastest, a watch on the step
rate that says when to try again, and the rule for work that is not trained (sampling,
scoring).

Why measure: a step of a character RNN is hundreds of small matrix products, and each
one ends in a barrier where every thread waits for the slowest. On an idle machine a
second thread helps a little; when another program holds a core, the scheduler sets one
of torch's threads aside for a time slice at every barrier, and a step takes 30 times as
long (benchmarks/RESULTS.md). Which count wins depends on the machine as it is, so `auto`
times them. The count changes the order of floating-point sums, so only a fixed --threads
makes a run repeatable bit for bit.
"""

import contextlib
import math
import os
import statistics
from dataclasses import dataclass, field

import torch


TRIAL_STEPS = 3  # timed steps per count
PEEKS = 3  # short forward passes per count before the trial (the least one counts)
SLOW = 2.0  # a step this many times the probe's is slow
SUSTAINED_STEPS = 3  # the steps, most of them slow, and the seconds, that make a
SUSTAINED_SECONDS = 10.0  # stretch rather than one slow step
RECHECK_SECONDS = 180.0  # at most one new trial this often
# Sampling and scoring: below this many streams one thread, else every core. One stream's
# step is a few small matrix-vector products: a second thread gained nothing on an idle
# machine and collapsed beside another job (2,600 characters a second on one thread, 26
# on two); a wide batch's products are large enough to share.
SMALL_BATCH = 16


def cores():
    """The cores this process may run on (its CPU affinity where the platform has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def candidates(available=None):
    """The counts worth timing: 1, then doubling, then every core: 1, 2, 4, 6 for six."""
    available = available or cores()
    counts, count = [], 1
    while count < available:
        counts.append(count)
        count *= 2
    return counts + [available]


def use(count):
    """Let torch's CPU kernels run on `count` threads."""
    if torch.get_num_threads() != count:
        torch.set_num_threads(count)


@contextlib.contextmanager
def kept():
    """Whatever a block sets, torch's thread count is as before after it."""
    previous = torch.get_num_threads()
    try:
        yield
    finally:
        use(previous)


def for_inference(setting, device, streams):
    """The count for sampling or scoring `streams` rows at a time: --threads N, or for
    `auto` (any setting that is not a count) the SMALL_BATCH rule; None on a GPU, where
    the CPU only feeds it."""
    if device.type != "cpu":
        return None
    if isinstance(setting, int):
        return setting
    return 1 if streams < SMALL_BATCH else cores()


@contextlib.contextmanager
def inference(setting, device, streams):
    """Run a block of sampling or scoring on the count for_inference gives."""
    count = for_inference(setting, device, streams)
    with kept():
        if count:
            use(count)
        yield


def peek(forward, counts, clock):
    """Seconds of `forward` (a slice of a real step, a few milliseconds) at each count, the
    least of PEEKS, by `clock`. A count that collapses beside other work does so here
    too, in a fraction of a second, rather than in a whole step of many seconds; it is
    left after one peek SLOW times the fastest so far (were that chance, the next look
    a few minutes on, Watch's "fewer", would find it)."""
    seconds = {}
    for count in counts:
        use(count)
        for _ in range(PEEKS):
            start = clock()
            forward()
            seconds[count] = min(seconds.get(count, math.inf), clock() - start)
            if seconds[count] > SLOW * min(seconds.values()):
                break
    return seconds


def worth_a_trial(peeks):
    """The counts whose peek came within SLOW of the fastest one's, in order."""
    fastest = min(peeks.values())
    return [count for count, seconds in peeks.items() if seconds <= SLOW * fastest]


@dataclass
class Trial:
    """Times TRIAL_STEPS steps at each count, in order, and keeps the fastest. A count
    whose steps so far already took longer than the best count's whole trial cannot win
    and is left at once, so a collapsed count costs one step, not three."""

    counts: list
    peeks: dict = field(default_factory=dict)  # count -> seconds of its peek, if peeked
    times: dict = field(default_factory=dict)  # count -> its steps' seconds
    index: int = 0

    @classmethod
    def after(cls, peeks):
        """A trial of the counts worth one (worth_a_trial)."""
        return cls(worth_a_trial(peeks), peeks)

    @property
    def count(self):
        """The count to time next, or None when the trial is over."""
        return self.counts[self.index] if self.index < len(self.counts) else None

    def add(self, seconds):
        steps = self.times.setdefault(self.count, [])
        steps.append(seconds)
        best = self.best()
        lost = best != self.count and sum(steps) > sum(self.times[best])
        if len(steps) >= TRIAL_STEPS or lost:
            self.index += 1

    def rate(self, count):
        """Steps a second at `count`."""
        return len(self.times[count]) / max(sum(self.times[count]), 1e-9)

    def best(self):
        return max(self.times, key=self.rate)

    def seconds_per_step(self):
        """The kept count's seconds a step: each of its timed steps."""
        return self.times[self.best()]

    def describe(self):
        """'threads: 1 of 2 cores (steps/s: 1 thread 4.1, 2 threads 0.2; ...)'."""
        best, most = self.best(), max(self.times)
        rates = ", ".join(f"{in_words(c)} {self.rate(c):.3g}" for c in sorted(self.times))
        left = [c for c in self.peeks if c not in self.times]
        if left:
            rates += "; " + ", ".join(f"{in_words(c)} {self.peeks[c] / self.peeks[best]:.0f}x "
                                      "as slow on a slice of a step" for c in left)
        slow = left or (best < most and self.rate(most) < self.rate(best) / SLOW)
        why = "; more threads wait at every step for cores other programs hold" if slow else ""
        return f"threads: {best} of {cores()} cores (steps/s: {rates}{why})"


@dataclass
class Watch:
    """Watches each step's seconds against the trial's. A new trial is due, at most every
    RECHECK_SECONDS, when the steps slowed: over the last stretch of at least
    SUSTAINED_STEPS steps and SUSTAINED_SECONDS the median step took SLOW times the trial's
    (one slow step, a checkpoint or a hiccup, does not move a median). Where the trial
    kept fewer threads than it could, one is also due every RECHECK_SECONDS: the machine
    may be quiet again, which a step rate that barely rises would not show (the peeks make
    such a trial cost little)."""

    expected: float  # seconds a step, as the trial measured
    since: float  # when the trial ended, by the trainer's clock
    fewer: bool = False  # the trial kept fewer threads than the most it tried
    recent: list = field(default_factory=list)

    def add(self, seconds):
        self.recent.append(seconds)
        while len(self.recent) > SUSTAINED_STEPS and sum(self.recent[1:]) >= SUSTAINED_SECONDS:
            self.recent.pop(0)

    def due(self, now):
        """Why a new trial is due ("slowed" or "fewer"), or None."""
        if now - self.since < RECHECK_SECONDS:
            return None
        if self.slowed():
            return "slowed"
        return "fewer" if self.fewer else None

    def slowed(self):
        stretch = len(self.recent) >= SUSTAINED_STEPS and sum(self.recent) >= SUSTAINED_SECONDS
        return stretch and statistics.median(self.recent) > SLOW * self.expected

    def rate(self):
        """Steps a second, at the recent stretch's median step."""
        return 1 / max(statistics.median(self.recent), 1e-9)


def in_words(count):
    """1 thread, 2 threads."""
    return f"{count} thread{'s' if count > 1 else ''}"
