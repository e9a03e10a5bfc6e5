import json

import pytest
import torch
from click.testing import CliRunner

from charrnn.cli import main
from charrnn.run.config import ModelConfig
from charrnn.errors import UserError
from charrnn.model.model import CharRNN
from charrnn.music.abc import idiom as idioms
from charrnn.music.abc import reference
from charrnn.music.abc.grammar import TuneReader
from charrnn.music.steer.policy import SampledPolicy
from charrnn.music.steer.sampling import TuneHeader, sample_tunes
from charrnn.run.learned import corpus_idiom
from charrnn.run.rundir import IDIOM, RunDir
from charrnn.sample.sampling import SampleSettings
from charrnn.train.training import Trainer
from charrnn.data.vocab import Vocabulary
from tests.conftest import tiny_config

JIG = """X:1
T:The Jig
M:6/8
L:1/8
R:jig
K:D
% a comment
~A2B A>FA|"G"d2e {g}f3|(3ABc d2 !trill!e2f|1 d3 D3:|
"""
REEL = """X:2
T:The Reel
M:C|
L:1/8
R:reel
K:Ador
A2BA c/B/A GE|ABcd e3d|.e2dB A2A2|]
"""
TWO_TUNES = JIG + "\n" + REEL


def test_the_idiom_counts_the_tunes_that_write_each_token():
    idiom = idioms.learn([JIG, REEL])
    assert idiom.tunes == 2
    assert idiom.header_fields == {"K": 2, "L": 2, "M": 2, "R": 2, "T": 2, "X": 2}
    assert idiom.values["K"] == {"Ador": 1, "D": 1}
    assert idiom.values["M"] == {"6/8": 1, "C|": 1}
    assert idiom.values["R"] == {"jig": 1, "reel": 1}
    assert idiom.lengths["1/8 6/8"] == {"": 1, "2": 1, "3": 1}
    assert idiom.lengths["1/8 C|"] == {"": 1, "/": 1, "2": 1, "3": 1}
    assert idiom.contexts == {"1/8 6/8": 1, "1/8 C|": 1}
    assert idiom.decorations == {"!trill!": 1, ".": 1, "~": 1}
    assert idiom.chords == {"G": 1}
    assert (idiom.graces, idiom.comments, idiom.annotations) == (1, 1, 0)
    assert idiom.tuplets == {"3": 1} and idiom.broken == {">": 1}
    assert idiom.chord_notes == {} and idiom.layout == {}
    assert idiom.grace_notes == {"1": 1} and idiom.grace_lengths == {"": 1}
    assert idiom.accidentals == {} and idiom.spacers == 0 and idiom.joins == {}


@pytest.mark.parametrize("joined, joins", [(":|\n|:", {}), ("::", {"::": 1}), (":||:", {":||:": 1})])
def test_the_idiom_counts_the_bar_lines_that_join_two_repeats(joined, joins):
    tune = "X:1\nT:t\nM:6/8\nL:1/8\nK:D\n|:ABc def:|\n|:ABc def:|\n".replace(":|\n|:", joined)
    assert idioms.learn([tune, JIG]).joins == joins


def test_a_sampled_tune_joins_two_repeats_only_as_its_corpus_does():
    """O'Neill's joins two repeats with :: in 6 tunes of 1,838, and with :||: in none; a
    five-minute model's planned tunes wrote one or the other in 16 of 100."""
    tune = "X:1\nT:t\nM:6/8\nL:1/8\nK:D\n|:ABc def:|\n|:ABc def:|\n"
    corpus = [JIG, tune.replace(":|\n|:", "::")]
    policy = SampledPolicy.from_idiom(idioms.learn(corpus))
    read = {text: set(TuneReader(sampled=True, policy=policy).feed(text).finish())
            for text in (tune, tune.replace(":|\n|:", "::"), tune.replace(":|\n|:", ":||:"))}
    base, joined, other = read.values()
    assert joined == base
    assert other - base == {"the bar line :||:, which the idiom of 2 tunes does not write"}


def test_the_idiom_counts_accidentals_and_spacers():
    tune = REEL.replace("A2BA", "^A2=BA _B^^c").replace("GE|", "GE y|")
    idiom = idioms.learn([tune + "\n", JIG.replace("d2e", "d2^e")])
    assert idiom.accidentals == {"^": 2, "=": 1, "_": 1, "^^": 1} and idiom.spacers == 1
    policy = SampledPolicy.from_idiom(idiom)
    assert policy.accidentals == {"^", "=", "_", "^^"} and policy.spacers


