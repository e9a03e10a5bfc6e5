"""charrnn.model.threads: the counts tried, the trial that keeps the fastest, the watch that says
when to try again, and the rule for sampling and scoring; fake step times, no real timing."""

import pytest
import torch

from charrnn.model import threads
from charrnn.run.config import AUTO

CPU, GPU = torch.device("cpu"), torch.device("meta")  # meta: any device that is not the CPU


@pytest.mark.parametrize("cores, counts", [
    (1, [1]), (2, [1, 2]), (3, [1, 2, 3]), (6, [1, 2, 4, 6]), (16, [1, 2, 4, 8, 16])])
def test_the_counts_tried_are_one_doubling_and_every_core(cores, counts):
    assert threads.candidates(cores) == counts


def test_the_cores_are_those_this_process_may_run_on():
    import os

    if hasattr(os, "sched_getaffinity"):
        assert threads.cores() == len(os.sched_getaffinity(0))
    assert 1 <= threads.cores() <= (os.cpu_count() or 1)


def run_trial(counts, seconds_at):
    """A Trial fed `seconds_at(count, step_of_that_count)`; the counts timed, in order."""
    trial, tried = threads.Trial(counts), []
    while trial.count is not None:
        tried.append(trial.count)
        trial.add(seconds_at(trial.count, tried.count(trial.count)))
    return trial, tried


@pytest.mark.parametrize("step_seconds, best", [
    ({1: 0.25, 2: 5.0}, 1),  # beside another program: two threads collapse
    ({1: 0.25, 2: 0.2}, 2),  # a quiet machine: two are a little faster
    ({1: 0.3, 2: 0.2, 4: 0.25}, 2),
    ({1: 0.2, 2: 0.2001, 4: 9.0}, 1),  # a tie goes to the fewer
])
def test_the_trial_keeps_the_fastest_count_never_a_slow_one(step_seconds, best):
    trial, _ = run_trial(list(step_seconds), lambda count, _: step_seconds[count])
    assert trial.best() == best
    assert all(trial.rate(best) >= trial.rate(c) for c in trial.times)
    assert trial.seconds_per_step() == [step_seconds[best]] * threads.TRIAL_STEPS


def test_a_count_that_cannot_win_is_left_after_one_step():
    _, tried = run_trial([1, 2, 4], lambda count, _: {1: 0.25, 2: 5.0, 4: 0.1}[count])
    assert tried == [1] * threads.TRIAL_STEPS + [2] + [4] * threads.TRIAL_STEPS


def test_one_slow_step_in_a_trial_is_not_the_counts_rate():
    # Two threads' first step is slow (a checkpoint, a hiccup), and they still win on the rest.
    times = {1: [0.3, 0.3, 0.3], 2: [0.5, 0.1, 0.1]}
    trial, _ = run_trial([1, 2], lambda count, n: times[count][n - 1])
    assert trial.best() == 2


def test_the_line_says_the_choice_and_why(monkeypatch):
    monkeypatch.setattr(threads, "cores", lambda: 2)
    trial, _ = run_trial([1, 2], lambda count, _: {1: 0.25, 2: 5.0}[count])
    line = trial.describe()
    assert line.startswith("threads: 1 of 2 cores (steps/s: 1 thread 4, 2 threads 0.2")
    assert "other programs" in line
    quiet, _ = run_trial([1, 2], lambda count, _: {1: 0.25, 2: 0.2}[count])
    assert quiet.describe() == "threads: 2 of 2 cores (steps/s: 1 thread 4, 2 threads 5)"


def watch_after(step_seconds, expected=0.25, now=1000.0):
    watch = threads.Watch(expected=expected, since=0.0)
    for seconds in step_seconds:
        watch.add(seconds)
    return watch.due(now)


def test_a_sustained_drop_calls_for_a_new_trial():
    assert watch_after([0.25] * 40 + [4.0] * 3)
    assert watch_after([0.25] * 40 + [0.6] * 20)  # less than half the rate, for 12 s


