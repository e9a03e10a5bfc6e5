"""Every bad input a user can give gets one clear line, `Error: ...`, a non-zero exit and no
traceback, and never changes a run or an output file that was already there.

The matrix runs the command group in-process with click's CliRunner (the same code path as
the `charrnn` command, without paying for a new interpreter and torch per case);
test_real_process_gives_the_same_one_line checks that equivalence on a few cases."""

import hashlib
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from charrnn.run import checkpoint, rundir
from charrnn.cli import main

REPO = Path(__file__).resolve().parent.parent
TINY = ["--layers", "1", "--hidden", "16", "--embedding", "8", "--batch-size", "4",
        "--seq-len", "16", "--device", "cpu", "--no-progress"]
TUNE = "X:1\nT:Test Reel\nM:4/4\nL:1/8\nK:D\nABcd efga|gfed cBAG|\n"


def train(*args):
    return ["train", "--corpus", "{corpus}", "--out", "{out}", *TINY, *args]


def train_on(corpus, *args):
    return ["train", "--corpus", corpus, "--out", "{out}", *TINY, *args]


def sample(*args):
    return ["sample", "{run}", *args]


# (name, command line, what the error line must say[, a mark for a known failure])
CASES = [
    # train: the corpus
    ("corpus-missing", train_on("{shared}/nope.txt"), "corpus not found"),
    ("corpus-dir-without-text", train_on("{shared}/empty-dir"), "holds no text files"),
    ("corpus-empty", train_on("{shared}/empty.txt"), "is empty"),
    ("corpus-binary", train_on("{shared}/binary.txt"), "looks binary"),
    ("corpus-invalid-utf8", train_on("{shared}/latin1.txt"), "--encoding-errors replace"),
    ("corpus-smaller-than-a-batch", train_on("{shared}/short.txt"), "too short for one batch"),
    ("corpus-empty-list", train_on(","), "no corpus given"),
    ("corpus-abc-without-tunes", train_on("{shared}/prose.abc"), "no ABC tunes"),
    # train: sizes and values
    ("hidden-zero", train("--hidden", "0"), "'--hidden': 0 is not in the range x>=1"),
    ("batch-size-negative", train("--batch-size", "-1"), "'--batch-size': -1 is not in the range x>=1"),
    ("seq-len-zero", train("--seq-len", "0"), "'--seq-len': 0 is not in the range x>=1"),
    ("lr-nan", train("--lr", "nan"), "'--lr': nan is not a finite number"),
    ("lr-zero", train("--lr", "0"), "'--lr': 0.0 is not in the range x>0"),
    ("seed-beyond-64-bits-train", train("--seed", str(2**64)), "'--seed'"),
    ("dropout-one", train("--dropout", "1"), "'--dropout': 1.0 is not in the range 0<=x<1"),
    ("max-time-unreadable", train("--max-time", "soon"), "cannot read time"),
    ("threads-zero", train("--threads", "0"), "'--threads': 0 is not in the range x>=1"),
    ("threads-beside-cuda", train("--threads", "2", "--device", "cuda"), "--threads 2 sets CPU threads"),
    ("cosine-without-length", train("--schedule", "cosine", "--max-steps", "0"), "cosine schedule needs"),
    ("tied-weights-of-two-sizes", train("--tie-weights"), "tie_weights needs embedding == hidden"),
    ("fp16-on-cpu", train("--precision", "fp16"), "fp16"),
    ("model-unknown", train("--model", "transformer"), "'transformer' is not one of"),
    ("optimizer-unknown", train("--optimizer", "lion"), "'lion' is not one of"),
    # train: config files
    ("toml-unknown-key", train("--config", "{shared}/unknown-key.toml"), "unknown config key 'colour'"),
    ("toml-malformed", train("--config", "{shared}/malformed.toml"), "not valid TOML"),
    ("toml-wrong-type", train("--config", "{shared}/wrong-type.toml"), "must be int"),
    ("toml-wrong-section", train("--config", "{shared}/wrong-section.toml"), "belongs in [train]"),
    ("toml-out-of-range", train("--config", "{shared}/out-of-range.toml"), "dropout must be in [0, 1); got 1.5"),
    ("toml-nan", train("--config", "{shared}/nan.toml"), "lr must be a finite number; got nan"),
    ("preset-missing", train("--config", "no-such-preset"), "(presets: default, folk, min-char-rnn, "),
    # train: run directories
    ("run-exists-without-resume", ["train", "--corpus", "{corpus}", "--out", "{run}", *TINY],
     "already holds a run"),
    ("overwrite-with-a-missing-corpus",
     ["train", "--corpus", "{shared}/nope.txt", "--out", "{run}", "--overwrite", *TINY], "corpus not found"),
    ("out-under-a-regular-file", ["train", "--corpus", "{corpus}", "--out", "{shared}/file.txt/run", *TINY],
     "cannot write to run directory"),
    ("out-is-a-file", ["train", "--corpus", "{corpus}", "--out", "{shared}/file.txt", *TINY],
     "is a file"),
    ("resume-missing", ["train", "--resume", "{shared}/nope"], "no such run directory"),
    ("resume-without-checkpoint", ["train", "--resume", "{shared}/empty-dir"], "holds no checkpoint"),
    ("resume-other-shape", ["train", "--resume", "{run}", "--hidden", "32"], "cannot change hidden"),
    ("resume-other-optimizer", ["train", "--resume", "{run}", "--optimizer", "sgd"],
     "cannot change optimizer"),
    ("resume-other-lr", ["train", "--resume", "{run}", "--lr", "0.5"], "cannot change lr"),
    ("resume-cosine-run-to-other-length", ["train", "--resume", "{run}", "--max-steps", "8"],
     "cannot change max_steps"),
    ("resume-with-out-and-config", ["train", "--resume", "{run}", "--out", "{out}", "--config", "tiny"],
     "it takes no --config, --out"),
    # sample
    ("temperature-nan", sample("--temperature", "nan"), "'--temperature' / '-t': nan is not a finite number"),
    ("temperature-negative", sample("--temperature", "-1"), "-1.0 is not in the range x>=0"),
    ("temperature-not-a-number", sample("--temperature", "hot"), "'hot' is not a valid float"),
    ("temperature-empty", sample("--temperature", ","), "'--temperature' / '-t': needs at least one value"),
    ("greedy-with-a-temperature", sample("--greedy", "-t", "1"), "give --greedy or --temperature, not both"),
    ("top-k-zero", sample("--top-k", "0"), "'--top-k': 0 is not in the range x>=1"),
    ("top-p-two", sample("--top-p", "2"), "'--top-p': 2.0 is not in the range 0<x<=1"),
    ("threads-negative", sample("--threads", "-1"), "'--threads': -1 is not in the range x>=1"),
    ("threads-a-word", sample("--threads", "x"), "'--threads': 'x' is neither a whole number nor auto"),
    ("threads-sampling-on-cuda", sample("--threads", "2", "--device", "cuda"),
     "--threads 2 sets CPU threads"),
    ("threads-zero-eval", ["eval", "{run}", "{corpus}", "--threads", "0"],
     "'--threads': 0 is not in the range x>=1"),
    ("threads-zero-experiment", ["experiment", "palindromes", "--threads", "0"],
     "'--threads': 0 is not in the range x>=1"),
    ("length-negative", sample("--length", "-1"), "-1 is not in the range x>=1"),
    ("num-samples-zero", sample("-n", "0"), "'--num-samples' / '-n': 0 is not in the range x>=1"),
    ("seed-beyond-64-bits", sample("--seed", str(2**70)), "'--seed'"),
    ("beam-zero", sample("--beam", "0"), "'--beam': 0 is not in the range x>=1"),
    ("beam-with-a-temperature", sample("--beam", "3", "-t", "0.5"), "so it takes no --temperature"),
    ("beam-with-greedy", sample("--beam", "3", "--greedy"), "so it takes no --greedy"),
    ("beam-with-top-k-top-p-seed", sample("--beam", "3", "--top-k", "2", "--top-p", "0.9", "--seed", "1"),
     "so it takes no --top-k, --top-p, --seed"),
    ("beam-with-num-samples", sample("--beam", "2", "-n", "3"), "so it takes no --num-samples"),
    ("beam-with-abc", sample("--beam", "2", "--abc"), "so it takes no --abc"),
    ("samples-over-a-checkpoint", sample("-o", "{run}/last.pt"), "checkpoint"),
    ("prime-unknown-characters", sample("--prime", "Zebra €"), "never saw"),
    ("checkpoint-missing", ["sample", "{shared}/nope.pt"], "no such checkpoint"),
    ("checkpoint-not-a-checkpoint", ["sample", "{shared}/text.pt"], "not a readable checkpoint"),
    ("checkpoint-truncated", ["sample", "{shared}/truncated.pt"], "truncated or corrupt"),
    ("checkpoint-plain-pickle", ["sample", "{shared}/pickle4.pt"], "not a readable checkpoint"),
    ("checkpoint-other-format", ["sample", "{shared}/weights.pt"], "not a charrnn checkpoint"),
    ("checkpoint-newer-version", ["sample", "{shared}/future.pt"], "newer than this charrnn"),
    ("checkpoint-holding-code", ["sample", "{shared}/code.pt"], "refusing to load"),
    ("sample-key-not-abc", sample("--abc", "--key", "H"), "not an ABC key"),
    ("sample-meter-not-abc", sample("--abc", "--meter", "9/0"), "not an ABC meter"),
    ("sample-key-without-abc", sample("--key", "D"), "go with --abc"),
    ("sample-no-page-without-out", sample("--abc", "--no-page"), "go with --abc and --out DIR"),
    ("sample-out-in-missing-dir", sample("-l", "5", "--out", "{shared}/nowhere/s.txt"), "does not exist"),
    ("sample-out-is-a-directory", sample("-l", "5", "--out", "{shared}/empty-dir"), "it is a directory"),
    ("sample-out-under-a-file", sample("-l", "5", "--out", "{shared}/file.txt/s.txt"),
     "is a file, not a directory"),
    # output paths that cannot be written
    ("corpus-out-in-missing-dir", ["corpus", "miscFolk", "-o", "{shared}/nowhere/x.txt"],
     "cannot write {shared}/nowhere/x.txt: directory {shared}/nowhere does not exist"),
    ("corpus-out-under-a-file", ["corpus", "miscFolk", "-o", "{shared}/file.txt/x.txt"],
     "is a file, not a directory"),
    ("corpus-out-is-a-directory", ["corpus", "miscFolk", "-o", "{shared}/empty-dir"],
     "is a directory"),
    ("plot-out-under-a-file", ["plot", "{run}", "-o", "{shared}/file.txt/curves.png"],
     "is a file, not a directory"),
    ("plot-out-is-a-directory", ["plot", "{run}", "-o", "{shared}/empty-dir"], "is a directory"),
    ("plot-out-unknown-format", ["plot", "{run}", "-o", "{out}.xyz"], "figures are written as"),
    ("gradients-out-under-a-file", ["gradients", "{run}", "-o", "{shared}/file.txt/g.png"],
     "is a file, not a directory"),
    ("abc2midi-out-under-a-file", ["abc2midi", "{shared}/tune.abc", "-o", "{shared}/file.txt/t.mid"],
     "is a file, not a directory"),
    ("sample-abc-out-is-a-file", sample("--abc", "-n", "1", "--out", "{shared}/file.txt"),
     "is a file"),
    ("sample-abc-out-not-sample-s", sample("--abc", "-n", "1", "--out", "{shared}", "--overwrite"),
     "is not empty and was not made by charrnn sample (it has no tunes.json)"),
    ("sample-overwrite-without-abc", sample("-l", "5", "--out", "{out}.txt", "--overwrite"),
     "--overwrite and --append go with --abc and --out DIR"),
    ("sample-overwrite-and-append", sample("--abc", "--out", "{out}", "--overwrite", "--append"),
     "give one, not both"),
    # ABC music
    ("abc-check-missing", ["abc-check", "{shared}/nope.abc"], "No such file"),
    ("abc-check-no-tunes", ["abc-check", "{shared}/prose.abc"], "no tunes"),
    ("abc2midi-missing", ["abc2midi", "{shared}/nope.abc"], "nope.abc"),
    ("abc2midi-no-tunes", ["abc2midi", "{shared}/prose.abc"], "no tunes"),
    ("abc2midi-meter-not-a-meter", ["abc2midi", "{shared}/meter-zero.abc", "-o", "{out}.mid"],
     "line 3: cannot convert (float division by zero): M:9/0"),
    ("abc2midi-no-such-tune", ["abc2midi", "{shared}/tune.abc", "--tune", "99", "-o", "{out}.mid"],
     "no tune X:99"),
    ("abc2midi-out-in-missing-dir", ["abc2midi", "{shared}/tune.abc", "-o", "{shared}/nowhere/t.mid"],
     "does not exist"),
]