@pytest.mark.parametrize("change, problem", [
    (("d2e", "d2^e"), None),
    (("d2e", "d2=e"), None),
    (("d2e", "d2^^e"), "the accidental ^^, which the idiom of 2 tunes does not write"),
    (("d2e", "d2_e"), "the accidental _, which the idiom of 2 tunes does not write"),
    (("d2e", "d2 y e"), "a spacer (y), which the idiom of 2 tunes does not write"),
    (("D3:|", "D3:| !"), "a ! ending a line (an old line break), which the idiom of 2 tunes "
                         "does not write"),
    (("d2e {g}", "d2e\n{g}"), "a line of music ending inside a bar, which the idiom of 2 "
                              "tunes does not write"),
])
def test_a_sampled_tune_s_accidentals_spacers_and_line_breaks_are_the_corpus_s(change, problem):
    """A model the form plan refuses escapes into what its corpus never writes: a spacer
    y (8 of 100 tunes of a five-minute O'Neill's model; O'Neill's: none), a ^^."""
    corpus = [JIG.replace("d2e", "d2^e"), REEL.replace("A2BA", "A2=BA")]
    policy = SampledPolicy.from_idiom(idioms.learn(corpus))
    read = [TuneReader(sampled=True, policy=policy).feed(tune).finish()
            for tune in (JIG, JIG.replace(*change))]
    assert set(read[1]) - set(read[0]) == ({problem} if problem else set()), read


def test_the_idiom_counts_grace_group_sizes_and_lengths():
    tune = REEL.replace("A2BA", "{gag}A2BA {/a}B").replace("ABcd", "{g/a/}ABcd")
    idiom = idioms.learn([tune + "\n", JIG])
    assert idiom.grace_notes == {"1": 2, "2": 1, "3": 1}
    assert idiom.grace_lengths == {"": 2, "/": 1}
    policy = SampledPolicy.from_idiom(idiom)
    assert policy.grace_notes == 3 and set(policy.grace_lengths.values) == {"", "/"}


@pytest.mark.parametrize("grace, problem", [
    ("{g}", None),
    ("{gf}", "a grace group of more than 1 notes, which the idiom of 2 tunes does not write"),
    ("{g2}", "the length 2...: not a length the idiom of 2 tunes writes"),
    ("{g/}", "the length /...: not a length the idiom of 2 tunes writes"),
])
def test_a_sampled_tune_s_grace_groups_are_the_corpus_s(grace, problem):
    """A model whose note a full bar refuses writes it in a grace group instead, where it
    takes no time; the corpus's tunes write groups of a few short notes."""
    policy = SampledPolicy.from_idiom(idioms.learn([JIG, REEL]))
    read = [TuneReader(sampled=True, policy=policy).feed(tune).finish()
            for tune in (JIG, JIG.replace("{g}", grace))]
    assert set(read[1]) - set(read[0]) == ({problem} if problem else set()), read


def test_the_idiom_counts_chord_sizes_and_layout():
    tune = REEL.replace("A2BA", "[A2c2]BA [CEGc]").replace("GE|", "GE|\\\n\t")
    idiom = idioms.learn([tune + "\n", JIG])
    assert idiom.chord_notes == {"2": 1, "4": 1}
    assert idiom.layout == {"continuation": 1, "leading blank": 1, "tab": 1}
    assert idioms.learn(["X:1\nT:Blank \nK:D\nABc| \n"]).layout == {"trailing blank": 1}
    assert idioms.learn(["X:1\nT:t\nK:D\nABc\ndef|\n"]).layout == {"mid-bar line break": 1}


def test_an_idiom_kept_before_layouts_were_counted_holds_none():
    old = {k: v for k, v in idioms.learn([JIG]).to_dict().items()
           if k not in ("layout", "chord_notes", "grace_notes", "grace_lengths",
                        "accidentals", "spacers", "joins")}
    policy = SampledPolicy.from_idiom(idioms.Idiom.from_dict(old))
    assert policy.layout is None and policy.chord_notes is None
    assert policy.grace_notes is None and policy.grace_lengths is None
    assert policy.accidentals is None and policy.spacers and policy.joins is None
    assert policy.layout_problem("tab") is None


def test_a_token_is_counted_once_a_tune():
    assert idioms.learn([JIG, JIG, REEL]).values["K"] == {"D": 2, "Ador": 1}
    assert idioms.learn([JIG.replace("A2B", "A2B A2B A2B")]).lengths["1/8 6/8"]["2"] == 1


def test_the_idiom_round_trips_through_json():
    idiom = idioms.learn([JIG, REEL])
    again = idioms.Idiom.from_dict(json.loads(json.dumps(idiom.to_dict())))
    assert again == idiom


@pytest.mark.parametrize("data", [{"format": 99}, {}, []])
def test_an_idiom_of_another_format_is_refused_in_one_line(data):
    with pytest.raises(UserError, match="format .* not 1; delete it") as caught:
        idioms.Idiom.from_dict(data)
    assert "\n" not in str(caught.value)


