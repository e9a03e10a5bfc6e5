import json
import math
import os
import random
import signal

import pytest
import torch

from charrnn.run import rundir
from charrnn.errors import UserError
from charrnn.run.config import TrainConfig
from charrnn.train.checkpoints import periodic_due
from charrnn.train.evaluation import evaluate
from charrnn.train.training import Trainer
from conftest import stop_at, tiny_config


def metrics(run_dir):
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_loss_falls_to_near_zero_on_a_repetitive_corpus(tmp_path, kind):
    corpus = tmp_path / "abc.txt"
    corpus.write_text("abcdefgh" * 300, encoding="utf-8")
    config = tiny_config(corpus, model=kind, max_steps=150, eval_every=50, lr=2e-2)
    trainer = Trainer(config, tmp_path / "run")
    untrained = evaluate(trainer.model, trainer.val_stream, trainer.device)["loss"]
    outcome = trainer.run()
    assert untrained > 1.5  # about ln(8), a guess among eight characters
    assert outcome.last_eval["val_loss"] < 0.05 and outcome.last_eval["val_accuracy"] > 0.99


def test_run_directory_contents(tmp_path, corpus_file):
    Trainer(tiny_config(corpus_file), tmp_path / "run").run()
    names = sorted(p.name for p in (tmp_path / "run").iterdir())
    assert names == ["best.pt", "config.toml", "last.pt", "metrics.jsonl"]
    record = metrics(tmp_path / "run")[0]
    assert {"step", "train_loss", "val_loss", "val_bpc", "val_accuracy", "lr"} <= set(record)
    assert record["val_bpc"] == pytest.approx(record["val_loss"] / 0.6931471805599453)


@pytest.mark.parametrize("kind, dropout", [("lstm", 0.3), ("gru", 0.0)])
def test_resume_is_exact(tmp_path, corpus_file, kind, dropout):
    """N steps straight == N/2 steps, interrupt, resume for N/2: bitwise equal weights and
    metrics (data order, carried state, dropout RNG, optimizer and schedule state)."""
    def config():
        return tiny_config(corpus_file, model=kind, layers=2, dropout=dropout, max_steps=40,
                           eval_every=10, schedule="cosine", optimizer="adamw", warmup_steps=5)

    Trainer(config(), tmp_path / "straight").run()
    first = stop_at(Trainer(config(), tmp_path / "halves"), 15)  # mid-epoch, between evaluations
    assert first.run().reason == "interrupted"
    payload = rundir.load(tmp_path / "halves", "last")
    assert payload["progress"]["step"] == 15
    Trainer(config(), tmp_path / "halves", resume=payload).run()

    straight = rundir.load(tmp_path / "straight", "last")
    resumed = rundir.load(tmp_path / "halves", "last")
    for name, tensor in straight["model"].items():
        assert torch.equal(tensor, resumed["model"][name]), name
    scheduled = [m for m in metrics(tmp_path / "halves") if m["scheduled"]]
    for a, b in zip(metrics(tmp_path / "straight"), scheduled, strict=True):
        a.pop("elapsed"), b.pop("elapsed")
        assert a == b


def test_early_stopping(tmp_path, corpus_file):
    config = tiny_config(corpus_file, max_steps=1000, eval_every=5, patience=2, lr=5.0,
                         optimizer="sgd", clip=0.0)
    outcome = Trainer(config, tmp_path / "run").run()
    assert outcome.reason == "patience" and outcome.step < 1000


def test_the_defaults_stop_a_run_that_overfits_and_keep_its_best_checkpoint(tmp_path):
    """Random letters: all the model can learn of the training text is that text itself,
    so validation gets worse as it memorises. The defaults (evaluation twice an epoch, the
    plateau schedule, patience) lower the rate, then stop; no step limit is needed."""
    corpus = tmp_path / "random.txt"
    corpus.write_text("".join(random.Random(0).choices("abcdefghijklmnopqrst", k=4000)))
    trainer = Trainer(tiny_config(corpus, hidden=64, max_steps="auto", eval_every="auto"),
                      tmp_path / "run")
    outcome, config = trainer.run(), trainer.config
    logged = metrics(tmp_path / "run")
    assert outcome.reason == "patience"
    assert config.train.schedule == "plateau"
    assert config.train.eval_every == math.ceil(trainer.train_stream.batches_per_epoch / 2)
    best = rundir.load(tmp_path / "run", "best")["progress"]
    assert best["step"] == outcome.best_step < outcome.step
    assert best["best_val"] == min(r["val_loss"] for r in logged) < logged[-1]["val_loss"]
    assert min(r["lr"] for r in logged) < config.train.lr  # lowered before it gave up


