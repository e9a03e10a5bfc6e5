"""Every command shown in README.md and docs/*.md still works.

An example is a line in a ```bash or ```console block that starts with `charrnn ` or
`$ charrnn ` (a quoted argument may run on to the next lines). Each must parse: click reads
it as the command would, so every command, option and choice in it exists. Each then runs
for real in a scratch directory, made cheap: a tiny trained model stands in for every run
directory it names, tiny files for its corpora and tunes, and options appended to it cut
training, sampling and the experiments to a few steps. Where a console block shows an
`Error:` line under the command, the command must fail with that line.
"""

import glob
import os
import re
import shlex
import shutil
import string
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from charrnn.cli import main
from conftest import needs
from report_tunes import CORPUS, COPYING, OWN, write_corpus

REPO = Path(__file__).resolve().parent.parent
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"^\s*```(\w*)\s*$")

# Options appended to an example so that it runs in seconds: a tiny model trained two
# steps, short samples, few windows and steps. Appended, they override the example's own.
CHEAP = {
    "train": ["--layers", "1", "--hidden", "16", "--embedding", "8", "--batch-size", "4",
              "--seq-len", "16", "--max-steps", "2", "--eval-every", "2", "--device", "cpu",
              "--no-progress", "--sample-length", "20"],
    "sample": ["--length", "300", "--device", "cpu"],
    "tune-report": ["--no-audio", "--corpus-checks", "2"],
    "gradients": ["--windows", "1", "-T", "5", "--batch-size", "2"],
    "experiment": ["--models", "rnn", "--lengths", "5", "--steps", "2", "--hidden", "4",
                   "--batch-size", "4"],
}
# Examples that only parse, with the reason they cannot run here (a substring of the
# command picks them out).
PARSE_ONLY = {
    "--resume runs/mine": "shows a run refused while another process trains it",
    "--out full/run": "shows a save failing on a full disk",
    "--corpus folk": "reads the shipped model's whole corpus, 4,245 tunes, a minute or more",
    "charrnn/shipped/folk.pt": "writes into the package's own folder",
}
OUTPUTS = ("-o", "--out")


@dataclass(frozen=True)
class Example:
    page: Path
    line: int
    args: tuple  # after `charrnn`
    shown: tuple  # the output lines a console block shows under it

    def __str__(self):
        return f"{os.path.relpath(self.page, REPO)}:{self.line}: charrnn {shlex.join(self.args)}"


def examples(page: Path) -> list[Example]:
    found, lines, language, i = [], page.read_text(encoding="utf-8").splitlines(), None, 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if fence:
            language = None if language is not None else fence[1]
        elif language in ("bash", "console") and lines[i].strip().removeprefix("$ ").startswith("charrnn "):
            args, end = command_at(lines, i, page)
            shown = tuple(output_under(lines, end)) if language == "console" else ()
            found.append(Example(page, i + 1, args, shown))
            i = end
        i += 1
    return found


def command_at(lines, i, page):
    """The arguments of the command that starts on line i, and the line it ends on: a
    quoted argument or a trailing backslash carries it on to the next line."""
    text, end = lines[i].strip().removeprefix("$ "), i
    while True:
        if text.endswith("\\"):
            text = text[:-1]
        else:
            try:
                words = shlex.split(text, comments=True)
                break
            except ValueError:  # a quotation still open
                text += "\n"
        end += 1
        assert end < len(lines), f"{os.path.relpath(page, REPO)}:{i + 1}: a command that never ends"
        text += lines[end].strip()
    return tuple(word for word in words[1:] if word != "..."), end  # `...`: left out


def output_under(lines, end):
    for line in lines[end + 1:]:
        if FENCE.match(line) or line.strip().startswith("$ "):
            return
        yield line.strip()


EXAMPLES = [example for page in PAGES for example in examples(page)]


def error_shown(example):
    """The `Error:` line a console block shows under the command, or None."""
    return next((line for line in example.shown if line.startswith("Error: ")), None)


def parse_only(example):
    command = " ".join(example.args)
    return any(part in command for part in PARSE_ONLY)


# Each command runs once, where it is first shown (README and a page may show the same).
DISTINCT = list({(e.args, error_shown(e)): e for e in reversed(EXAMPLES)}.values())[::-1]
RUNNABLE = [example for example in DISTINCT if not parse_only(example)]


def parse(args):
    """click's own reading of the command line, without running it: a UsageError (or
    BadParameter) for a command, option or choice that does not exist."""
    command, context, name, args = main, None, "charrnn", list(args)
    while isinstance(command, click.Group):
        context = click.Context(command, info_name=name, parent=context)
        name, *args = args
        command = command.get_command(context, name)
        if command is None:
            raise click.UsageError(f"no command {name!r}")
    try:
        command.make_context(name, args, parent=context).close()
    except click.exceptions.Exit:  # --help
        pass


def test_the_pages_show_examples_of_every_command():
    shown = {example.args[0] for example in EXAMPLES}
    assert shown >= {"train", "sample", "tune-report", "abc2midi", "abc-check", "plot", "eval",
                     "info", "gradients", "experiment", "corpus", "export", "models"}


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_every_example_parses(example, monkeypatch):
    monkeypatch.setattr(click.Path, "convert", lambda self, value, param, ctx: value)  # files come later
    try:
        parse(example.args)
    except click.ClickException as error:
        pytest.fail(f"{example}\n  no longer parses: {error.format_message()}", pytrace=False)


