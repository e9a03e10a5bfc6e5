import pytest
from click.testing import CliRunner

from charrnn.cli import main
from charrnn.music.sampling import TuneHeader, header_prime, renumber


@pytest.mark.parametrize("header, prime", [
    (TuneHeader(), "X:1\n"),
    (TuneHeader(title="A Jig", meter="6/8"), "X:1\nT:A Jig\nM:6/8\n"),
    (TuneHeader(prime="T:Mine\nR:reel"), "X:1\nT:Mine\nR:reel\n"),
    (TuneHeader(prime="X:5\nT:Mine\n", meter="C|"), "X:5\nT:Mine\nM:C|\n"),
])
def test_header_prime(header, prime):
    assert header_prime(header) == prime


def test_renumber_changes_only_the_first_line():
    assert renumber("X:1\nT:X:1 in a title\n", 7) == "X:7\nT:X:1 in a title\n"


@pytest.fixture(scope="module")
def tune_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tunes")
    tunes = "".join(f"X:{i}\nT:Tune {i}\nR:reel\nM:{('2/4', '6/8')[i % 2]}\nL:1/8\n"
                    f"K:{('D', 'Ador')[i % 2]}\n|:DEFG|ABcd:|\n\n" for i in range(60))
    (tmp / "tunes.abc").write_text(tunes, encoding="utf-8")
    result = CliRunner().invoke(main, [
        "train", "--corpus", str(tmp / "tunes.abc"), "--out", str(tmp / "run"), "--config", "tiny",
        "--max-steps", "150", "--lr", "0.02", "--hidden", "32", "--batch-size", "4",
        "--seq-len", "16", "--no-progress"])
    assert result.exit_code == 0, result.output
    return tmp / "run"


def test_key_meter_and_title_are_set_in_every_tune(tune_run):
    result = CliRunner().invoke(main, ["sample", str(tune_run), "--abc", "-n", "2", "--seed", "3",
                                       "-t", "0.3", "--key", "Ador", "--meter", "6/8",
                                       "--title", "Tune 77"])
    assert result.exit_code == 0, result.output
    tunes = [t for t in result.output.split("X:")[1:]]
    assert len(tunes) == 2
    for tune in tunes:
        lines = tune.splitlines()
        assert lines[1:3] == ["T:Tune 77", "M:6/8"]
        assert "K:Ador" in lines and lines.count("K:Ador") == 1
        header = lines[: lines.index("K:Ador")]
        assert all(len(line) > 1 and line[1] == ":" for line in header[1:])


def test_report_counts_valid_tunes(tune_run):
    result = CliRunner().invoke(main, ["sample", str(tune_run), "--abc", "-n", "2", "--seed", "1", "-t", "0.2"])
    assert "2 tunes made, 2 valid" in result.output


def test_a_garbled_tune_gets_no_midi_and_the_others_do(tmp_path, capsys):
    from charrnn.cli.tunes import write_midi

    write_midi("X:3\nT:Broken\nM:C/|\nL:1/8\nK:G\nDFGA FAF|DED F2 :||\n", tmp_path / "bad.mid")
    write_midi("X:1\nT:Fine\nM:2/4\nL:1/8\nK:D\nDEFG|ABcd|\n", tmp_path / "good.mid")
    assert "no MIDI for bad" in capsys.readouterr().err
    assert not (tmp_path / "bad.mid").exists() and (tmp_path / "good.mid").read_bytes()[:4] == b"MThd"
