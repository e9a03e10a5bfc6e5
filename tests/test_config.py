import pytest

from charrnn import config as cfg
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
    ("hidden = 'big'", "must be int"),
    ("hidden = ", "not valid TOML"),
])
def test_bad_presets(tmp_path, text, message):
    preset = tmp_path / "bad.toml"
    preset.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=message):
        cfg.resolve(preset)


@pytest.mark.parametrize("overrides, message", [
    ({"hidden": 0}, "hidden must be positive"),
    ({"layers": -1}, "layers must be positive"),
    ({"batch_size": 0}, "batch_size"),
    ({"lr": -0.1}, "lr must be positive"),
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


@pytest.mark.parametrize("text, seconds", [("", None), ("90", 90), ("90s", 90), ("3m", 180), ("1.5h", 5400)])
def test_durations(text, seconds):
    assert cfg.parse_duration(text) == seconds
