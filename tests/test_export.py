"""`charrnn export` and the model files it writes; the shipped models (`charrnn models`,
`charrnn sample folk`)."""

import json
import re

import pytest
import torch
from click.testing import CliRunner

from charrnn.cli import main
from charrnn.run import checkpoint, modelfile, models, rundir
from test_music_sampling import train_tune_run


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """(run directory, its model file) of a tiny tune model, exported."""
    root = tmp_path_factory.mktemp("export")
    run = train_tune_run(root, ["The Cat's Reel", "Maid of the Glen", "Old Road", "Kitty"])
    result = invoke("export", run, root / "tiny.pt")
    assert result.exit_code == 0, result.output
    return run, root / "tiny.pt"


def probabilities(model, vocab, text):
    model.eval()
    ids = torch.tensor([vocab.encode(text)])
    with torch.no_grad():
        logits, _ = model(ids)
    return torch.softmax(logits.float(), dim=-1)


def test_an_exported_model_gives_the_runs_probabilities_to_half_precision(exported):
    run, path = exported
    trained = checkpoint.restore_model(rundir.load(run))
    loaded = checkpoint.restore_model(models.load(path).payload)
    assert loaded[1].chars == trained[1].chars
    assert loaded[2].to_dict() == trained[2].to_dict()
    text = "X:1\nT:Old Road\nR:reel\nM:2/4\nL:1/8\nK:D\n|:DEFG|ABcd:|\n"
    ours, theirs = probabilities(loaded[0], loaded[1], text), probabilities(trained[0], trained[1], text)
    assert (ours - theirs).abs().max() < 2e-3
    assert not torch.equal(ours, theirs)  # half precision, not a copy of the checkpoint


def test_a_model_file_is_small_and_keeps_its_runs_figures_and_corpus_learning(exported):
    run, path = exported
    payload = torch.load(path, weights_only=True)
    assert payload["format"] == modelfile.FORMAT and payload["version"] == modelfile.VERSION
    assert all(t.dtype == torch.float16 for t in payload["model"].values())
    assert set(payload) >= {"config", "vocab", "model", "progress", "learned", "charrnn"}
    assert payload["progress"]["step"] == rundir.load(run)["progress"]["step"]
    assert set(payload["learned"]) == {rundir.IDIOM, rundir.TITLES, rundir.CORPUS_FORM}
    assert path.stat().st_size < (run / rundir.BEST).stat().st_size / 2


def test_a_model_file_samples_tunes_with_its_corpus_gone(exported, tmp_path):
    run, path = exported
    (run.parent / "tunes.abc").rename(tmp_path / "away.abc")  # the corpus is not needed
    try:
        result = invoke("sample", path, "--abc", "-n", 3, "--seed", 2, "--form", "AABB 2",
                        "--out", tmp_path / "tunes")
    finally:
        (tmp_path / "away.abc").rename(run.parent / "tunes.abc")
    assert result.exit_code == 0, result.output
    assert "3 tunes made: 3 valid" in result.stderr
    titles = {re.sub(r" No\. \d+$", "", line[2:]) for tune in (tmp_path / "tunes").glob("*.abc")
              for line in tune.read_text().splitlines() if line.startswith("T:")}
    words = {"The", "Cat's", "Reel", "Maid", "of", "the", "Glen", "Old", "Road", "Kitty"}
    assert titles and all(set(title.split()) <= words for title in titles)  # the run's titles
    assert not list(path.parent.glob("*.json"))  # nothing written beside the model file


@pytest.mark.parametrize("named", ["run", "model"])
def test_tune_report_compares_with_the_corpus_a_model_learned_from(exported, tmp_path, named):
    run, path = exported
    (tmp_path / "tune.abc").write_text("X:1\nT:t\nM:2/4\nL:1/8\nK:D\n|:DEFG|ABcd:|\n")
    result = invoke("tune-report", tmp_path / "tune.abc", "--corpus", run if named == "run" else path,
                    "--json", "--corpus-checks", 0, "--no-audio")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["corpus"]["spec"] == str(run.parent / "tunes.abc")


