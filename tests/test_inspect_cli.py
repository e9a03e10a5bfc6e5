"""Tests for the commands that inspect runs: plot, eval, info, gradients and experiment
palindromes (charrnn.cli.plot, .evaluate, .info, .gradients, .experiment), each run through
click on a run trained here."""

import json
import math
import random
import subprocess
import sys

import pytest
import torch
from click.testing import CliRunner

from charrnn.run import checkpoint, rundir
from charrnn.data.batches import validation_stream
from charrnn.cli import main
from charrnn.cli.info import readable, samples_report
from charrnn.train.evaluation import evaluate
from charrnn.train.training import Trainer
from conftest import tiny_config

TEXT = "the cat sat on the mat.\nthe dog sat on the log.\n" * 60
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def train_run(root, name, **overrides):
    corpus = root / f"{name}.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    config = tiny_config(corpus, **{"max_steps": 40, "eval_every": 10, **overrides})
    Trainer(config, root / name).run()
    return root / name


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return train_run(tmp_path_factory.mktemp("runs"), "lstm-run")


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result


def assert_png(path):
    data = path.read_bytes()
    assert len(data) > 1000 and data.startswith(PNG_MAGIC)


# ---- plot -------------------------------------------------------------------------------

@pytest.mark.parametrize("x_axis", ["step", "both"])
def test_plot_writes_a_png_and_a_summary(tmp_path, run_dir, x_axis):
    out = tmp_path / "figs" / "curves.png"
    result = invoke("plot", run_dir, "-o", out, "--x", x_axis)
    assert result.exit_code == 0, result.output
    assert_png(out)
    assert "lstm-run" in result.stdout and " 40 " in result.stdout  # last step


def test_plot_overlays_several_runs(tmp_path, run_dir):
    other = train_run(tmp_path, "gru-run", model="gru", max_steps=20)
    result = invoke("plot", run_dir, other, "-o", tmp_path / "both.png", "--x", "time")
    assert result.exit_code == 0
    assert "lstm-run" in result.stdout and "gru-run" in result.stdout
    assert_png(tmp_path / "both.png")


def test_plot_of_a_directory_without_metrics_is_a_clear_error(tmp_path):
    result = invoke("plot", tmp_path, "-o", tmp_path / "x.png")
    assert result.exit_code == 1 and "no metrics.jsonl" in result.output
    assert "Traceback" not in result.output


# ---- eval -------------------------------------------------------------------------------