def test_the_rare_share_leaves_out_what_few_tunes_write():
    tunes = [REEL.replace("K:Ador", "K:G")] * 300 + [JIG]
    policy = SampledPolicy.from_idiom(idioms.learn(tunes))
    assert policy.options("K") == ["G"]  # 1 tune in 301 writes K:D
    assert not policy.graces and policy.decorations == frozenset()


@pytest.mark.parametrize("tune, never", [
    (JIG, []),
    (JIG.replace("K:D", "K:G Majiin"), ["K:G Majiin"]),
    (JIG.replace("M:6/8", "M:18/8"), ["M:18/8"]),
    (JIG.replace("f3", "f3///"), ["length '3///' at 1/8 6/8"]),
    (JIG.replace("!trill!", "!ffff!"), ["decoration !ffff!"]),
    (JIG.replace("A>FA", "[AF]A"), ["chord of 2 notes"]),
    (JIG.replace("{g}", "{gfg}"), ["grace group of 3 notes"]),
    (JIG.replace("{g}", "{g2}"), ["grace note length '2'"]),
    (JIG.replace("|(3ABc", "\\\n\t|(3ABc"), ["a tab", "a \\ continuing a line"]),
    (JIG.replace("A2B A>FA", "A2B  A>FA"), ["blanks in a row"]),
    (JIG.replace("d2e", "d2^^e y"), ["accidental ^^", "spacers"]),
    (JIG.replace("D3:|", "D3:| !"), ["a ! ending a line"]),
    (JIG.replace("D3:|", "D3:| !trill!"), []),
    (JIG.replace("\n~A2B", "\n ~A`2B"), ["a blank opening a line", "a ` or $"]),
])
def test_unwritten_names_what_no_corpus_tune_writes(tune, never):
    found = idioms.unwritten(idioms.learn([JIG, REEL]), tune)
    assert all(any(n in f for f in found) for n in never) and bool(found) == bool(never), found


def corpus(tmp_path):
    path = tmp_path / "two.abc"
    path.write_text(TWO_TUNES * 30, encoding="utf-8")
    return path


def test_the_idiom_is_kept_with_the_run_and_through_resume(tmp_path):
    path = corpus(tmp_path)
    run = tmp_path / "run"
    Trainer(tiny_config(path, max_steps=4, eval_every=2), run).run()
    kept = RunDir(run).read_idiom()
    assert kept == corpus_idiom(str(path)) and kept.tunes == 60
    run_dir = RunDir(run)
    config, payload = run_dir.resumed_config({"max_steps": 6})
    Trainer(config, run_dir, resume=payload).run()
    assert RunDir(run).read_idiom() == kept
    (run / IDIOM).unlink()  # a run made before runs kept one gains it on resume
    config, payload = run_dir.resumed_config({"max_steps": 8})
    Trainer(config, run_dir, resume=payload).run()
    assert RunDir(run).read_idiom() == kept


def test_a_run_without_an_idiom_learns_it_when_sampled_or_says_how(tmp_path):
    path = corpus(tmp_path)
    run = tmp_path / "run"
    Trainer(tiny_config(path, max_steps=2, eval_every=2), run).run()
    (run / IDIOM).unlink()
    args = ["sample", str(run), "--abc", "-n", "1", "--seed", "1", "-l", "400"]
    made = CliRunner().invoke(main, args)
    assert made.exit_code == 0, made.output
    assert f"learned the idiom of {path} (60 tunes), saved to {run / IDIOM}" in made.output
    assert RunDir(run).read_idiom() == corpus_idiom(str(path))
    (run / IDIOM).unlink()
    path.unlink()
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code != 0 and "Traceback" not in refused.output
    assert refused.output.strip().count("\n") == 0
    assert f"has no {IDIOM}, and its corpus cannot be read" in refused.output
    assert "--idiom off" in refused.output
    assert CliRunner().invoke(main, args + ["--idiom", "off"]).exit_code == 0


GOES_WITH = "Error: --idiom goes with --abc, without --free: it steers the grammar"


@pytest.mark.parametrize("extra, message", [
    (["--idiom", "on"], GOES_WITH),
    (["--idiom", "off", "--abc", "--free"], GOES_WITH),
    (["--abc", "--idiom", "maybe"], "Error: Invalid value for '--idiom': 'maybe' is not one of 'on', 'off'."),
])
def test_idiom_refusals_are_one_line(tmp_path, extra, message):
    run = tmp_path / "run"
    Trainer(tiny_config(corpus(tmp_path), max_steps=2, eval_every=2), run).run()
    refused = CliRunner().invoke(main, ["sample", str(run), *extra])
    assert refused.exit_code != 0 and "Traceback" not in refused.output
    assert refused.output.strip() == message


