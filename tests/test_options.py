"""`charrnn train --help` shows, for every config key, the default a run actually gets:
one set of defaults, which a preset changes only where it names a key."""

import re
import tomllib

import click
import pytest
from click.testing import CliRunner

from charrnn.run import config as cfg
from charrnn.run import presets
from charrnn.cli import main
from charrnn.cli.train import train

OPTION = re.compile(r"^  (?:-\w, )?--([a-z-]+)")  # an option's first line
DEFAULT = re.compile(r"\[default: ([^\]]*)\]\s*$")


def help_defaults():
    """flag -> the default --help shows, read from --help as rendered, wide enough that no
    option's line wraps."""
    ctx = click.Context(train, info_name="train", terminal_width=1000, max_content_width=1000)
    shown, flag = {}, None
    for line in train.get_help(ctx).splitlines():
        if OPTION.match(line):
            flag = OPTION.match(line).group(1).replace("-", "_")
        if DEFAULT.search(line):
            shown[flag] = DEFAULT.search(line).group(1).split("; ")[0]
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


def test_the_defaults_shown_are_what_train_corpus_runs(corpus_file):
    resolved = dry_run("--corpus", corpus_file)
    del resolved["corpus"]
    shown = help_defaults()
    assert {key: as_shown(value) for key, value in resolved.items()} == \
        {key: shown[key] for key in resolved}


def test_train_alone_is_the_defaults_with_only_what_the_default_preset_names():
    named = {key for section in tomllib.loads(presets.find(presets.DEFAULT).read_text()).values()
             for key in section}
    resolved, shown = dry_run(), help_defaults()
    differs = {key for key, value in resolved.items() if as_shown(value) != shown[key]}
    assert differs <= named and "max_time" in differs  # the main job runs for five minutes


def test_auto_is_taken_by_the_keys_that_declare_it():
    assert dry_run("--max-steps", "auto", "--eval-every", "AUTO")["eval_every"] == "auto"
    result = CliRunner().invoke(main, ["train", "--hidden", "auto", "--dry-run"])
    assert result.exit_code == 2 and "'auto' is not a valid integer" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--hidden", "0"], "Invalid value for '--hidden': 0 is not in the range x>=1."),
    (["--lr", "nan"], "Invalid value for '--lr': nan is not a finite number."),
    (["--dropout", "1"], "Invalid value for '--dropout': 1.0 is not in the range 0<=x<1."),
    (["--model", "transformer"], "Invalid value for '--model': 'transformer' is not one of"),
])
def test_flags_are_checked_by_their_declared_types(args, message):
    result = CliRunner().invoke(main, ["train", *args, "--dry-run"])
    assert result.exit_code == 2 and message in result.stderr
