"""End to end through the command line, as a user runs it."""

import json
import random
import re

import pytest
import torch
from click.testing import CliRunner

from charrnn.run import rundir
from charrnn.model import threads
from charrnn.cli import main

TINY = ["--config", "tiny", "--hidden", "16", "--embedding", "8", "--batch-size", "4",
        "--seq-len", "16", "--eval-every", "10", "--no-progress"]


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result


@pytest.fixture
def trained(tmp_path, corpus_file):
    # A constant schedule: a cosine's length (the default with --max-steps) stays on resume.
    result = run("train", "--corpus", corpus_file, "--out", tmp_path / "run", "--max-steps", 20,
                 "--schedule", "constant", *TINY)
    assert result.exit_code == 0, result.output
    return tmp_path / "run"


def steps_logged(run_dir):
    return [json.loads(line)["step"] for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def test_train_sample_twice_with_one_seed_and_resume(trained):
    assert "Stopped at step 30" in run("train", "--resume", trained, "--max-steps", 30, "--no-progress").output
    assert steps_logged(trained) == [10, 20, 30]
    first = run("sample", trained, "--seed", 5, "--length", 80, "--prime", "the ")
    second = run("sample", trained, "--seed", 5, "--length", 80, "--prime", "the ")
    assert first.exit_code == 0 and first.output == second.output
    assert first.output.startswith("the ") and len(first.output) == len("the ") + 80 + 1


def test_sample_to_a_file_with_several_samples(trained, tmp_path):
    out = tmp_path / "samples.txt"
    result = run("sample", trained, "-n", 3, "--length", 30, "--seed", 1, "-o", out, "--top-k", 3)
    assert result.exit_code == 0
    assert len(out.read_text(encoding="utf-8").split("\n\n")) == 3


def test_temperature_table(trained):
    result = run("sample", trained, "--temperature", "0.5,1.0,0", "--seed", 2, "--length", 20)
    labels = [line for line in result.output.splitlines() if line.startswith("--- temperature")]
    assert labels == ["--- temperature 0.5 ---", "--- temperature 1 ---", "--- temperature 0 (greedy) ---"]


def test_greedy_is_temperature_zero(trained):
    greedy = run("sample", trained, "--greedy", "--length", 40, "--prime", "the ")
    assert greedy.exit_code == 0
    assert greedy.stdout == run("sample", trained, "-t", 0, "--length", 40, "--prime", "the ").stdout
    assert run("sample", trained, "-t", "1", "--greedy").stderr == \
        run("sample", trained, "-t", "1.0", "--greedy").stderr != ""


@pytest.mark.parametrize("args", [[], ["--prime", "the c"], ["--stop", "at", "--prime", "mat"]])
def test_a_beam_of_one_prints_what_greedy_prints(trained, args):
    greedy = run("sample", trained, "--greedy", "--length", 60, *args)
    beam = run("sample", trained, "--beam", 1, "--length", 60, *args)
    assert greedy.exit_code == beam.exit_code == 0
    assert beam.stdout == greedy.stdout
    assert beam.stderr.startswith("beam 1: mean log-probability -")


def test_a_beam_writes_its_text_to_a_file(trained, tmp_path):
    out = tmp_path / "beam.txt"
    result = run("sample", trained, "--beam", 4, "--length", 30, "--prime", "the ", "-o", out)
    assert result.exit_code == 0 and result.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert text.startswith("the ") and len(text) == len("the ") + 30


def test_existing_run_is_not_clobbered(trained, corpus_file):
    before = (trained / "last.pt").read_bytes()
    result = run("train", "--corpus", corpus_file, "--out", trained, *TINY)
    assert result.exit_code == 1 and "--resume" in result.output
    assert (trained / "last.pt").read_bytes() == before


def test_dry_run_prints_the_resolved_config(tmp_path, corpus_file):
    result = run("train", "--corpus", corpus_file, "--hidden", 99, "--dry-run", "--out", tmp_path / "x")
    assert "hidden = 99" in result.output and not (tmp_path / "x").exists()


def test_no_corpus_means_the_default_folk_preset():
    result = run("train", "--dry-run")
    assert 'corpus = "music21:oneills1850"' in result.output


def test_config_written_beside_the_run_is_reusable(trained, tmp_path, corpus_file):
    result = run("train", "--config", trained / "config.toml", "--dry-run")
    assert f'corpus = "{corpus_file}"' in result.output and "hidden = 16" in result.output


def test_help_lists_the_commands_with_examples():
    result = run("--help")
    for command in ("train", "sample", "corpus", "abc-check"):
        assert command in result.output
    assert "Examples" in run("train", "--help").output and "Examples" in run("sample", "--help").output


@pytest.mark.slow
def test_abc_sampling_writes_numbered_tunes(tmp_path):
    tunes = "".join(f"X:{i}\nT:Tune {i}\nM:2/4\nL:1/8\nK:D\n|:DEFG|ABcd:|\n\n" for i in range(60))
    (tmp_path / "tunes.abc").write_text(tunes, encoding="utf-8")
    trained = run("train", "--corpus", tmp_path / "tunes.abc", "--out", tmp_path / "run",
                  "--max-steps", 150, "--lr", 0.02, "--val-fraction", 0.1, *TINY[:-3], "--no-progress")
    assert trained.exit_code == 0, trained.output
    result = run("sample", tmp_path / "run", "--abc", "-n", 3, "--seed", 1, "-t", 0.5,
                 "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "out").iterdir() if p.suffix == ".abc")
    assert written == ["tune-01.abc", "tune-02.abc", "tune-03.abc"]
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert page.count('<article class="tune"') == 3 and f"against <code>{tmp_path / 'tunes.abc'}</code>" in page
    for number, name in enumerate(written, 1):
        tune = (tmp_path / "out" / name).read_text(encoding="utf-8")
        assert tune.startswith(f"X:{number}\n") and "K:" in tune and "\n\n" not in tune
    assert "3 tunes made" in result.output
    alone = run("sample", tmp_path / "run", "--abc", "-n", 2, "--seed", 1, "--out", tmp_path / "alone",
                "--no-page")
    assert alone.exit_code == 0, alone.output
    assert sorted(p.name for p in (tmp_path / "alone").iterdir()) == ["tune-01.abc", "tune-02.abc",
                                                                      "tunes.json"]


def test_train_on_a_corpus_alone_stops_by_itself_and_keeps_the_best(tmp_path):
    """No limit given: the defaults stop the run when validation stops improving (random
    letters, which a model can only memorise) and say where the best model is."""
    corpus = tmp_path / "theirs.txt"
    corpus.write_text("".join(random.Random(0).choices("abcdefghijklmnopqrst", k=4000)))
    result = run("train", "--corpus", corpus, "--out", tmp_path / "run", "--layers", 1,
                 "--hidden", 64, "--embedding", 8, "--batch-size", 4, "--seq-len", 16, "--no-progress")
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    if threads.cores() > 1:  # --threads auto says what it chose first
        assert lines.pop(0).startswith("threads: ")
    assert re.match(r"Stopped at step \d+ \(epoch \d+\): validation stopped improving, ", lines[0])
    best = rundir.load(tmp_path / "run", "best")["progress"]
    assert lines[1] == (f"Best validation loss {best['best_val']:.4f} nats at step {best['step']}, "
                        "kept as best.pt (what sample, eval and info read).")


@pytest.mark.parametrize("threads", ["1", "auto"])
@pytest.mark.parametrize("command", ["train", "sample", "beam", "eval", "experiment"])
def test_every_command_that_runs_the_model_takes_threads(trained, tmp_path, corpus_file, command,
                                                         threads):
    args = {"train": ["train", "--corpus", corpus_file, "--out", tmp_path / "t", "--max-steps", 4,
                      *TINY],
            "sample": ["sample", trained, "--length", 5, "-n", 2],
            "beam": ["sample", trained, "--length", 5, "--beam", 2],
            "eval": ["eval", trained, corpus_file, "--max-batches", 2],
            "experiment": ["experiment", "palindromes", "--models", "rnn", "--lengths", 3,
                           "--steps", 2, "--hidden", 4, "--out", tmp_path / "p.png"]}[command]
    result = run(*args, "--threads", threads)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("threads", [1, 2])
def test_a_fixed_thread_count_and_seed_repeat_a_run_bit_for_bit(tmp_path, corpus_file, threads):
    weights = []
    for name in ("first", "second"):
        result = run("train", "--corpus", corpus_file, "--out", tmp_path / name, "--max-steps", 6,
                     "--threads", threads, "--seed", 3, "--dropout", 0.2, *TINY)
        assert result.exit_code == 0, result.output
        weights.append(rundir.load(tmp_path / name, "last")["model"])
    assert weights[0].keys() == weights[1].keys()
    assert all(torch.equal(weights[0][key], weights[1][key]) for key in weights[0])
