"""One click option per config key, made from the key's declaration in charrnn.run.config: its
help, its default, and its choices or bounds as click's own types, so `--help` shows the
defaults and ranges and a bad value is refused before anything runs."""

import click

from charrnn.run import config as cfg
from charrnn.cli.paramtypes import AutoIntRange, FiniteFloatRange

METAVARS = {int: "N", float: "X", str: "TEXT"}


class ConfigOption(click.Option):
    """A config key's flag. It defaults to None (not given), so a preset's value and the
    built-in default below it apply; `shown` is the built-in default, for --help."""

    def __init__(self, *args, shown, **kwargs):
        super().__init__(*args, **kwargs)
        self.shown = shown

    def get_help_extra(self, ctx):
        return {**super().get_help_extra(ctx), "default": self.shown}


def config_options(command):
    """Decorate a command with one option per config key (default None: not given)."""
    for _, field in reversed(cfg.config_fields()):
        command = option_for(field, display(field.default))(command)
    return command


def threads_option(command):
    """--threads for the commands that run a trained model, as `charrnn train` declares it
    (the config key `threads`); not given, it is auto."""
    return option_for(cfg.field_of("threads"), cfg.AUTO)(command)


def option_for(field, shown):
    flag = "--" + field.name.replace("_", "-")
    spec = field.metadata["spec"]
    if field.type is bool:
        return click.option(f"{flag}/--no-{flag[2:]}", field.name, cls=ConfigOption,
                            default=None, help=spec.help, shown=shown)
    metavar = None if spec.choices else METAVARS[field.type] + ("|auto" if spec.auto else "")
    return click.option(flag, field.name, cls=ConfigOption, type=click_type(field.type, spec),
                        default=None, help=spec.help, shown=shown, metavar=metavar)


def click_type(kind, spec):
    """click's type for a config key: Choice, IntRange (also taking auto where the key
    does), a finite FloatRange, or str."""
    if spec.choices:
        return click.Choice(spec.choices)
    bounds = {"min": spec.low, "max": spec.high, "min_open": spec.low_open,
              "max_open": spec.high_open}
    if kind is int:
        return (AutoIntRange if spec.auto else click.IntRange)(**bounds)
    if kind is float:
        return FiniteFloatRange(**bounds)
    return kind


def display(value):
    """A config value as --help shows it: as TOML writes it, unquoted; an empty time limit
    is `none`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "none" if value == "" else str(value)


def given(flags):
    """The config flags the user actually gave."""
    return {key: value for key, value in flags.items() if value is not None}