@pytest.mark.parametrize("interrupted", [False, True])
def test_a_run_that_ends_between_evaluations_keeps_its_final_model_if_best(tmp_path, corpus_file,
                                                                           interrupted):
    """Validation still falling at step 25, past the evaluation at step 20: a run ended by
    --max-steps, or by Ctrl-C there, keeps step 25 as best.pt."""
    trainer = Trainer(tiny_config(corpus_file, max_steps=25, eval_every=10, schedule="constant"),
                      tmp_path / "run")
    outcome = (stop_at(trainer, 25) if interrupted else trainer).run()
    logged = {r["step"]: r["val_loss"] for r in metrics(tmp_path / "run")}
    assert logged[25] < logged[20] < logged[10]
    best = rundir.load(tmp_path / "run", "best")["progress"]
    assert best["step"] == outcome.best_step == 25 and best["best_val"] == logged[25]
    assert rundir.load(tmp_path / "run", "last")["progress"]["best_val"] == logged[25]


def test_ctrl_c_after_an_improved_evaluation_keeps_that_model_in_best_pt(tmp_path, corpus_file):
    """A real SIGINT, sent as step 25 ends: the run stops there, evaluates on its way out,
    and that evaluation, the best so far, is best.pt; patience still counts only the
    scheduled evaluations, so a resumed run goes on as one never stopped."""
    trainer = Trainer(tiny_config(corpus_file, max_steps=1000, eval_every=10, schedule="constant"),
                      tmp_path / "run")
    step = trainer.train_step

    def interrupt_at_25():
        loss = step()
        if trainer.progress.step == 25:
            os.kill(os.getpid(), signal.SIGINT)
        return loss

    trainer.train_step = interrupt_at_25
    outcome = trainer.run()
    logged = {r["step"]: r["val_loss"] for r in metrics(tmp_path / "run")}
    assert outcome.reason == "interrupted" and outcome.step == 25 and logged[25] < logged[20]
    best = rundir.load(tmp_path / "run", "best")
    assert best["progress"]["step"] == 25 and best["progress"]["best_val"] == logged[25]
    last = rundir.load(tmp_path / "run", "last")
    assert all(torch.equal(best["model"][k], v) for k, v in last["model"].items())
    assert last["progress"]["scheduled_best"] == logged[20]


def test_max_epochs(tmp_path, corpus_file):
    config = tiny_config(corpus_file, max_steps=0, max_epochs=2)
    outcome = Trainer(config, tmp_path / "run").run()
    assert outcome.reason == "max_epochs" and outcome.epoch == 2


def test_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path, corpus_file, monkeypatch):
    config = tiny_config(corpus_file, max_steps=40, eval_every=5)
    trainer = Trainer(config, tmp_path / "run")
    original = trainer.model.forward

    def poisoned(tokens, state=None):
        logits, state = original(tokens, state)
        return (logits * float("nan") if trainer.progress.step >= 12 else logits), state

    monkeypatch.setattr(trainer.model, "forward", poisoned)
    with pytest.raises(UserError, match="NaN or infinite"):
        trainer.run()
    good = rundir.load(tmp_path / "run", "last")
    assert good["progress"]["step"] == 10
    assert all(torch.isfinite(t).all() for t in good["model"].values())


@pytest.mark.parametrize("save_every, save_minutes, step, seconds, due", [
    (0, 0, 10, 10**6, False), (5, 0, 10, 0, True), (5, 0, 11, 10**6, False),
    (0, 2, 11, 119, False), (0, 2, 11, 120, True), (5, 2, 11, 120, True)])
def test_periodic_checkpoints_come_every_so_many_steps_or_minutes(save_every, save_minutes, step,
                                                                  seconds, due):
    train = TrainConfig(save_every=save_every, save_minutes=save_minutes)
    assert periodic_due(train, step, seconds) is due
