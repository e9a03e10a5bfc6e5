"""Training in two processes (DDP, gloo over loopback) against one process with the same batch.

The ranks are forked from the test process, with the environment torchrun would give them,
and call charrnn.train.distributed.train as `charrnn train` does under torchrun. Forking skips a
fresh `import torch` per rank, which keeps these tests to seconds.
"""

import json
import multiprocessing
import os
import signal
import socket
import time

import pytest
import torch

from charrnn.train import distributed
from charrnn.run import rundir
from charrnn.errors import UserError
from charrnn.train.training import Trainer
from conftest import tiny_config

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not torch.distributed.is_available() or "fork" not in multiprocessing.get_all_start_methods(),
    reason="needs torch.distributed and fork")]

RUN_FILES = ["best.pt", "config.toml", "last.pt", "metrics.jsonl"]
TIMEOUT = 120  # seconds for a launch: generous, for a loaded machine


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rank_main(rank, world_size, port, config, run_dir, resume, results):
    """One rank, as torchrun would start it: the environment, then what `charrnn train` calls."""
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world_size),
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    try:
        payload = rundir.load(run_dir, "last") if resume else None
        outcome = distributed.train(config, run_dir, payload)
        results.put((rank, outcome and (outcome.step, outcome.reason)))
    except UserError as error:
        results.put((rank, f"UserError: {error}"))


def launch(config, run_dir, resume=False, world_size=2, while_running=None, timeout=TIMEOUT):
    """Run world_size ranks to the end; {rank: (step, reason) or None or an error line}."""
    context = multiprocessing.get_context("fork")
    results, port = context.Queue(), free_port()
    ranks = [context.Process(target=rank_main, args=(rank, world_size, port, config, run_dir,
                                                      resume, results))
             for rank in range(world_size)]
    for process in ranks:
        process.start()
    if while_running:
        while_running(ranks)
    deadline = time.monotonic() + timeout
    for process in ranks:
        process.join(max(deadline - time.monotonic(), 0.1))
    hung = [rank for rank, process in enumerate(ranks) if process.is_alive()]
    for rank in hung:
        ranks[rank].kill()
    assert not hung, f"ranks {hung} hung (a collective the others never joined?)"
    assert [p.exitcode for p in ranks] == [0] * world_size
    return dict(results.get(timeout=5) for _ in ranks)


def metrics(run_dir):
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def settings(corpus, **overrides):
    return tiny_config(corpus, **{"eval_every": 1, **overrides})


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_two_processes_train_like_one_and_resume(tmp_path, corpus_file, kind):
    """K steps in two processes, then K more resumed in two processes, equal K + K steps in
    one process with the same global batch: the loss at every step and the final weights.
    The resumed half would differ if the carried hidden state lost any rank's rows."""
    steps = 6
    Trainer(settings(corpus_file, model=kind, max_steps=2 * steps), tmp_path / "one").run()
    two = tmp_path / "two"
    first = launch(settings(corpus_file, model=kind, max_steps=steps), two)
    second = launch(settings(corpus_file, model=kind, max_steps=2 * steps), two, resume=True)

    assert first == {0: (steps, "max_steps"), 1: None}
    assert second == {0: (2 * steps, "max_steps"), 1: None}
    assert sorted(p.name for p in two.iterdir()) == RUN_FILES  # rank 1 wrote nothing...
    one_metrics, two_metrics = metrics(tmp_path / "one"), metrics(two)
    assert len(two_metrics) == 2 * steps  # ...and appended no second copy of the metrics
    for a, b in zip(one_metrics, two_metrics, strict=True):
        assert a["step"] == b["step"]
        for key in ("train_loss", "val_loss", "val_accuracy", "lr"):
            assert b[key] == pytest.approx(a[key], rel=1e-5, abs=1e-7), (a["step"], key)

    one_last = rundir.load(tmp_path / "one", "last")
    two_last = rundir.load(two, "last")
    for name, tensor in one_last["model"].items():
        torch.testing.assert_close(two_last["model"][name], tensor, rtol=1e-4, atol=1e-5)
    hidden = two_last["hidden"] if kind == "gru" else two_last["hidden"][0]
    assert hidden.shape[1] == 4  # the whole batch's rows, gathered from both ranks


@pytest.mark.parametrize("signalled", [0, 1])
def test_ctrl_c_on_one_rank_stops_every_rank_at_the_same_step(tmp_path, corpus_file, signalled):
    run_dir = tmp_path / "run"

    def interrupt_once_training(ranks):
        """SIGINT once the first evaluation is logged: the ranks are training, their signal
        handlers in place, however long a loaded machine took to get there."""
        deadline = time.monotonic() + TIMEOUT
        while not (run_dir / "metrics.jsonl").exists():
            assert all(p.is_alive() for p in ranks), "a rank ended before training"
            assert time.monotonic() < deadline, "no evaluation logged"
            time.sleep(0.05)
        os.kill(ranks[signalled].pid, signal.SIGINT)

    config = settings(corpus_file, max_steps=10**6, eval_every=5)
    outcome = launch(config, run_dir, while_running=interrupt_once_training)
    step, reason = outcome[0]
    assert reason == "interrupted" and 5 <= step < 10**6 and outcome[1] is None
    assert rundir.load(run_dir, "last")["progress"]["step"] == step


def test_time_limit_is_agreed(tmp_path, corpus_file):
    """Each rank's own clock passes --max-time at a slightly different step; they must still
    stop together."""
    outcome = launch(settings(corpus_file, max_steps=0, max_time="1s", eval_every=50),
                     tmp_path / "run")
    assert outcome[0][1] == "max_time" and outcome[1] is None


def test_batch_must_divide_among_the_processes(tmp_path, corpus_file):
    outcome = launch(settings(corpus_file, batch_size=3), tmp_path / "run")
    assert all("does not divide among 2 processes" in message for message in outcome.values())
