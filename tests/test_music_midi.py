"""ABC to MIDI: the gaps in music21's ABC reader, abc2midi as the oracle, and the
`charrnn abc2midi` command."""

import re
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from charrnn.cli import main
from charrnn.errors import UserError
from charrnn.music.abc import fields
from charrnn.music.abc import reference as abc2midi
from charrnn.music.abc.grammar import check_text
from charrnn.music.play import midi, render

DATA = Path(__file__).parent / "data"
PITCH = {"C": 60, "D": 62, "E": 64, "F": 65, "^F": 66, "G": 67, "A": 69, "B": 71,
         "c": 72, "d": 74, "e": 76, "f": 77, "^f": 78, "g": 79}


def notes(names: str, unit: float = 1.0) -> list[tuple[int, float, float]]:
    """Expected sequence from names with lengths in units: "C D2 ^F" -> [(60, 0, 1),
    (62, 1, 2), (66, 3, 1)] for unit 1."""
    sequence, time = [], 0.0
    for token in names.split():
        name, length = re.fullmatch(r"(\^?[A-Ga-g])(\d*)", token).groups()
        sequence.append((PITCH[name], time, int(length or 1) * unit))
        time += int(length or 1) * unit
    return sequence


def ours(abc_file: Path, folder: Path, **options):
    out = folder / "ours.mid"
    midi.abc_to_midi(abc_file.read_text(), out, **options)
    return midi.note_sequence(out)


def reference(abc_file: Path, folder: Path):
    """abc2midi's melody: chord symbols not played (-NGUI), as in the benchmark."""
    out = folder / "reference.mid"
    played = abc2midi.convert(abc_file.read_text(encoding="utf-8"), "-NGUI", "-silent")
    assert played.midi is not None, played.output
    out.write_bytes(played.midi)
    return midi.note_sequence(out)


def run(*args):
    return CliRunner().invoke(main, ["abc2midi", *[str(a) for a in args]])


@pytest.mark.needs("abc2midi")
@pytest.mark.parametrize("rhythm", ["Hornpipe", "hornpipe", " hornpipe", "HORNPIPE", "HornPipe",
                                    "reel"])
def test_a_hornpipe_swings_where_abc2midi_swings_it(rhythm, tmp_path):
    abc_file = tmp_path / "tune.abc"
    abc_file.write_text(f"X:1\nT:t\nM:4/4\nL:1/8\nR:{rhythm}\nK:G\nABcd efga|gfed c2 B2|]\n",
                        encoding="utf-8")
    assert ours(abc_file, tmp_path) == reference(abc_file, tmp_path)


@pytest.mark.needs("abc2midi")
@pytest.mark.parametrize("meter", ["2/4", "3/4", "4/4", "C", "C|", "3/8", "6/8", "2/2", "none"])
def test_with_no_l_field_the_unit_is_abc2midis_and_the_checks(meter, tmp_path):
    """The default unit length, one rule (fields.bar_default_unit): bars of single units fill
    the meter for the check, and play as abc2midi plays them."""
    bar = fields.meter_fraction(meter) or Fraction(1)
    units = int(bar / fields.default_unit(meter))
    tune = f"X:1\nT:t\nM:{meter}\nK:G\n{'c' * units}|{'d' * units}|]\n"
    assert check_text(tune) == []
    abc_file = tmp_path / "tune.abc"
    abc_file.write_text(tune, encoding="utf-8")
    assert ours(abc_file, tmp_path) == reference(abc_file, tmp_path)


# --- music21's gaps, each with its fixture ---------------------------------------------
A_PART = "C D E F G A B c "
B_PART = "c B A G F E D C "


@pytest.mark.parametrize("fixture, expected", [
    # `:|` with no `|:` repeats from the start; a later one from the last `:|` (AABB)
    ("midi_missing_start", notes(A_PART * 2 + B_PART * 2)),
    # an accidental carries to the end of its bar, not beyond
    ("midi_accidentals", notes("^F ^F G ^F F4")),
    # chord symbols are not played, and do not stretch the melody
    ("midi_chord_symbols", notes(A_PART * 2 + B_PART)),
    # the note before `::` keeps its length on both passes (it ends an over-long bar)
    ("midi_double_colon", notes("C D E F G A B c2 " * 2 + "c2 B A F E D C " * 2)),
    # variant endings, `|1 :|2` and `[1 :|[2`
    ("midi_endings", notes("G A B c d e d3 d3 G A B c d e d3 g3 "
                           "g ^f e d c B A3 A3 g ^f e d c B G3 G3", unit=0.5)),
])
def test_music21_gaps_are_closed(fixture, expected, tmp_path):
    assert ours(DATA / f"{fixture}.abc", tmp_path) == expected


@pytest.mark.needs("abc2midi")
@pytest.mark.parametrize("fixture", sorted(p.stem for p in DATA.glob("midi_*.abc")
                                           if p.stem != "midi_bad_tune"))