@pytest.mark.parametrize("command", [["info"], ["eval", "{corpus}"]])
def test_info_and_eval_read_a_model_file(exported, command):
    run, path = exported
    args = [part.format(corpus=run.parent / "tunes.abc") for part in command]
    result = invoke(args[0], path, *args[1:])
    assert result.exit_code == 0, result.output
    assert str(path) in result.output


def damaged(path, tmp_path):
    torn = tmp_path / "torn.pt"
    torn.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return torn


def newer(path, tmp_path):
    payload = torch.load(path, weights_only=True)
    payload["version"] = modelfile.VERSION + 1
    torch.save(payload, tmp_path / "newer.pt")
    return tmp_path / "newer.pt"


@pytest.mark.parametrize("make, said", [
    (damaged, "is not a readable checkpoint; it may be truncated or corrupt"),
    (newer, f"uses model file format {modelfile.VERSION + 1}, newer than this charrnn reads"),
])
def test_a_damaged_or_newer_model_file_is_refused_in_one_line(exported, tmp_path, make, said):
    result = invoke("sample", make(exported[1], tmp_path), "--abc", "-n", 1)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and said in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("args, said", [
    (["{run}", "{dir}/model.bin"], "name the model file model.pt: model files end in .pt"),
    (["{run}", "{model}"], "is there already; --overwrite replaces it"),
    (["{model}", "{dir}/again.pt"], "is a model file already; copy it"),
    (["{run}/best.pt", "{run}/best.pt", "--overwrite"], "refusing to export"),
])
def test_export_refuses_in_one_line_and_harms_nothing(exported, tmp_path, args, said):
    run, path = exported
    before = {p: p.read_bytes() for p in (path, run / rundir.BEST)}
    result = invoke("export", *[a.format(run=run, model=path, dir=tmp_path) for a in args])
    assert result.exit_code != 0 and said in result.stderr, result.output
    assert result.stderr.count("\n") == 1
    assert {p: p.read_bytes() for p in before} == before


def test_export_overwrites_when_asked(exported, tmp_path):
    run, _ = exported
    (tmp_path / "m.pt").write_bytes(b"old")
    result = invoke("export", run, tmp_path / "m.pt", "--overwrite")
    assert result.exit_code == 0, result.output
    assert modelfile.load(tmp_path / "m.pt").corpus.endswith("tunes.abc")


def test_the_shipped_folk_model_is_listed_and_samples_tunes(tmp_path, monkeypatch):
    """... from what it keeps, in the formats this charrnn reads: it reads no corpus (a
    model file learns nothing more, so one kept in an older format would read its 4,245
    tunes at every sample)."""
    from charrnn.run import learned

    def no_corpus(spec):
        raise AssertionError(f"the shipped model read its corpus {spec}")

    monkeypatch.setattr(learned, "load_corpus_tunes", no_corpus)
    listed = invoke("models", "--json")
    assert listed.exit_code == 0, listed.output
    folk = json.loads(listed.stdout)["folk"]
    assert folk["megabytes"] <= 10 and folk["val_loss"] < 1.2
    assert "music21:oneills1850" in folk["corpus"]
    table = invoke("models").stdout.splitlines()
    assert table[0].split()[:4] == ["name", "size", "model", "val"] and table[1].startswith("folk ")
    result = invoke("sample", "folk", "--abc", "-n", 2, "--seed", 5, "--out", tmp_path / "tunes", "--no-page")
    assert result.exit_code == 0, result.output
    assert "2 tunes made: 2 valid" in result.stderr


def test_a_misspelt_model_name_is_one_line_with_the_shipped_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("sample", "folx", "--abc")
    assert result.exit_code == 1
    assert result.stderr.strip() == ("Error: no run directory, checkpoint or shipped model named "
                                     "'folx' (shipped models: folk); did you mean 'folk'?")
