import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from click.testing import CliRunner

from charrnn.cli import main
from charrnn.cli.common import load_run

import torch

from charrnn.run.config import ModelConfig
from charrnn.model.model import CharRNN
from charrnn.music.abc import reference
from charrnn.music.abc.check import check_tune
from charrnn.music.steer.completion import completion
from charrnn.music.steer.constraint import TuneConstraint
from charrnn.music.abc.fields import field_of
from charrnn.music.steer.sampling import TuneHeader, header_prime, sample_tunes
from charrnn.sample.sampling import SampleSettings
from charrnn.data.vocab import Vocabulary

ABC_CHARS = "\n !\"#%'()+,-./0123456789:<=>ABCDEFGHIKLMNOPQRSTUVWXZ[\\]^_abcdefghijklmnopqrstuvwxyz{|}~"


def untrained(chars=ABC_CHARS, seed=0):
    """A model that has learnt nothing: near-uniform over an ABC vocabulary."""
    torch.manual_seed(seed)
    vocab = Vocabulary(sorted(set(chars)))
    return CharRNN(len(vocab), ModelConfig(layers=1, hidden=16, embedding=8)).eval(), vocab


@pytest.mark.parametrize("header, prime", [
    (TuneHeader(), "X:1\n"),
    (TuneHeader(title="A Jig", meter="6/8"), "X:1\nT:A Jig\nM:6/8\n"),
    (TuneHeader(prime="T:Mine\nR:reel"), "X:1\nT:Mine\nR:reel\n"),
    (TuneHeader(prime="X:5\nT:Mine\n", meter="C|"), "X:5\nT:Mine\nM:C|\n"),
])
def test_header_prime(header, prime):
    assert header_prime(header) == prime


WILD_HEADER = TuneHeader(prime="X:1\nT:Wild\nM:6/8\nL:1/8\nK:D\n")


@pytest.fixture(scope="module")
def wild_tunes():
    """An untrained model at temperature 1.5 writes noise; the grammar makes it tunes."""
    model, vocab = untrained()
    chosen = SampleSettings(length=250, temperature=1.5, seed=11)
    return sample_tunes(model, vocab, 4, WILD_HEADER, chosen, streams=2)


def test_an_untrained_model_makes_only_valid_tunes(wild_tunes):
    tunes, dropped = wild_tunes
    assert len(tunes) == 4 and dropped == 0
    for number, tune in enumerate(tunes, 1):
        assert tune.text.startswith(f"X:{number}\n")
        assert check_tune(tune.text).problems == [], tune.text


@pytest.mark.needs("abc2midi")
def test_abc2midi_reads_every_constrained_tune_without_an_error(wild_tunes):
    for tune in wild_tunes[0]:
        assert reference.errors(tune.text) == [], tune.text


def test_the_grammar_refuses_some_of_what_noise_draws(wild_tunes):
    assert all(0 < tune.refused < 1 for tune in wild_tunes[0])


# The same walks every run: wider random walks still find rare gaps in the grammar, which
# are worth finding by fuzzing, not by a test suite that passes or fails by luck.
WALKS = dict(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
CHOICES = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=120)


def walk_the_mask(choices, text=None, form=None):
    """Walk the mask with arbitrary choices among the characters it allows, from `text`
    (the wild header's prime) under the form plan `form`, then finish the tune as the
    sampler would near its cap."""
    constraint = TuneConstraint(sorted(set(ABC_CHARS)))
    text = header_prime(WILD_HEADER) if text is None else text
    reader = constraint.reader(text, form)
    for choice in choices:
        allowed = [ch for ch, ok in zip(constraint.chars, constraint.allowed(reader)) if ok]
        ch = allowed[choice % len(allowed)]
        reader.feed_char(ch)
        text += ch
        if reader.ended:
            break
    return text + ("" if reader.ended else completion(reader, constraint.caps))


@pytest.mark.slow
@settings(**WALKS)
@given(CHOICES)
def test_any_text_the_mask_lets_through_can_be_finished_valid(choices):
    text = walk_the_mask(choices)
    assert check_tune(text).problems == [], text


@pytest.mark.slow
@pytest.mark.needs("abc2midi")
@settings(**WALKS)
@given(CHOICES)
def test_abc2midi_reads_any_text_the_mask_lets_through_finished_without_an_error(choices):
    text = walk_the_mask(choices)
    assert reference.errors(text) == [], text


@pytest.mark.slow
def test_batched_and_one_stream_sampling_make_the_same_tunes():
    model, vocab = untrained(seed=3)
    chosen = SampleSettings(length=200, temperature=1.0, seed=5)
    drawn = []
    batched, _ = sample_tunes(model, vocab, 4, WILD_HEADER, chosen, streams=4, on_draw=drawn.append)
    alone, _ = sample_tunes(model, vocab, 4, WILD_HEADER, chosen, streams=1)
    assert [t.text for t in batched] == [t.text for t in alone]
    # each tune was handed out as it was drawn, before its renumbering
    assert sorted(t.text.partition("\n")[2] for t in batched) == \
        sorted(text.partition("\n")[2] for text in drawn)
    assert all(text.startswith("X:1\n") for text in drawn)