def test_same_notes_as_abc2midi(fixture, tmp_path):
    assert ours(DATA / f"{fixture}.abc", tmp_path) == reference(DATA / f"{fixture}.abc", tmp_path)


@pytest.mark.needs("abc2midi")
@pytest.mark.parametrize("body", [
    "CD:|EF:|", "CD||EF:|", "|:CD|1 EF:|2 GA|]", "|:CD|[1,3 EF:|[2 GA:|[4 Bc|]",
    "CD::EF::GA:|", "|:CD|1 EF|2 GA|]", "|:CD:|EF|GA:|", "|:CD:||:EF:|", "|:CD:||1EF:|2GA|]",
    # a lone colon (a dotted bar line) ends a section and cancels accidentals as | does
    "|:CD:|EF:GA:|", "|:CD|1EF:GA:|2Bc|]", "CD|1EF:|2GA:Bc:|", "|:CD:EF:|", "CDEF|:GABc:def:|",
    "CD||:EF:|", "|:CD:|:EF:|", "|:^cd:cd:|", "^FG:FG|]", "CD[|:EF:|",
])
def test_repeats_and_bar_lines_play_in_abc2midis_order(body, tmp_path):
    path = tmp_path / "t.abc"
    path.write_text(f"X:1\nT:t\nM:4/4\nL:1/4\nK:C\n{body}\n")
    assert ours(path, tmp_path) == reference(path, tmp_path)


THIRD = 1 / 3


@pytest.mark.parametrize("header, body, expected", [
    # hornpipe: unit eighths swing 2:1; a grace note takes a quarter of its written length
    ("R:hornpipe\nM:4/4", "GABc d2 {g}f2|",
     [(67, 0, 2 * THIRD), (69, 2 * THIRD, THIRD), (71, 1, 2 * THIRD), (72, 5 * THIRD, THIRD),
      (74, 2, 1), (79, 3, 0.125), (78, 3.125, 0.875)]),
    # staccato sounds half; a fermata doubles; a trill alternates from above in 1/8 beats;
    # a three-unit roll is a note, a cut from above, a cut from below
    ("M:4/4", ".A2 HB2 TA B3|",
     [(69, 0, 0.5), (71, 1, 2), (71, 3, 0.125), (69, 3.125, 0.125), (71, 3.25, 0.125),
      (69, 3.375, 0.125), (71, 3.5, 1.5)]),
    ("M:4/4", "~B3|", [(71, 0, 0.5), (72, 0.5, 0.125), (71, 0.625, 0.375), (69, 1, 0.125),
                       (71, 1.125, 0.375)]),
    # chord notes start 1/48 beat apart; a triplet; a broken rhythm
    ("M:4/4", "[GBd]2 (3ABc d>e|",
     [(67, 0, 1), (71, 1 / 48, 47 / 48), (74, 2 / 48, 46 / 48), (69, 1, THIRD),
      (71, 1 + THIRD, THIRD), (72, 1 + 2 * THIRD, THIRD), (74, 2, 0.75), (76, 2.75, 0.25)]),
])
def test_played_as_abc2midi_plays(header, body, expected, tmp_path):
    path = tmp_path / "t.abc"
    path.write_text(f"X:1\nT:t\n{header}\nL:1/8\nK:G\n{body}\n")
    rounded = [(p, round(t * 48) / 48, round(d * 48) / 48) for p, t, d in expected]
    assert ours(path, tmp_path) == rounded


def test_note_sequence_of_a_file_that_is_not_midi(tmp_path):
    (tmp_path / "x.mid").write_text("not midi")
    with pytest.raises(UserError, match="cannot read MIDI"):
        midi.note_sequence(tmp_path / "x.mid")


def test_malformed_tune_names_tune_and_line(tmp_path):
    with pytest.raises(UserError, match=r'X:2 "Bad One", line 14: .*G \[A B c'):
        midi.abc_to_midi((DATA / "midi_bad_tune.abc").read_text(), tmp_path / "t.mid", tune=2)


# --- the command ------------------------------------------------------------------------
@pytest.fixture
def tunes(tmp_path):
    path = tmp_path / "tunes.abc"
    path.write_text((DATA / "midi_bad_tune.abc").read_text())
    return path


def test_first_tune_by_default_beside_the_input(tunes):
    result = run(tunes)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(tunes.with_suffix(".mid"))
    assert midi.note_sequence(tunes.with_suffix(".mid")) == notes("C D E F G A B c " * 2)


@pytest.mark.parametrize("choice, first_pitch", [("3", 67), ("1", 60)])
def test_tune_by_x_number(tunes, tmp_path, choice, first_pitch):
    result = run(tunes, "--tune", choice, "-o", tmp_path / "one.mid")
    assert result.exit_code == 0, result.output
    assert midi.note_sequence(tmp_path / "one.mid")[0][0] == first_pitch


