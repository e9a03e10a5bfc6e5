import pytest

from charrnn.run import config as cfg
from charrnn.run import presets
from charrnn.errors import UserError


def test_every_preset_in_configs_is_found_by_name_and_valid():
    files = sorted(p.stem for p in presets.CHECKOUT.glob("*.toml"))
    assert presets.DEFAULT in files
    assert list(presets.available()) == files
    for name in files:
        cfg.resolve(presets.find(name))


def test_a_path_is_taken_as_given(tmp_path):
    preset = tmp_path / "mine.toml"
    preset.write_text("[model]\nhidden = 8\n", encoding="utf-8")
    assert cfg.resolve(presets.find(str(preset))).model.hidden == 8


@pytest.mark.parametrize("name, hint", [("no-such-preset", ""), ("tinny", "did you mean 'tiny'?")])
def test_an_unknown_name_lists_the_presets(name, hint):
    with pytest.raises(UserError) as error:
        presets.find(name)
    message = str(error.value)
    assert f"no config file or preset named {name!r}" in message
    assert f"(presets: {', '.join(presets.available())})" in message
    assert message.endswith(hint)