def bigram(table):
    """A model whose next character depends on the last alone: `table[last][next]` is the
    logit of `next` (the rest get -20), so what it writes can be worked out by hand."""
    vocab = Vocabulary(sorted(set("X:1\nT M/24LKC") | set(table) | {c for row in table.values() for c in row}))
    size = len(vocab)
    model = CharRNN(size, ModelConfig(model="rnn", layers=1, hidden=size, embedding=size, dropout=0.0))
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.zero_()
        model.embed.weight.copy_(torch.eye(size) * 5)  # the hidden state: tanh(5) * one-hot
        model.rnn.weight_ih_l0.copy_(torch.eye(size))
        logits = torch.full((size, size), -20.0)
        for last, row in table.items():
            for ch, logit in row.items():
                logits[vocab.index[ch], vocab.index[last]] = logit
        model.head.weight.copy_(logits / torch.tanh(torch.tensor(5.0)))
    return model.eval(), vocab


@pytest.mark.parametrize("taken_back, start", [(3, "A| AA| AA| AA|"), (0, "A| A|| A| A||")])
def test_a_character_whose_next_draw_is_refused_is_taken_back(monkeypatch, taken_back, start):
    """The model wants "| " after every note. In 2/4 with L:1/4 the second bar's one note
    leaves it short, and a short bar mid-tune may not close with a plain |: only || and
    the like. The sampler takes the | back and writes the model's next choice, a second
    note. Not taking characters back (0 at a place), it writes the | and then a |."""
    from charrnn.music.steer import sampling

    monkeypatch.setattr(sampling, "MAX_TAKEN_BACK", taken_back)
    model, vocab = bigram({"\n": {"A": 3.0, "\n": 2.0}, "A": {"|": 3.0, "A": 2.0},
                           "|": {" ": 5.0, "|": 1.0, "]": 0.5, "\n": 0.0}, " ": {"A": 4.0, "\n": 0.0}})
    header = TuneHeader(prime="X:1\nT:T\nM:2/4\nL:1/4\nK:C\n")
    tunes, _ = sample_tunes(model, vocab, 1, header, SampleSettings(length=60, temperature=0))
    assert tunes[0].text.startswith(header.prime + start)
    assert check_tune(tunes[0].text).ok


def test_nothing_of_the_header_is_taken_back():
    """The model writes K:G and then another K: line, where the form plan has |: first.
    Taking the newline back would make the key K:Gm, the model's second choice after G;
    the header is kept as the model wrote it, and the |: comes as the plan has it."""
    from charrnn.music.steer.form import CorpusForm, FormRequest
    from charrnn.music.steer.planner import Planner

    model, vocab = bigram({"\n": {"K": 4.0, "A": 3.0, "|": 1.0}, "K": {":": 5.0},
                           ":": {"G": 5.0, "|": 0.5}, "G": {"\n": 3.0, "m": 2.0, "|": 1.0},
                           "m": {"\n": 3.0}, "A": {"A": 3.0, "|": 2.0, " ": 1.0},
                           "|": {":": 2.0, " ": 1.0, "]": 0.5}, " ": {"A": 4.0, "|": 1.0}})
    header = TuneHeader(prime="X:1\nT:T\nM:2/4\nL:1/4\n")
    planner = Planner(FormRequest.parse("AABB 2"), CorpusForm())
    tunes, _ = sample_tunes(model, vocab, 1, header, SampleSettings(length=200, temperature=0),
                            form=planner)
    assert tunes[0].text.startswith(header.prime + "K:G\n|:"), tunes[0].text
    assert check_tune(tunes[0].text).ok


def test_free_sampling_drops_tunes_that_run_past_the_cap():
    model, vocab = untrained(seed=4)
    chosen = SampleSettings(length=30, temperature=1.5, seed=2)
    tunes, dropped = sample_tunes(model, vocab, 2, TuneHeader(), chosen, free=True)
    assert dropped == 2 * 5 - len(tunes) and all(len(t.text) <= 34 for t in tunes)


def test_a_key_and_meter_asked_for_are_in_every_tune():
    model, vocab = untrained(seed=6)
    header = TuneHeader(title="Ours", meter="6/8", key="Ador")
    tunes, _ = sample_tunes(model, vocab, 3, header, SampleSettings(length=300, seed=1))
    for tune in tunes:
        lines = tune.text.splitlines()
        keys = [field_of(line)[1] for line in lines if line.startswith("K:")]
        assert lines[1:3] == ["T:Ours", "M:6/8"] and keys and set(keys) == {"Ador"}
        assert check_tune(tune.text).ok


@pytest.mark.parametrize("chars, missing", [
    ("abcdefg ABCDEFG\n:XTMK/2", "a bar line |"),
    ("abc |:XTMK/2", "a newline"),
    ("\n|:XTMK/2 ", "note letters (A-G, a-g)"),
])
def test_a_vocabulary_that_cannot_finish_a_tune_says_what_it_lacks(chars, missing):
    assert missing in TuneConstraint(sorted(set(chars))).missing("X:1\n")


