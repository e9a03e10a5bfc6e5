"""One click option per config key, made from the key's declaration in charrnn.config: its
help, and its choices or bounds as click's own types, so `--help` shows the ranges and a
bad value is refused before anything runs."""

import click

from charrnn import config as cfg
from charrnn import presets
from charrnn.cli.paramtypes import FiniteFloatRange

METAVARS = {int: "N", float: "X", str: "TEXT"}


class ConfigOption(click.Option):
    """A config key's flag. It defaults to None (not given), so the preset and the built-in
    defaults below it apply; `shown` is the default that applies, for --help."""

    def __init__(self, *args, shown, **kwargs):
        super().__init__(*args, **kwargs)
        self.shown = shown

    def get_help_extra(self, ctx):
        return {**super().get_help_extra(ctx), "default": self.shown}


def config_options(command):
    """Decorate a command with one option per config key (default None: not given)."""
    shown = shown_defaults()
    for _, field in reversed(cfg.config_fields()):
        command = option_for(field, shown[field.name])(command)
    return command


def option_for(field, shown):
    flag = "--" + field.name.replace("_", "-")
    spec = field.metadata["spec"]
    if field.type is bool:
        return click.option(f"{flag}/--no-{flag[2:]}", field.name, cls=ConfigOption,
                            default=None, help=spec.help, shown=shown)
    return click.option(flag, field.name, cls=ConfigOption, type=click_type(field.type, spec),
                        default=None, help=spec.help, shown=shown,
                        metavar=None if spec.choices else METAVARS[field.type])


def click_type(kind, spec):
    """click's type for a config key: Choice, IntRange, a finite FloatRange, or str."""
    if spec.choices:
        return click.Choice(spec.choices)
    bounds = {"min": spec.low, "max": spec.high, "min_open": spec.low_open,
              "max_open": spec.high_open}
    if kind is int:
        return click.IntRange(**bounds)
    if kind is float:
        return FiniteFloatRange(**bounds)
    return kind


def shown_defaults():
    """key -> the default --help shows. With no --corpus and no --config, `charrnn train`
    runs the default preset; with --corpus alone, the built-in defaults: where the two
    differ, both are shown."""
    preset = cfg.resolve(presets.find(presets.DEFAULT)).to_dict()
    builtin = cfg.RunConfig().to_dict()
    shown = {}
    for section, field in cfg.config_fields():
        ours, plain = preset[section][field.name], builtin[section][field.name]
        shown[field.name] = display(ours) + ("" if ours == plain else
                                             f"; with --corpus: {display(plain)}")
    return shown


def display(value):
    """A config value as --help shows it: as TOML writes it, unquoted; an empty time limit
    is `none`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "none" if value == "" else str(value)


def given(flags):
    """The config flags the user actually gave."""
    return {key: value for key, value in flags.items() if value is not None}