@pytest.mark.parametrize("bad, message", [
    (("train", "--no-such-option"), "No such option"),
    (("sample", "runs/x", "--unknown", "maybe"), "'maybe' is not one of"),
    (("train", "--hidden", "many"), "'many' is not a valid integer"),
    (("no-such-command",), "no command"),
])
def test_an_example_that_no_longer_parses_is_caught(bad, message, monkeypatch):
    monkeypatch.setattr(click.Path, "convert", lambda self, value, param, ctx: value)
    with pytest.raises(click.ClickException, match=message):
        parse(bad)


def test_a_command_that_runs_on_is_one_example(tmp_path):
    page = tmp_path / "page.md"
    page.write_text('```console\n$ charrnn sample run --prime "X:1\nT:" \\\n  --length 9\nX:1\n```\n'
                    "```text\ncharrnn not-an-example\n```\n", encoding="utf-8")
    found = examples(page)
    assert [(e.line, e.args, e.shown) for e in found] == [
        (2, ("sample", "run", "--prime", "X:1\nT:", "--length", "9"), ("X:1",))]


# ---- running them --------------------------------------------------------------------------

# Every printable ASCII character but \t, \r, \v and \f (with \r in a model's vocabulary
# `sample --abc` writes invalid tunes).
TEXT = (CORPUS + string.ascii_letters + string.digits + string.punctuation + " \n") * 8


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """A model trained for two steps on text holding every printable character, so that
    any prime or text an example gives it is in its vocabulary; with samples drawn as it
    trained, for `info --samples`."""
    folder = tmp_path_factory.mktemp("tiny")
    corpus = folder / "text.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    result = CliRunner().invoke(main, ["train", "--corpus", str(corpus), "--out", str(folder / "run"),
                                       "--sample-every", "2", *CHEAP["train"]])
    assert result.exit_code == 0, result.output
    return folder / "run"


def stand_ins(args, sandbox, tiny_run):
    """The example's arguments, with what it reads put in place in `sandbox`: the tiny
    run for a run directory, a model file exported from it, tiny text, tunes and corpora;
    globs expanded."""
    out, previous = [], None
    for word in args:
        if word.endswith(".pt") and not word.startswith("runs/") and args[0] != "export" \
                and not (sandbox / word).exists():
            exported = CliRunner().invoke(main, ["export", str(tiny_run), str(sandbox / word)])
            assert exported.exit_code == 0, exported.output  # a model file the example reads
        elif previous not in OUTPUTS and not word.startswith("-"):
            word = stand_in(word, sandbox, tiny_run)
        matches = sorted(glob.glob(word, root_dir=sandbox)) if "*" in word else []
        out.extend(matches or [word])
        previous = word
    return out


def stand_in(word, sandbox, tiny_run):
    path = sandbox / word
    if word.startswith("music21:"):
        return str(write_corpus(sandbox / "corpus.abc"))
    if word.startswith("runs/"):
        if not path.exists():
            shutil.copytree(tiny_run, path)
    elif word == "tunes" or word.startswith("tunes/"):
        (sandbox / "tunes").mkdir(exist_ok=True)
        for number, tune in enumerate((COPYING, OWN), 1):
            (sandbox / "tunes" / f"tune-{number:02d}.abc").write_text(tune, encoding="utf-8")
        if word.endswith(".abc") and not path.exists():
            path.write_text(OWN, encoding="utf-8")
    elif word.endswith((".txt", ".abc")) and not path.exists():
        path.write_text(TEXT, encoding="utf-8")
    return word


def cheap(args):
    """The example with the options that make it cheap; a train on no corpus of its own
    reads the tiny text, not the default preset's collection."""
    extra = CHEAP.get(args[0], [])
    if args[0] == "train" and "--corpus" not in args and "--resume" not in args:
        extra = [*extra, "--corpus", "text.txt"]
    if args[0] == "sample" and "--abc" in args:
        extra = [*extra, "-n", "2", *(["--no-page"] if set(args) & set(OUTPUTS) else [])]
    return [*args, *extra]


def test_each_example_left_unrun_is_still_shown():
    for part in PARSE_ONLY:
        assert any(part in " ".join(example.args) for example in EXAMPLES), part


@pytest.mark.slow
@pytest.mark.parametrize("example", RUNNABLE, ids=str)
def test_every_example_runs(example, tiny_run, tmp_path, monkeypatch):
    for flag, program in (("--wav", "fluidsynth"), ("--svg", "abcm2ps")):
        if flag in example.args:
            needs(program)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "text.txt").write_text(TEXT, encoding="utf-8")
    args = cheap(stand_ins(example.args, tmp_path, tiny_run))
    result = CliRunner().invoke(main, args)
    error = error_shown(example)
    if error:
        assert result.exit_code != 0 and result.stderr.strip() == error, \
            f"{example}\n  shows {error!r}, but said: {result.output}"
    else:
        assert result.exit_code == 0, f"{example}\n  ran as {shlex.join(args)}\n  and failed: {result.output}"


# ---- links between the pages -----------------------------------------------------------------

LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("page", PAGES, ids=lambda page: os.path.relpath(page, REPO))
def test_every_link_to_a_file_or_heading_here_finds_it(page):
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"\w+:", target):  # https: and the like
            continue
        path, _, heading = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{os.path.relpath(page, REPO)}: {target} is not there"
        if heading:
            headings = re.findall(r"^#+ (.*)$", linked.read_text(encoding="utf-8"), re.MULTILINE)
            assert heading in map(anchor, headings), f"{os.path.relpath(page, REPO)}: no heading #{heading}"