@pytest.mark.parametrize("step_seconds", [
    [0.25] * 40 + [30.0],  # one slow step, however slow
    [0.25] * 40 + [30.0] + [0.25] * 5,
    [0.25] * 40 + [30.0, 0.25, 30.0, 0.25, 0.25, 0.25],  # two, apart
    [0.25] * 40 + [0.45] * 60,  # slower, but not half the rate
    [0.6] * 10,  # slow, but not yet for SUSTAINED_SECONDS
])
def test_no_new_trial_for_a_slow_step_or_a_small_drop(step_seconds):
    assert not watch_after(step_seconds)


def test_new_trials_come_at_most_every_few_minutes():
    watch = threads.Watch(expected=0.25, since=100.0)
    for seconds in [4.0] * 10:
        watch.add(seconds)
    assert not watch.due(100.0 + threads.RECHECK_SECONDS - 1)
    assert watch.due(100.0 + threads.RECHECK_SECONDS) == "slowed"


@pytest.mark.parametrize("fewer, due", [(True, "fewer"), (False, None)])
def test_fewer_threads_than_tried_are_looked_at_again_every_few_minutes(fewer, due):
    watch = threads.Watch(expected=0.25, since=0.0, fewer=fewer)
    for seconds in [0.25] * 10:
        watch.add(seconds)
    assert watch.due(threads.RECHECK_SECONDS - 1) is None
    assert watch.due(threads.RECHECK_SECONDS) == due


@pytest.mark.parametrize("setting, device, streams, count", [
    (AUTO, CPU, 1, 1), (AUTO, CPU, threads.SMALL_BATCH - 1, 1),
    (AUTO, CPU, threads.SMALL_BATCH, "cores"), (3, CPU, 1, 3), (AUTO, GPU, 1, None),
    (2, GPU, 64, None),
])
def test_sampling_and_scoring_follow_the_rule_or_the_option(setting, device, streams, count):
    expected = threads.cores() if count == "cores" else count
    assert threads.for_inference(setting, device, streams) == expected


def test_the_count_is_as_before_after_a_block():
    before = torch.get_num_threads()
    with threads.inference(2, CPU, 1):
        assert torch.get_num_threads() == 2
    assert torch.get_num_threads() == before


class Ticks:
    """A clock that a fake forward pass moves by its count's seconds."""

    def __init__(self, seconds):
        self.now, self.seconds, self.count = 0.0, seconds, None

    def __call__(self):
        return self.now

    def forward(self):
        self.now += self.seconds[self.count]


def test_a_count_whose_peek_collapses_gets_no_trial_step(monkeypatch):
    ticks = Ticks({1: 0.01, 2: 0.3, 4: 0.012})
    monkeypatch.setattr(threads, "use", lambda count: setattr(ticks, "count", count))
    monkeypatch.setattr(threads, "cores", lambda: 4)
    peeks = threads.peek(ticks.forward, [1, 2, 4], ticks)
    assert peeks == pytest.approx({1: 0.01, 2: 0.3, 4: 0.012})
    trial, tried = run_trial(threads.Trial.after(peeks).counts, lambda count, _: 0.25)
    assert 2 not in tried
    trial = threads.Trial.after(peeks)
    while trial.count is not None:
        trial.add({1: 0.25, 4: 0.3}[trial.count])
    assert trial.describe() == ("threads: 1 of 4 cores (steps/s: 1 thread 4, 4 threads 3.33; "
                                "2 threads 30x as slow on a slice of a step; more threads wait "
                                "at every step for cores other programs hold)")


@pytest.mark.parametrize("peeks, kept", [
    ({1: 0.01, 2: 0.015}, [1, 2]), ({1: 0.01, 2: 0.05}, [1]), ({1: 0.03, 2: 0.01}, [2]),
])
def test_the_counts_worth_a_trial_peek_within_twice_the_fastest(peeks, kept):
    assert threads.worth_a_trial(peeks) == kept


def test_a_count_that_peeks_slow_once_is_peeked_no_more(monkeypatch):
    ticks, calls = Ticks({1: 0.01, 2: 0.3}), []
    monkeypatch.setattr(threads, "use", lambda count: setattr(ticks, "count", count))
    forward = ticks.forward
    monkeypatch.setattr(ticks, "forward", lambda: calls.append(ticks.count) or forward())
    threads.peek(ticks.forward, [1, 2], ticks)
    assert calls == [1] * threads.PEEKS + [2]
