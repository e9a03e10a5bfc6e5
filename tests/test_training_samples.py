"""Samples as training goes (--sample-every, charrnn.train.training_samples): written at the
right steps, continued by a resumed run with none lost and none twice, and drawn without
disturbing the run (its weights are those of a run that never sampled)."""

import json

import pytest
import torch

from charrnn.run import rundir
from charrnn.train import training_samples
from charrnn.train.training import Trainer
from conftest import stop_at, tiny_config


def config(corpus, **overrides):
    # dropout and two layers: a model left in evaluation mode, or a draw from the run's own
    # generator, would change the weights that follow.
    return tiny_config(corpus, **{"sample_every": 6, "max_steps": 30, "eval_every": 10,
                                  "layers": 2, "dropout": 0.3, **overrides})


def samples(run):
    return [json.loads(line) for line in (run / rundir.SAMPLES).read_text().splitlines()]


def test_samples_are_written_at_every_nth_step_at_each_temperature(tmp_path, corpus_file):
    Trainer(config(corpus_file), tmp_path / "run").run()
    records = samples(tmp_path / "run")
    assert [r["step"] for r in records] == [6, 12, 18, 24, 30]
    for record in records:
        drawn = record["samples"]
        assert [s["temperature"] for s in drawn] == list(training_samples.TEMPERATURES)
        assert all(len(s["text"]) == training_samples.LENGTH for s in drawn)
    assert records[-1]["samples"][0]["text"] != records[0]["samples"][0]["text"]  # it learned


def test_sampling_leaves_the_run_as_it_would_be_without(tmp_path, corpus_file):
    Trainer(config(corpus_file), tmp_path / "sampled").run()
    Trainer(config(corpus_file, sample_every=0), tmp_path / "plain").run()
    sampled, plain = (rundir.load(tmp_path / name, "last")["model"] for name in ("sampled", "plain"))
    for name, tensor in plain.items():
        assert torch.equal(tensor, sampled[name]), name
    assert not (tmp_path / "plain" / rundir.SAMPLES).exists()


@pytest.mark.parametrize("stopped_at, logged_after", [(15, False), (12, False), (14, True)])
def test_a_resumed_run_continues_the_samples(tmp_path, corpus_file, stopped_at, logged_after):
    """Stopped at a step (at a sample's own step, or between two), and with a sample
    logged after the last checkpoint, as a run killed before its next save leaves it:
    the resumed run's samples are the straight run's, each step once."""
    Trainer(config(corpus_file), tmp_path / "straight").run()
    run = tmp_path / "halves"
    assert stop_at(Trainer(config(corpus_file), run), stopped_at).run().reason == "interrupted"
    if logged_after:
        with (run / rundir.SAMPLES).open("a", encoding="utf-8") as log:
            log.write(json.dumps({"step": 18, "prime": "", "samples": []}) + "\n")
    config_, payload = rundir.RunDir(run).resumed_config({})
    Trainer(config_, run, resume=payload).run()
    assert samples(run) == samples(tmp_path / "straight")