def test_tune_by_position_when_no_x_matches(tmp_path):
    path = tmp_path / "x.abc"
    path.write_text("X:10\nT:a\nK:C\nCDEF|\n\nX:20\nT:b\nK:C\nGABc|\n")
    assert run(path, "--tune", 2, "-o", tmp_path / "b.mid").exit_code == 0
    assert midi.note_sequence(tmp_path / "b.mid")[0][0] == 67
    result = run(path, "--tune", 5)
    assert result.exit_code == 1 and "no tune X:5" in result.stderr


def test_all_converts_the_good_tunes_and_reports_the_bad(tunes, tmp_path):
    (tmp_path / "out").mkdir()
    result = run(tunes, "--all", "-o", tmp_path / "out" / "t.mid")
    assert result.exit_code == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["t-1.mid", "t-3.mid"]
    assert 'X:2 "Bad One", line 14' in result.stderr
    assert "1 of 3 tunes not converted" in result.stderr


@pytest.mark.parametrize("out", ["missing/out.mid", "."])
def test_unwritable_output_is_one_clear_line(tunes, tmp_path, out):
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run(tunes, "-o", tmp_path / out)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot write") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_failed_conversion_leaves_the_old_file(tunes, tmp_path):
    out = tmp_path / "keep.mid"
    out.write_bytes(b"old")
    assert run(tunes, "--tune", 2, "-o", out).exit_code == 1
    assert out.read_bytes() == b"old"


def test_tune_and_all_together_are_refused(tunes):
    result = run(tunes, "--tune", 1, "--all")
    assert result.exit_code == 1 and "--tune and --all" in result.stderr


def test_tempo_sets_the_midi_tempo(tunes, tmp_path):
    from music21 import midi as m21midi

    assert run(tunes, "--tempo", 90, "-o", tmp_path / "slow.mid").exit_code == 0
    midi_file = m21midi.MidiFile()
    midi_file.open(str(tmp_path / "slow.mid"))
    midi_file.read()
    midi_file.close()
    tempos = [e for t in midi_file.tracks for e in t.events
              if getattr(e, "type", None) == m21midi.MetaEvents.SET_TEMPO]
    assert tempos and int.from_bytes(tempos[0].data, "big") == round(60_000_000 / 90)


# --- listening and reading --------------------------------------------------------------
def test_musicxml(tunes, tmp_path):
    assert run(tunes, "--musicxml", "-o", tmp_path / "t.mid").exit_code == 0
    assert "<score-partwise" in (tmp_path / "t.musicxml").read_text()


@pytest.mark.needs("abcm2ps")
def test_svg(tunes, tmp_path):
    assert run(tunes, "--svg", "-o", tmp_path / "t.mid").exit_code == 0
    assert "<svg" in (tmp_path / "t.svg").read_text()


@pytest.mark.needs("fluidsynth")
def test_wav(tunes, tmp_path):
    assert run(tunes, "--wav", "-o", tmp_path / "t.mid").exit_code == 0
    assert (tmp_path / "t.wav").read_bytes()[:4] == b"RIFF"


@pytest.mark.parametrize("flag, hint", [("--svg", "apt-get install abcm2ps"),
                                        ("--wav", "apt-get install fluidsynth")])
def test_missing_tool_gives_a_hint_and_writes_nothing(tunes, tmp_path, monkeypatch, flag, hint):
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    result = run(tunes, flag, "-o", tmp_path / "t.mid")
    assert result.exit_code == 1 and hint in result.stderr
    assert not (tmp_path / "t.mid").exists()


def test_a_failing_tool_that_prints_bytes_not_utf8_gives_one_line(tmp_path):
    """abcm2ps and abc2midi quote the tune's own bytes, which may be Latin-1."""
    with pytest.raises(UserError, match=r"rendering x failed \(sh exit 3\): bad \ufffd"):
        render._run(["sh", "-c", r"printf 'bad \235\n' >&2; exit 3"], "rendering x")


@pytest.mark.needs("fluidsynth")
def test_page_audio_is_ogg_vorbis_or_else_mono_wav(monkeypatch):
    import io
    import wave

    data = midi.tune_to_midi("X:1\nT:t\nM:2/4\nL:1/8\nK:D\nDEFG|ABcd|\n")
    ogg, mime = render.page_audio(data)
    assert ogg[:4] == b"OggS" and mime == "audio/ogg"
    real = render.midi_to_audio

    def no_ogg(midi_path, audio_path, rate=44100, small=False):
        if str(audio_path).endswith(".oga"):
            raise UserError("this renderer writes no Ogg")
        return real(midi_path, audio_path, rate, small)

    monkeypatch.setattr(render, "midi_to_audio", no_ogg)
    wav, mime = render.page_audio(data)
    with wave.open(io.BytesIO(wav)) as audio:
        assert (audio.getnchannels(), audio.getframerate(), mime) == (1, render.PAGE_AUDIO_RATE, "audio/wav")