def train_tune_run(root, titles, meters=("2/4", "6/8"), keys=("D", "Ador")):
    """A tiny model trained through the command line on 60 two-bar tunes, each taking the
    next of `titles`, `meters` and `keys` in turn: the run directory."""
    def nth(values, i):
        return values[i % len(values)]

    tunes = "".join(f"X:{i}\nT:{nth(titles, i)}\nR:reel\nM:{nth(meters, i)}\nL:1/8\n"
                    f"K:{nth(keys, i)}\n|:DEFG|ABcd:|\n\n" for i in range(60))
    (root / "tunes.abc").write_text(tunes, encoding="utf-8")
    result = CliRunner().invoke(main, [
        "train", "--corpus", str(root / "tunes.abc"), "--out", str(root / "run"), "--config", "tiny",
        "--max-steps", "150", "--lr", "0.02", "--hidden", "32", "--batch-size", "4",
        "--seq-len", "16", "--no-progress"])
    assert result.exit_code == 0, result.output
    return root / "run"


@pytest.fixture(scope="module")
def tune_run(tmp_path_factory):
    return train_tune_run(tmp_path_factory.mktemp("tunes"), [f"Tune {i}" for i in range(60)])


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


@pytest.mark.parametrize("prime, problem", [
    ("R:reel", "a field other than T: right after X:"),
    ("T:Tune\nK:D", "K: before the header's T: and M:"),
])
def test_a_start_no_sampled_tune_can_have_is_named_before_sampling(tune_run, tmp_path, prime, problem):
    out = tmp_path / "tunes"
    result = CliRunner().invoke(main, ["sample", str(tune_run), "--abc", "-n", "1", "--prime", prime,
                                       "--out", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith("Error: no sampled tune can begin") and problem in result.output
    assert result.output.count("\n") == 1 and not out.exists()
    free = CliRunner().invoke(main, ["sample", str(tune_run), "--abc", "--free", "-n", "1",
                                     "--prime", prime, "--seed", "1", "--length", "300"])
    assert free.exit_code == 0, free.output


def test_a_meter_without_a_title_is_kept_and_the_title_comes_first(tune_run):
    """T: comes right after X: in a sampled tune, so --meter alone puts a T: before it."""
    result = CliRunner().invoke(main, ["sample", str(tune_run), "--abc", "-n", "2", "--seed", "3",
                                       "-t", "0.3", "--meter", "6/8"])
    assert result.exit_code == 0, result.output
    tunes = [t.splitlines() for t in result.output.split("X:")[1:] if "\nK:" in t]
    assert len(tunes) == 2
    for lines in tunes:
        assert lines[1].startswith("T:") and lines[2] == "M:6/8"


def test_report_counts_valid_tunes(tune_run):
    result = CliRunner().invoke(main, ["sample", str(tune_run), "--abc", "-n", "2", "--seed", "1", "-t", "0.2"])
    assert "2 tunes made: 2 valid, " in result.output


def test_a_garbled_tune_gets_no_midi_and_the_others_do(tmp_path, capsys):
    from charrnn.cli.tunes import write_midi

    write_midi("X:3\nT:Broken\nM:C/|\nL:1/8\nK:G\nDFGA FAF|DED F2 :||\n", tmp_path / "bad.mid")
    write_midi("X:1\nT:Fine\nM:2/4\nL:1/8\nK:D\nDEFG|ABcd|\n", tmp_path / "good.mid")
    assert "no MIDI for bad" in capsys.readouterr().err
    assert not (tmp_path / "bad.mid").exists() and (tmp_path / "good.mid").read_bytes()[:4] == b"MThd"


@pytest.mark.slow
def test_asking_only_about_drawn_characters_draws_as_the_whole_mask_would():
    """The sampler asks the grammar about the characters in its draw's order until one is
    allowed; masking the whole vocabulary first (as top-k needs) must give the same tunes,
    as the race's winner among the allowed characters is the same draw."""
    model, vocab = untrained(seed=8)
    lazy = SampleSettings(length=250, temperature=1.2, seed=9)
    whole = SampleSettings(length=250, temperature=1.2, seed=9, top_k=len(vocab))
    first, _ = sample_tunes(model, vocab, 3, WILD_HEADER, lazy, streams=2)
    second, _ = sample_tunes(model, vocab, 3, WILD_HEADER, whole, streams=2)
    assert [t.text for t in first] == [t.text for t in second]


@pytest.mark.parametrize("seed", range(3))
def test_the_tunes_handed_on_as_drawn_are_the_tunes_returned(tune_run, seed):
    """With several streams, a long tune still being drawn keeps its place: the tunes
    handed to on_tune as they end (what `sample --abc --out` writes) are the first by
    stream number, those returned, and as many as asked for."""
    _, model, vocab, _ = load_run(tune_run)
    handed = []
    tunes, _ = sample_tunes(model.eval(), vocab, 12, TuneHeader(), SampleSettings(
        length=2000, temperature=1.0, seed=seed), streams=8, on_tune=handed.append)
    assert len(tunes) == 12 and [t.text for t in handed[:12]] == [t.text for t in tunes]