def eval_json(run, path, *extra):
    result = invoke("eval", run, path, "--json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_eval_equals_evaluate_computed_directly(tmp_path, run_dir):
    text_file = tmp_path / "text.txt"
    text_file.write_text(TEXT, encoding="utf-8")
    scores = eval_json(run_dir, text_file)
    model, vocab, config = checkpoint.restore_model(rundir.load(run_dir))
    stream = validation_stream(torch.tensor(vocab.encode(TEXT)), config.data.batch_size,
                               config.data.seq_len)
    direct = evaluate(model, stream, "cpu")
    assert scores["loss"] == pytest.approx(direct["loss"], rel=1e-6)
    assert scores["accuracy"] == pytest.approx(direct["accuracy"])
    assert scores["chars"] == direct["chars"]
    assert scores["bpc"] == pytest.approx(scores["loss"] / math.log(2))
    assert scores["perplexity"] == pytest.approx(math.exp(scores["loss"]))


def test_trained_text_scores_better_than_shuffled_text(tmp_path, run_dir):
    chars = list(TEXT)
    random.Random(0).shuffle(chars)
    (tmp_path / "same.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "shuffled.txt").write_text("".join(chars), encoding="utf-8")
    same = eval_json(run_dir, tmp_path / "same.txt")
    shuffled = eval_json(run_dir, tmp_path / "shuffled.txt")
    assert same["loss"] < shuffled["loss"] - 0.5
    assert same["accuracy"] > shuffled["accuracy"]


def test_eval_names_unknown_characters_or_skips_them(tmp_path, run_dir):
    text_file = tmp_path / "odd.txt"
    text_file.write_text("the cat sat on the zebra€ mat.", encoding="utf-8")
    result = invoke("eval", run_dir, text_file)
    assert result.exit_code == 1
    assert "'z' (U+007A)" in result.output and "'€' (U+20AC)" in result.output
    assert "--unknown skip" in result.output
    scores = eval_json(run_dir, text_file, "--unknown", "skip", "--batch-size", 1, "--seq-len", 5)
    assert scores["skipped_chars"] == 4  # z, b, r and €
    assert scores["chars"] == len("the cat sat on the ea mat.") - 1


@pytest.mark.parametrize("content", ["", "t"])
def test_eval_of_too_little_text_is_a_clear_error(tmp_path, run_dir, content):
    text_file = tmp_path / "short.txt"
    text_file.write_text(content, encoding="utf-8")
    result = invoke("eval", run_dir, text_file)
    assert result.exit_code == 1 and result.output.startswith("Error:")


def test_eval_text_report_reads_well(tmp_path, run_dir):
    (tmp_path / "t.txt").write_text(TEXT, encoding="utf-8")
    result = invoke("eval", run_dir, tmp_path / "t.txt", "--max-batches", "2")
    assert result.exit_code == 0
    for word in ("nats per character", "bits per character", "perplexity", "accuracy"):
        assert word in result.stdout


# ---- info -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, layers", [("lstm", 2), ("gru", 1), ("rnn", 2), ("peephole", 1)])
def test_info_parameter_counts(tmp_path, kind, layers):
    run = train_run(tmp_path, kind, model=kind, layers=layers, max_steps=2, eval_every=1)
    result = invoke("info", run, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    model, _, _ = checkpoint.restore_model(rundir.load(run))
    rows = {row["part"]: row for row in data["parameters"]}
    assert rows["total"]["params"] == sum(p.numel() for p in model.parameters())
    for part in ("embed", "head"):
        assert rows[part]["params"] == rows[part]["formula_value"]
    for layer in range(layers):
        row = rows[f"rnn layer {layer}"]
        assert row["params"] == row["formula_value"]
        assert row["params"] == sum(p.numel() for name, p in model.rnn.named_parameters()
                                    if name.endswith(f"_l{layer}") or f"layers.{layer}." in name)
    assert data["model"]["model"] == kind and data["version"] == checkpoint.VERSION
    assert data["training"]["step"] == 2


def test_info_text_report(run_dir):
    result = invoke("info", run_dir)
    assert result.exit_code == 0
    out = result.stdout
    assert "4(nd + n^2 + 2n)" in out and "4(nd + n^2 + n)" in out
    assert '"\\n .acdeghlmnost"' in out  # the vocabulary, newline escaped
    assert "step 40" in out and "bits/char" in out


def test_info_samples_prints_them_by_step_and_as_json(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    run = train_run(tmp_path, "sampled", sample_every=20)
    lines = invoke("info", run, "--samples").stdout.splitlines()
    assert lines[:2] == ["samples, 2 steps:", ""]
    columns = [lines[2].index(name) for name in ("sampler", "text")]
    rows = [(line[:columns[0]].strip(), line[columns[0]:columns[1]].strip(), line[columns[1]:])
            for line in lines[3:]]
    assert [row[:2] for row in rows] == [("20", "greedy"), ("", "T=0.5"), ("", "T=1"), ("", "T=2"),
                                         ("40", "greedy"), ("", "T=0.5"), ("", "T=1"), ("", "T=2")]
    records = json.loads(invoke("info", run / "last.pt", "--samples", "--json").stdout)
    assert records == [json.loads(line) for line in (run / rundir.SAMPLES).read_text().splitlines()]
    texts = [s["text"].replace("\n", "⏎") for r in records for s in r["samples"]]
    assert [row[2] for row in rows] == [text[: 60 - columns[1]] for text in texts]


def test_info_samples_names_the_prime_they_follow():
    records = [{"step": 7, "prime": "X:1\n", "samples": [{"temperature": 0.0, "text": "T:A\nK:G"},
                                                        {"temperature": 1.0, "text": "T:Bo\nK:D"}]}]
    assert samples_report(records, 80).splitlines() == [
        'samples after the prime "X:1\\n", 1 step:', "",
        "step  sampler  text", "7     greedy   T:A⏎K:G", "      T=1      T:Bo⏎K:D"]


def test_info_samples_of_a_run_without_them_says_how_to_get_them(run_dir):
    result = CliRunner().invoke(main, ["info", str(run_dir), "--samples"])
    assert result.exit_code == 1
    assert f"{run_dir} holds no samples (samples.jsonl); train with --sample-every N" in result.stderr


def test_info_of_a_tied_model_counts_the_shared_matrix_once(tmp_path):
    run = train_run(tmp_path, "tied", tie_weights=True, embedding=16, max_steps=2, eval_every=1)
    data = json.loads(invoke("info", run, "--json").stdout)
    rows = {row["part"]: row["params"] for row in data["parameters"]}
    vocab = data["vocabulary"]["size"]
    assert rows["head"] == vocab  # its bias only; the weight is the embedding's
    model, _, _ = checkpoint.restore_model(rundir.load(run))
    assert rows["total"] == model.parameter_count()


@pytest.mark.parametrize("chars, shown", [(["\n", "a"], "\\na"), (["\t", " "], "\\t "),
                                          (["é", "\u200b"], "é\\u200b"), (["\\"], "\\\\")])
def test_readable_vocabulary(chars, shown):
    assert readable(chars) == shown


# ---- gradients --------------------------------------------------------------------------

def test_gradients_of_fresh_kinds_from_a_config(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    preset = tmp_path / "small.toml"
    preset.write_text("[model]\nlayers = 1\nhidden = 8\nembedding = 4\n", encoding="utf-8")
    out = tmp_path / "g.png"
    result = invoke("gradients", preset, "--corpus", corpus, "--models", "rnn,lstm", "-T", 12,
                    "--windows", 2, "--batch-size", 3, "-o", out, "--json")
    assert result.exit_code == 0, result.output
    norms = json.loads(result.stdout)
    assert list(norms) == ["rnn (fresh)", "lstm (fresh, forget bias 1)"]
    assert all(len(values) == 12 and min(values) > 0 for values in norms.values())
    assert_png(out)


def test_gradients_of_a_trained_run_print_a_table(tmp_path, run_dir):
    out = tmp_path / "g.png"
    result = invoke("gradients", run_dir, "-T", 10, "--windows", 1, "--batch-size", 2, "-o", out)
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert "lstm-run (trained lstm)" in lines[0]
    assert [line.split()[:2] for line in lines[1:]] == [[str(k), str(10 - k)] for k in range(10, 0, -1)]
    assert_png(out)


def test_gradients_refuse_two_configs(tmp_path):
    result = invoke("gradients", "tiny", "default", "-o", tmp_path / "g.png")
    assert result.exit_code == 1 and "at most one config" in result.output


def test_gradients_of_a_directory_without_checkpoints(tmp_path):
    result = invoke("gradients", tmp_path, "-o", tmp_path / "g.png")
    assert result.exit_code == 1 and "neither a run" in result.output


# ---- experiment palindromes -------------------------------------------------------------

def test_palindrome_experiment_prints_a_table_and_plots(tmp_path):
    out = tmp_path / "p.png"
    result = invoke("experiment", "palindromes", "--models", "rnn,lstm", "--lengths", "3,4",
                    "--steps", 10, "--hidden", 8, "--batch-size", 16, "-o", out)
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[1].split() == ["L", "rnn", "lstm"]
    assert [line.split()[0] for line in lines[2:]] == ["3", "4"]
    assert_png(out)


@pytest.mark.parametrize("args, message", [(["--models", "rnn,cnn"], "'cnn' is not one of 'lstm'"),
                                           (["--lengths", "1,5"], "1 is not in the range x>=2"),
                                           (["--lengths", "five"], "'five' is not a valid integer"),
                                           (["--lengths", ","], "needs at least one value")])
def test_palindrome_experiment_rejects_bad_options(tmp_path, args, message):
    result = invoke("experiment", "palindromes", *args, "-o", tmp_path / "p.png")
    assert result.exit_code != 0 and message in result.output


# ---- presets and start-up -----------------------------------------------------------------

def test_min_char_rnn_preset_trains_a_vanilla_rnn_of_100_units(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    trained = invoke("train", "--config", "min-char-rnn", "--corpus", corpus, "--out",
                     tmp_path / "run", "--max-steps", 3, "--no-progress")
    assert trained.exit_code == 0, trained.output
    data = json.loads(invoke("info", tmp_path / "run", "--checkpoint", "last", "--json").stdout)
    assert data["model"] | {"model": "rnn", "layers": 1, "hidden": 100} == data["model"]
    assert data["training"] | {"optimizer": "adagrad", "seq_len": 25, "batch_size": 1} == data["training"]


def test_the_cli_modules_import_no_torch_or_matplotlib():
    code = ("import sys, charrnn.cli.plot, charrnn.cli.evaluate, charrnn.cli.info, "
            "charrnn.cli.gradients, charrnn.cli.experiment; "
            "print(sorted(m for m in ('torch', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