def untrained(chars, seed=0):
    torch.manual_seed(seed)
    vocab = Vocabulary(sorted(set(chars)))
    return CharRNN(len(vocab), ModelConfig(layers=1, hidden=16, embedding=8)).eval(), vocab


@pytest.mark.parametrize("seed", range(4))
def test_sampled_tunes_write_only_what_the_corpus_writes(seed):
    """An untrained model at T=1.5 writes noise; held to a two-tune corpus's idiom, its
    tunes write no header value, length, decoration, chord, tab or continuation that corpus
    does not, and no line ends in a blank."""
    idiom = idioms.learn([JIG, REEL])
    model, vocab = untrained(TWO_TUNES + "Q:120HTu^_=!+<zx[]\t\\`", seed)
    chosen = SampleSettings(length=220, temperature=1.5, seed=seed)
    tunes, _ = sample_tunes(model, vocab, 6, TuneHeader(), chosen, streams=3,
                            policy=SampledPolicy.from_idiom(idiom))
    for tune in tunes:
        assert idioms.unwritten(idiom, tune.text) == [], tune.text
        assert TuneReader().feed(tune.text).finish() == [], tune.text
        assert all(line == line.rstrip() for line in tune.text.splitlines()), tune.text


@pytest.mark.slow
@pytest.mark.needs("abc2midi")
def test_a_thousand_tunes_from_a_tiny_model_give_abc2midi_no_error():
    """Noise, steered by the grammar with the hand-written limits (which allow the most),
    at a short cap: abc2midi reads every tune without an Error."""
    model, vocab = untrained(TWO_TUNES + "Q:120HTu^_=!+<zx[]2345678Hornpipe", seed=1)
    chosen = SampleSettings(length=120, temperature=1.5, seed=3)
    tunes, _ = sample_tunes(model, vocab, 1000, TuneHeader(prime="X:1\nT:t\nR:Hornpipe\n"),
                            chosen, streams=16)
    failing = [(tune.text, errors) for tune in tunes if (errors := reference.errors(tune.text))]
    assert failing == []


def trilled_corpus(trilled, of=20):
    """`of` tunes, `trilled` of them with a trill (T), all with the unit length and a 2,
    one in four with a /."""
    return [JIG.replace("d2e", "Td2e" if n < trilled else "d2e").replace(
        "ABc", "A/B/c" if n % 4 == 0 else "ABc") for n in range(of)]


def test_a_tune_s_own_policy_keeps_each_token_as_often_as_the_corpus_s_tunes_write_it():
    """A model a form plan refuses escapes into what its corpus writes but seldom: each
    tune may write a token as often as the corpus's tunes write it."""
    import random

    policy = SampledPolicy.from_idiom(idioms.learn(trilled_corpus(5)))
    tunes = [policy.for_tune(random.Random(seed), 1 / 8, "6/8") for seed in range(400)]
    trilled = sum("T" in tune.shorthands for tune in tunes) / len(tunes)
    slashed = sum("/" in tune.lengths(1 / 8, "6/8").values for tune in tunes) / len(tunes)
    assert 0.15 < trilled < 0.35 and 0.15 < slashed < 0.35, (trilled, slashed)
    assert all({"", "2"} <= set(tune.lengths(1 / 8, "6/8").values) for tune in tunes)
    assert all(tune.decorations == policy.decorations for tune in tunes)  # !trill!: every tune
    again = policy.for_tune(random.Random(3), 1 / 8, "6/8")
    assert again.withheld == tunes[3].withheld
    kept = [policy.for_tune(random.Random(seed), 1 / 8, "6/8", keep=1 / 16) for seed in range(40)]
    assert all("/" in tune.lengths(1 / 8, "6/8").values for tune in kept)  # a held note's length


def test_a_tune_s_own_policy_refuses_what_it_withholds():
    import random

    policy = SampledPolicy.from_idiom(idioms.learn(trilled_corpus(10)))
    tunes = [policy.for_tune(random.Random(seed), 1 / 8, "6/8") for seed in range(20)]
    kept = next(t for t in tunes if ("shorthand", "T") not in t.withheld)
    withheld = next(t for t in tunes if ("shorthand", "T") in t.withheld)
    trilled = JIG.replace("d2e", "Td2e")
    assert TuneReader(sampled=True, policy=kept).feed(trilled).finish() == \
        TuneReader(sampled=True, policy=kept).feed(JIG).finish()
    assert "the decoration T, which the idiom of 20 tunes does not hold" in \
        TuneReader(sampled=True, policy=withheld).feed(trilled).finish()


def test_the_hand_written_limits_are_every_tune_s():
    import random

    policy = SampledPolicy.hand_written()
    assert policy.for_tune(random.Random(0), 1 / 8, "6/8") is policy
