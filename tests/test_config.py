import pytest

from charrnn.run import config as cfg
from charrnn.errors import UserError


def test_layers_resolve_defaults_preset_flags(tmp_path):
    preset = tmp_path / "p.toml"
    preset.write_text('[model]\nhidden = 128\nlayers = 3\n[train]\nlr = 1\n', encoding="utf-8")
    config = cfg.resolve(preset, {"hidden": 64})
    assert (config.model.hidden, config.model.layers, config.train.lr) == (64, 3, 1.0)
    assert config.model.embedding == cfg.ModelConfig().embedding


def test_flat_keys_and_round_trip_through_toml(tmp_path):
    config = cfg.resolve(None, {"hidden": 32, "corpus": 'a "quoted" path', "tie_weights": False})
    saved = tmp_path / "config.toml"
    saved.write_text(cfg.to_toml(config), encoding="utf-8")
    assert cfg.resolve(saved).to_dict() == config.to_dict()


@pytest.mark.parametrize("text, message", [
    ("colour = 1", "unknown config key 'colour'"),
    ("[model]\nlr = 1", "belongs in \\[train\\]"),
    ("[optics]\nx = 1", "unknown config section"),
    ("hidden = 'big'", "must be int, got 'big'"),
    ("hidden = 'auto'", "must be int, got 'auto'"),
    ("max_steps = 'soon'", "'max_steps' must be int or \"auto\", got 'soon'"),
    ("hidden = ", "not valid TOML"),
])
def test_bad_presets(tmp_path, text, message):
    preset = tmp_path / "bad.toml"
    preset.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=message):
        cfg.resolve(preset)


@pytest.mark.parametrize("overrides, message", [
    ({"hidden": 0}, "hidden must be at least 1; got 0"),
    ({"layers": -1}, "layers must be at least 1; got -1"),
    ({"batch_size": 0}, "batch_size"),
    ({"lr": -0.1}, "lr must be more than 0; got -0.1"),
    ({"lr": float("inf")}, "lr must be a finite number"),
    ({"momentum": 1.0}, "momentum must be in \\[0, 1\\); got 1.0"),
    ({"seed": -1}, "seed must be in \\[0, 18446744073709551615\\]"),
    ({"dropout": 1.0}, "dropout"),
    ({"model": "transformer"}, "model must be one of"),
    ({"optimizer": "lion"}, "optimizer must be one of"),
    ({"schedule": "cosine", "max_steps": 0}, "cosine schedule needs"),
    ({"max_time": "soon"}, "cannot read time"),
    ({"tie_weights": True, "hidden": 32, "embedding": 16}, "tie_weights needs"),
])
def test_validation(overrides, message):
    with pytest.raises(UserError, match=message):
        cfg.resolve(None, overrides)


@pytest.mark.parametrize("text, seconds", [("", None), ("none", None), ("0", None), ("90", 90),
                                           ("90s", 90), ("3m", 180), ("1.5h", 5400)])
def test_durations(text, seconds):
    assert cfg.parse_duration(text) == seconds


def test_nan_in_a_preset_is_refused(tmp_path):
    preset = tmp_path / "nan.toml"
    preset.write_text("[train]\nlr = nan\n", encoding="utf-8")
    with pytest.raises(UserError, match="lr must be a finite number; got nan"):
        cfg.resolve(preset)


def test_every_key_is_declared_with_help():
    for _, field in cfg.config_fields():
        spec = field.metadata["spec"]
        assert spec.help.strip(), field.name
        assert spec.problem(field.default) is None, field.name


def probes(spec):
    """Values at and just beyond each bound, and the non-finite ones."""
    values = [float("nan"), float("inf"), -float("inf")]
    for bound in (spec.low, spec.high):
        if bound is not None:
            values += [bound - 1, bound, bound + 1, bound - 1e-9, bound + 1e-9]
    return values


NUMERIC = [(section, field) for section, field in cfg.config_fields()
           if field.type in (int, float) and field.metadata["spec"].low is not None]


@pytest.mark.parametrize("section, field", NUMERIC, ids=[f.name for _, f in NUMERIC])
def test_flag_and_validation_refuse_the_same_values(section, field):
    """`charrnn train --KEY V` and `KEY = V` in a preset are refused for the same V."""
    import click

    from charrnn.cli.options import click_type

    spec = field.metadata["spec"]
    flag_type = click_type(field.type, spec)
    for value in probes(spec):
        if field.type is int and not float(value).is_integer():
            continue
        value = field.type(value) if field.type is int else value
        try:
            flag_type.convert(str(value), None, None)
            flag_ok = True
        except click.BadParameter:
            flag_ok = False
        assert flag_ok == (spec.problem(value) is None), (field.name, value)
