"""charrnn.music.play.render: which tool renders WAV, a missing tool named before any work with
what to install, a failing tool's last words, and real WAV, MusicXML and SVG files (each
test with an external tool needs it: conftest.needs)."""

import shutil
import sys

import pytest

from charrnn.errors import UserError, WriteError
from charrnn.music.play import render
from charrnn.music.play.midi import tune_to_midi

TUNE = "X:1\nT:Test Reel\nM:4/4\nL:1/8\nK:D\n|:ABcd efga|gfed cBAG:|\n"


def tools(monkeypatch, *present, font=True):
    """Pretend only the programs `present` are installed, and a soundfont or none."""
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}" if name in present else None)
    monkeypatch.setattr(render, "soundfont", lambda small=False: render.Path("/fonts/GM.sf2") if font else None)


@pytest.mark.parametrize("present, font, first", [
    (("fluidsynth", "timidity"), True, "fluidsynth"),  # fluidsynth with a soundfont first
    (("fluidsynth", "timidity"), False, "timidity"),  # fluidsynth cannot play without one
    (("timidity",), True, "timidity"),
    (("fluidsynth",), False, None),
    ((), True, None),
])
def test_the_wav_renderer_is_fluidsynth_with_a_soundfont_else_timidity(monkeypatch, present, font, first):
    tools(monkeypatch, *present, font=font)
    command = render.audio_tool()
    assert (command[0] if command else None) == first
    if first == "fluidsynth":
        assert "/fonts/GM.sf2" in command and "{out}" in command and command[-1] == "{midi}"


def test_the_soundfont_is_the_first_found_in_folder_then_name_order(tmp_path, monkeypatch):
    first, second = tmp_path / "a", tmp_path / "b"
    for folder, name in ((first, "TimGM6mb.sf2"), (second, "FluidR3_GM.sf2"), (first, "default-GM.sf2")):
        folder.mkdir(exist_ok=True)
        (folder / name).write_bytes(b"sf2")
    monkeypatch.setattr(render, "SOUNDFONT_DIRS", (tmp_path / "none", first, second))
    assert render.soundfont() == first / "default-GM.sf2"
    monkeypatch.setattr(render, "SOUNDFONT_DIRS", (tmp_path / "none",))
    assert render.soundfont() is None


@pytest.mark.parametrize("asked, message", [
    ({"wav": True}, "--wav needs fluidsynth and a soundfont, or timidity: apt-get install fluidsynth"),
    ({"svg": True}, "--svg needs abcm2ps: apt-get install abcm2ps"),
])
def test_a_missing_tool_is_named_with_what_to_install(monkeypatch, asked, message):
    tools(monkeypatch)
    with pytest.raises(UserError, match=message):
        render.check_tools(**asked)
    render.check_tools()  # nothing asked, nothing needed


def test_a_failing_tool_gives_its_last_words():
    command = [sys.executable, "-c", "import sys; print('warming up'); sys.exit('bad midi file')"]
    with pytest.raises(UserError) as error:
        render._run(command, "rendering x.wav")
    assert str(error.value) == f"rendering x.wav failed ({sys.executable} exit 1): bad midi file"


def test_a_tool_that_cannot_start_is_one_line(tmp_path):
    with pytest.raises(UserError, match="rendering x.wav failed: .*No such file"):
        render._run([str(tmp_path / "no-such-program")], "rendering x.wav")


def test_a_tool_that_writes_no_audio_is_a_failure(tmp_path, monkeypatch):
    monkeypatch.setattr(render, "audio_tool", lambda *args: [sys.executable, "-c", "pass", "{out}", "{midi}"])
    with pytest.raises(UserError, match="wrote no audio"):
        render.midi_to_audio(tmp_path / "x.mid", tmp_path / "x.wav")
    assert not (tmp_path / "x.wav").exists()


@pytest.mark.needs("fluidsynth")
def test_midi_becomes_a_wav_file(tmp_path):
    (tmp_path / "t.mid").write_bytes(tune_to_midi(TUNE))
    wav = render.midi_to_audio(tmp_path / "t.mid", tmp_path / "t.wav")
    data = wav.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert len(data) > 44_100  # a few seconds of sound, not an empty header


def test_musicxml_holds_the_notes_as_played(tmp_path):
    from music21 import converter

    path = render.tune_to_musicxml(TUNE, tmp_path / "t.musicxml")
    score = converter.parse(path)
    assert len(score.flatten().notes) == 32  # two bars of eight, the repeat written out
    assert "<score-partwise" in path.read_text(encoding="utf-8")


def test_musicxml_into_a_missing_folder_is_a_failed_write(tmp_path):
    with pytest.raises(WriteError, match="directory .*missing does not exist"):
        render.tune_to_musicxml(TUNE, tmp_path / "missing" / "t.musicxml")


@pytest.mark.needs("abcm2ps")
def test_sheet_music_is_an_svg_file(tmp_path):
    written = render.tune_to_svg(TUNE, tmp_path / "t.svg")
    assert written == [tmp_path / "t.svg"]
    text = written[0].read_text(encoding="utf-8")
    assert "<svg" in text[:500] and "Test Reel" in text


def test_extras_are_written_beside_the_midi_file(tmp_path):
    midi_path = tmp_path / "tune.mid"
    midi_path.write_bytes(tune_to_midi(TUNE))
    assert render.render_extras(midi_path, TUNE) == []
    assert render.render_extras(midi_path, TUNE, musicxml=True) == [tmp_path / "tune.musicxml"]
    assert (tmp_path / "tune.musicxml").is_file()