class Code:
    """Unpickling this would run code: a checkpoint must never hold it."""

    def __reduce__(self):
        return (print, ("ran",))


def write_bad_files(shared, run):
    (shared / "empty-dir").mkdir()
    (shared / "empty.txt").write_bytes(b"")
    (shared / "binary.txt").write_bytes(b"\x00\x01\x02\x89PNG" * 50)
    (shared / "latin1.txt").write_bytes("café au lait, s'il vous plaît. ".encode("latin-1") * 40)
    (shared / "short.txt").write_text("too short", encoding="utf-8")
    (shared / "prose.abc").write_text("Just some prose, no tunes.\n" * 20, encoding="utf-8")
    (shared / "tune.abc").write_text(TUNE, encoding="utf-8")
    (shared / "meter-zero.abc").write_text(TUNE.replace("M:4/4", "M:9/0"), encoding="utf-8")
    (shared / "file.txt").write_text("a regular file", encoding="utf-8")
    (shared / "unknown-key.toml").write_text("colour = 1\n", encoding="utf-8")
    (shared / "malformed.toml").write_text("[model\nhidden = \n", encoding="utf-8")
    (shared / "wrong-type.toml").write_text("[model]\nhidden = 'big'\n", encoding="utf-8")
    (shared / "wrong-section.toml").write_text("[model]\nlr = 0.1\n", encoding="utf-8")
    (shared / "out-of-range.toml").write_text("[model]\ndropout = 1.5\n", encoding="utf-8")
    (shared / "nan.toml").write_text("[train]\nlr = nan\n", encoding="utf-8")
    (shared / "text.pt").write_text("not a checkpoint", encoding="utf-8")
    # torch warns on a pickle protocol it does not write itself; that is not a second line.
    (shared / "pickle4.pt").write_bytes(pickle.dumps({"a": 1}, protocol=4))
    data = (run / rundir.LAST).read_bytes()
    (shared / "truncated.pt").write_bytes(data[: len(data) // 2])
    torch.save({"weights": torch.ones(3)}, shared / "weights.pt")
    payload = torch.load(run / rundir.LAST, weights_only=True)
    torch.save({**payload, "version": checkpoint.VERSION + 1}, shared / "future.pt")
    torch.save({**payload, "code": Code()}, shared / "code.pt")


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One tiny trained run and a set of bad files, shared by every case."""
    shared = tmp_path_factory.mktemp("shared")
    corpus = shared / "corpus.txt"
    corpus.write_text("the cat sat on the mat. " * 100, encoding="utf-8")
    result = CliRunner().invoke(main, ["train", "--corpus", str(corpus), "--out", str(shared / "run"),
                                       "--max-steps", "4", "--eval-every", "2", "--schedule", "cosine",
                                       *TINY])
    assert result.exit_code == 0, result.output
    write_bad_files(shared, shared / "run")
    return shared


def fill(args, shared, out):
    values = {"shared": shared, "corpus": shared / "corpus.txt", "run": shared / "run", "out": out}
    return [arg.format(**values) for arg in args]


def fill_one(text, shared, out):
    return fill([text], shared, out)[0]


def snapshot(directory):
    """Every file below directory and a hash of its bytes."""
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def assert_one_error_line(code, stderr, output, expected):
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert code not in (0, None), output
    assert "Traceback" not in output
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    assert expected in lines[0]


@pytest.mark.parametrize("args, expected", [
    pytest.param(args, expected, id=name, marks=marks) for name, args, expected, *marks in CASES])
def test_bad_input_gets_one_clear_line(shared, tmp_path, args, expected):
    before = snapshot(shared)
    result = CliRunner().invoke(main, fill(args, shared, tmp_path / "out"))
    assert not result.exception or isinstance(result.exception, SystemExit), repr(result.exception)
    assert_one_error_line(result.exit_code, result.stderr, result.output,
                          fill_one(expected, shared, tmp_path / "out"))
    assert snapshot(shared) == before


def test_replace_makes_invalid_utf8_trainable(shared, tmp_path):
    result = CliRunner().invoke(main, ["train", "--corpus", str(shared / "latin1.txt"), "--out",
                                       str(tmp_path / "run"), "--encoding-errors", "replace",
                                       "--max-steps", "2", "--eval-every", "2", *TINY])
    assert result.exit_code == 0, result.output
    assert "\ufffd" in rundir.load(tmp_path / "run")["vocab"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["top-p-two", "checkpoint-truncated", "checkpoint-plain-pickle"])
def test_real_process_gives_the_same_one_line(shared, tmp_path, name):
    """The installed entry point behaves as the in-process runner does."""
    args, expected = next(case[1:3] for case in CASES if case[0] == name)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    before = snapshot(shared)
    done = subprocess.run([sys.executable, "-m", "charrnn", *fill(args, shared, tmp_path / "out")],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert_one_error_line(done.returncode, done.stderr, done.stdout + done.stderr, expected)
    assert snapshot(shared) == before
