"""`charrnn train --help` shows, for every config key, the default a run actually gets."""

import re
import tomllib

import click
import pytest
from click.testing import CliRunner

from charrnn import config as cfg
from charrnn.cli import main
from charrnn.cli.train import train

OPTION = re.compile(r"^  (?:-\w, )?--([a-z-]+)")  # an option's first line
DEFAULT = re.compile(r"\[default: ([^\]]*)\]\s*$")


def help_defaults():
    """flag -> (the default shown, the one shown after `with --corpus`, or None), read from
    --help as rendered, wide enough that no option's line wraps."""
    ctx = click.Context(train, info_name="train", terminal_width=1000, max_content_width=1000)
    shown, flag = {}, None
    for line in train.get_help(ctx).splitlines():
        if OPTION.match(line):
            flag = OPTION.match(line).group(1).replace("-", "_")
        if DEFAULT.search(line):
            first, *rest = DEFAULT.search(line).group(1).split("; ")
            corpus = rest[0] if rest and rest[0].startswith("with --corpus: ") else None
            shown[flag] = (first, corpus and corpus.removeprefix("with --corpus: "))
    return shown


def dry_run(*args):
    result = CliRunner().invoke(main, ["train", *map(str, args), "--dry-run"])
    assert result.exit_code == 0, result.output
    return {key: value for section in tomllib.loads(result.output).values()
            for key, value in section.items()}


def as_shown(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return "none" if value == "" else str(value)


def test_every_config_key_shows_a_default():
    assert set(help_defaults()) >= set(cfg.all_keys())


def test_shown_defaults_are_what_train_runs_with_no_options():
    resolved = dry_run()
    shown = help_defaults()
    assert {key: as_shown(value) for key, value in resolved.items()} == \
        {key: shown[key][0] for key in resolved}


def test_shown_corpus_defaults_are_what_train_corpus_runs(corpus_file):
    resolved = dry_run("--corpus", corpus_file)
    shown = help_defaults()
    del resolved["corpus"]
    assert {key: as_shown(value) for key, value in resolved.items()} == \
        {key: shown[key][1] or shown[key][0] for key in resolved}
    assert shown["dropout"][1] is not None  # the two differ somewhere, so both are shown


@pytest.mark.parametrize("args, message", [
    (["--hidden", "0"], "Invalid value for '--hidden': 0 is not in the range x>=1."),
    (["--lr", "nan"], "Invalid value for '--lr': nan is not a finite number."),
    (["--dropout", "1"], "Invalid value for '--dropout': 1.0 is not in the range 0<=x<1."),
    (["--model", "transformer"], "Invalid value for '--model': 'transformer' is not one of"),
])
def test_flags_are_checked_by_their_declared_types(args, message):
    result = CliRunner().invoke(main, ["train", *args, "--dry-run"])
    assert result.exit_code == 2 and message in result.stderr
