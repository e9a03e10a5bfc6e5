"""Form plans and cadences: what --form asks for, what a corpus teaches a plan, and sampled
tunes that keep their plan by construction, whatever the model (an untrained one at T=1.5)."""

import json
import re
from collections import Counter

import pytest
from click.testing import CliRunner
from gmpy2 import mpq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from charrnn.cli import main
from charrnn.music.abc import reference
from charrnn.music.abc.check import check_tune
from charrnn.music.steer.completion import completion
from charrnn.music.steer.constraint import TuneConstraint
from charrnn.music.abc.grammar import TuneReader
from charrnn.cli.tunes import corpus_form
from charrnn.music.abc.keys import read_key
from charrnn.music.steer.form import FORM_VERSION, CorpusForm, FormRequest
from charrnn.music.steer.planner import Planner
from charrnn.music.steer.sampling import TuneHeader, sample_tunes
from charrnn.music.abc.skeleton import skeleton, tune_kind
from charrnn.music.abc.tunes import normalise_tune
from charrnn.sample.sampling import SampleSettings
from charrnn.run.rundir import RunDir
from test_music_sampling import ABC_CHARS, tune_run, untrained, walk_the_mask  # noqa: F401 (a fixture)

JIG = "|: GAB cBA | GAB d2B | GAB cBA | B2A G3 :|\n|: gfe dBG | gfe d2B | gfe dBA | B2A G3 :|"
CORPUS = [f"X:{n}\nT:Jig {n}\nM:6/8\nL:1/8\nR:jig\nK:G\n{JIG}\n" for n in range(1, 4)] + \
         ["X:4\nT:Air\nM:3/4\nL:1/8\nK:Em\nB2 | e4 f2 | g4 e2 | d4 B2 | E6 |]\n"]


@pytest.mark.parametrize("text, request_", [
    ("auto", FormRequest("auto")),
    (" Any ", FormRequest("any")),
    ("AABB", FormRequest("parts", (2, 2))),
    ("AABB 8", FormRequest("parts", (2, 2), (8, 8))),
    ("ABC 8+8+16", FormRequest("parts", (1, 1, 1), (8, 8, 16))),
    ("AAB  4+8", FormRequest("parts", (2, 1), (4, 8))),
])
def test_a_form_request_is_read(text, request_):
    assert FormRequest.parse(text) == request_


@pytest.mark.parametrize("text, message", [
    ("ABAB", "each written once or twice in a row"),
    ("AAAB", "each written once or twice in a row"),
    ("BA", "in order"),
    ("AABB 8+8+8", "names 2 parts but gives bars for 3"),
    ("AB 0", "a bar or more"),
    ("A 99", "64 bars in all"),
    ("aabb", "is not a form"),
    ("AABB eight", "is not a form"),
])
def test_a_bad_form_is_refused_in_one_line(text, message):
    result = CliRunner().invoke(main, ["sample", "no-run", "--abc", "--form", text])
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1, result.output


def test_form_goes_with_abc():
    result = CliRunner().invoke(main, ["sample", "no-run", "--form", "AABB"])
    assert result.exit_code != 0 and result.output.strip() == "Error: --form goes with --abc"


@pytest.mark.parametrize("key, pitch, degree", [
    ("G", ("F", "", ""), 11), ("G", ("g", "'", ""), 0), ("Ador", ("F", "", ""), 9),
    ("F#m", ("C", "", ""), 7), ("Bb", ("E", "", ""), 5), ("Dmix", ("c", "", ""), 10),
    ("D", ("F", "", "="), 3), ("D ^g", ("G", "", ""), 6), ("Ador exp _b", ("F", "", ""), 8),
])
def test_a_key_gives_each_note_its_degree(key, pitch, degree):
    assert read_key(key).degree(pitch) == degree


@pytest.mark.parametrize("key", ["none", "HP", "^f"])
def test_keys_without_plain_degrees_have_no_cadence(key):
    assert read_key(key) is None


def test_a_corpus_teaches_skeletons_finals_and_held_lengths():
    form = CorpusForm.learn(CORPUS)
    assert {kind: {s.label: n for s, n in c.items()} for kind, c in form.skeletons.items()} == \
        {("6/8", "jig"): {"AABB 4+4": 3}, ("3/4", ""): {"A 4": 1}}
    assert form.finals == {"major": {0: 3}, "minor": {0: 1}}
    assert form.held_length("6/8", mpq(3, 4)) == mpq(3, 8)
    assert form.traits == {("6/8", "jig"): {"tunes": 3}, ("3/4", ""): {"tunes": 1}}
    assert CorpusForm.from_json(form.to_json()) == form


def test_a_corpus_teaches_how_many_tunes_of_each_kind_rest_or_slur_within_a_slur():
    form = CorpusForm.learn(CORPUS + [CORPUS[3].replace("E6", "(E4 z2)"),
                                      CORPUS[0].replace("GAB cBA", "(G(AB) cBA)")])
    assert form.traits[("3/4", "")] == {"tunes": 2, "rests": 1}
    assert form.traits[("6/8", "jig")] == {"tunes": 4, "nested slurs": 1}
    assert (form.trait_share("3/4", "", "rests"), form.trait_share("6/8", "jig", "rests")) == (0.5, 0)
    assert form.trait_share("6/8", "jig", "nested slurs") == 0.25
    assert form.trait_share("2/4", "", "rests") == 1 / 6  # a meter it has no tune in: all its tunes'


@pytest.mark.parametrize("body, problem", [
    ("|: GAB cBA | GAB dz ", "a rest, in a tune planned without rests"),
    ("|: GAB cBA | (G(AB) ", "a slur within a slur, in a tune planned without them"),
])
@pytest.mark.parametrize("writing", [False, True])
def test_a_tune_writes_a_trait_only_where_its_kind_s_tunes_do(body, problem, writing):
    """Where all the corpus's jigs rest (slur within a slur), a planned jig may; where none
    does, none may."""
    corpus = [tune.replace("d2B", "dz B").replace("gfe dBG", "(g(fe) dBG)") if writing else tune
              for tune in CORPUS]
    planner = Planner(FormRequest.parse("AABB 4"), CorpusForm.learn(corpus))
    reader = TuneReader(sampled=True, lookahead=True, form=planner).feed(
        "X:1\nT:t\nM:6/8\nL:1/8\nK:G\n" + body)
    assert reader.alive is writing
    assert writing or problem in reader.verdict()


def test_the_corpus_form_is_kept_in_the_run_directory(tmp_path, monkeypatch):
    corpus = tmp_path / "tunes.abc"
    corpus.write_text("\n".join(CORPUS))
    learned = corpus_form(RunDir(tmp_path), str(corpus))
    assert (tmp_path / "corpus-form.json").is_file()
    corpus.unlink()  # read from the run directory from now on
    assert corpus_form(RunDir(tmp_path), str(corpus)) == learned


def test_a_corpus_form_kept_by_another_version_is_learned_again(tmp_path):
    corpus = tmp_path / "tunes.abc"
    corpus.write_text("\n".join(CORPUS))
    learned = corpus_form(RunDir(tmp_path), str(corpus))
    kept = json.loads((tmp_path / "corpus-form.json").read_text())
    kept["form"]["version"] = 0
    (tmp_path / "corpus-form.json").write_text(json.dumps(kept))
    assert corpus_form(RunDir(tmp_path), str(corpus)) == learned
    assert json.loads((tmp_path / "corpus-form.json").read_text())["form"]["version"] == FORM_VERSION


# Reels whose A part has first and second endings of two bars, as O'Neill's write them.
ENDED = ["X:%d\nT:t\nR:reel\nM:C|\nL:1/8\nK:D\n|:DFAF DFAF|GBdB GBdB|1 ABcd efge|d2f2 d4:|2 "
         "ABcd efge|d8||\n|:fdfd fdfd|gege gege|fdfd fdfd|egfe d4:|\n" % n for n in range(1, 5)]


def test_the_corpus_teaches_how_long_first_endings_are():
    form = CorpusForm.learn(ENDED)
    [(found, count)] = form.skeletons[("C|", "reel")].items()
    assert (found.label, found.endings, found.ending_bars, count) == \
        ("AABB 4+4", (True, False), (2, 0), 4)
    assert form.endings == {4: {2: 4}} and form.ending_bars(4) == {2: 4}
    assert form.ending_bars(2) == {1: 1}  # a part of two bars has room for one
    assert CorpusForm.from_json(form.to_json()) == form


@pytest.mark.parametrize("seed", range(3))
def test_a_planned_part_with_endings_is_written_with_them(seed):
    """The plan draws the corpus's skeleton, endings and all: |1 ... :|2 ... ||, each
    ending as long as the corpus's, every bar full, and abc2midi plays it without a word."""
    prime = "X:1\nT:t\nR:reel\nM:C|\nL:1/8\nK:D\n"
    planner = Planner(FormRequest.parse("auto"), CorpusForm.learn(ENDED), seed).for_prime(prime)
    tune = prime + completion(TuneReader(sampled=True, lookahead=True, form=planner).feed(prime))
    found = skeleton(tune)
    assert (found.label, found.ending_bars) == ("AABB 4+4", (2, 0)), tune
    assert "|1" in tune and ":|2" in tune and check_tune(tune).problems == [], tune
    if reference.installed():
        assert reference.messages(tune) == [], tune


def test_every_plan_the_shipped_model_draws_can_be_finished():
    """A plan is drawn when the header ends, from the corpus's skeletons, registers and
    endings, under the model's idiom: each must leave the tune a way to its end. (A part
    with a pickup and four-bar endings once had none: after the short bar closing its first
    ending, the completion took the second ending's first bar for one completing a pickup.)"""
    import random
    from dataclasses import replace
    from charrnn.cli.common import load_run
    from charrnn.cli.sample import tune_policy
    from charrnn.music.steer.sampling import _GOLDEN

    found, _, vocab, config = load_run("folk")
    corpus = config.data.corpus
    constraint = TuneConstraint(vocab.chars, {}, tune_policy(found.learned, corpus, "on"))
    planner = Planner(FormRequest.parse("auto"), corpus_form(found.learned, corpus)).for_prime("X:1\n")
    start = random.Random(1).random()
    for number in range(40):
        tune = replace(planner, seed=number, quantile=(start + number * _GOLDEN) % 1)
        assert constraint.to_finish(constraint.reader("X:1\n", tune)) is not None, tune.drawn


def planned_reader(request, prime, seed=0, caps=None):
    planner = Planner(FormRequest.parse(request), CorpusForm.learn(CORPUS), seed).for_prime(prime)
    return TuneReader(caps, sampled=True, lookahead=True, form=planner).feed(prime)


@pytest.mark.parametrize("request_, label", [("auto", "AABB 4+4"), ("AABB", "AABB 4+4"),
                                            ("AABB 8", "AABB 8+8"), ("ABC 2+3+4", "ABC 2+3+4")])
def test_the_completion_writes_the_plan(request_, label):
    prime = "X:1\nT:t\nM:6/8\nL:1/8\nR:jig\nK:G\n"
    tune = prime + completion(planned_reader(request_, prime))
    assert check_tune(tune).problems == [] and skeleton(tune).label == label


@pytest.mark.parametrize("body", [
    "|: GAB cBA | GAB d2B | GAB cBA | B2A G3 :|",  # the planned part: alive
    "|: (GAB cBA) | GAB d2B- | B(AB cB)A | B2A G3 :|",  # a slur closes, a tie reaches over, at a bar line
])
def test_the_planned_part_is_alive(body):
    assert planned_reader("AABB 4", "X:1\nT:t\nM:6/8\nL:1/8\nK:G\n" + body).alive


@pytest.mark.parametrize("body, problem", [
    ("GAB cBA |", "music where the form AABB 4+4 has a |: first"),
    ("|: GAB cBA || ", "|| where the form AABB 4+4 has |"),
    ("|: GAB cB | ", "a bar of 5/8 where the form AABB 4+4 has 3/4"),
    ("|: GAB cBA | GAB d2B | GAB cBA | B2A G2A :|", "ends on A, not a held G"),
    ("|: GAB cBA | GAB d2B | GAB cBA | B2A G2 G :|", "no room left for a part's held final note"),
    ("|: GAB cBA | GAB d2B | GAB cBA | B2A G3 :|\nK:D\n", "a K: field in the body"),
    ('|: GAB cBA "G"', "has a bar line"),
    ("|: GAB !D.C.!c", "!D.C.!, which would change the order the form AABB 4+4 is played in"),
    ("|: GAB !fine!c", "!fine!, which would change the order"),
    ("|: GAB cBA | GAB d2B | GAB cBA | B2A G3 :|\n|: gfe dBG | gfe d2B | gfe dBA | B2A G3 :| !>!",
     "'!' after the form AABB 4+4 has ended"),
])
def test_what_breaks_the_plan_is_refused(body, problem):
    reader = planned_reader("AABB 4", "X:1\nT:t\nM:6/8\nL:1/8\nK:G\n" + body)
    assert not reader.alive and any(problem in p for p in reader.verdict()), reader.verdict()


def kind_of(tune):
    return tune_kind(normalise_tune(tune))


@pytest.mark.parametrize("quantile, meter, refused, problem", [
    (0.1, "3/4", "X:1\nT:t\nM:6/8\n", "M:6/8 is not M:3/4"),
    (0.1, "3/4", "X:1\nT:t\nR:", "R: in the header of a tune whose form plan has none"),
    (0.5, "6/8", "X:1\nT:t\nM:3/4\n", "M:3/4 is not M:6/8"),
    (0.5, "6/8", "X:1\nT:t\nR:air\n", "R:air is not R:jig"),
])
def test_auto_holds_the_header_to_the_kind_it_draws(quantile, meter, refused, problem):
    """CORPUS has an air (3/4, no R:, a pickup: first in the order drawn) and three jigs
    (6/8, R:jig): a quarter of the way and half way through them, `auto` draws one of each,
    and the header may give it no other meter or rhythm."""
    planner = Planner(FormRequest.parse("auto"), CorpusForm.learn(CORPUS), quantile=quantile)
    start = "X:1\nT:t\n"
    written = start + completion(TuneReader(sampled=True, lookahead=True, form=planner).feed(start))
    assert kind_of(written)[0] == meter and check_tune(written).problems == [], written
    reader = TuneReader(sampled=True, lookahead=True, form=planner).feed(refused)
    assert any(problem in p for p in reader.verdict()), reader.verdict()


def test_auto_draws_only_skeletons_a_plan_writes_as_they_are():
    """ABAB (or ABABCC, ABCABC) would come out as AABB, a skeleton of another tune: the
    plan draws among the corpus's tunes whose parts are played in order."""
    from collections import Counter
    from charrnn.music.abc.skeleton import Skeleton

    def shape(parts, bars):
        return Skeleton(tuple(parts), bars, (False,) * len(bars), False)

    corpus = CorpusForm(skeletons={("6/8", ""): Counter({shape("ABAB", (8, 8)): 20,
                                                          shape("ABABCC", (1, 8, 8)): 20,
                                                          shape("AABB", (8, 8)): 1})})
    drawn = {Planner(FormRequest.parse("auto"), corpus, quantile=q / 10).drawn for q in range(10)}
    assert drawn == {(("6/8", ""), shape("AABB", (8, 8)))}


def test_a_tune_ends_only_on_a_degree_the_verdict_takes_for_an_ending():
    """A degree 2.5% of the corpus's tunes end on is an oddity to the verdict (ENDING_SHARE):
    the plan's tune never ends there, whatever its seed."""
    from collections import Counter

    corpus = CorpusForm.learn(CORPUS)
    corpus.finals["major"] = Counter({0: 39, 4: 1})  # the tonic, or a B in G
    prime = "X:1\nT:t\nM:6/8\nL:1/8\nK:G\n"
    lasts = set()
    for seed in range(300):
        planner = Planner(FormRequest.parse("auto"), corpus, seed).for_prime(prime)
        lasts.add(TuneReader(sampled=True, lookahead=True, form=planner).feed(prime).form.plan.last)
    assert lasts == {frozenset("G")}


def test_a_tune_ends_on_the_tonic_as_often_as_the_corpus_s_tunes_do():
    """Leaving out the degrees too few tunes end on (4 and 11 here) makes no tonic ending
    commoner than the corpus has it: the others take their share."""
    corpus = CorpusForm(finals={"major": Counter({0: 76, 7: 10, 2: 10, 4: 2, 11: 2})})
    degrees = corpus.last_degrees("major")
    assert set(degrees) == {0, 7, 2} and degrees[0] / sum(degrees.values()) == pytest.approx(0.76)


def test_auto_spreads_the_tunes_over_the_corpus_kinds_and_keeps_the_prime_s():
    """An untrained model's tunes have the corpus's kinds, in its proportions (3 jigs to an
    air: 6 of 8 tunes, give or take one), each header as the corpus writes that kind; a
    meter the prime gives is every tune's."""
    model, vocab = untrained(seed=2)
    planner = Planner(FormRequest.parse("auto"), CorpusForm.learn(CORPUS))
    settings = SampleSettings(length=400, temperature=1.5, seed=3)
    tunes, _ = sample_tunes(model, vocab, 8, TuneHeader(), settings, streams=4, form=planner)
    kinds = [kind_of(t.text) for t in tunes]
    assert set(kinds) <= {("6/8", "jig"), ("6/8", ""), ("3/4", "")}, kinds
    assert 5 <= sum(meter == "6/8" for meter, _ in kinds) <= 7, kinds
    tunes, _ = sample_tunes(model, vocab, 4, TuneHeader(meter="3/4"), settings, form=planner)
    assert {kind_of(t.text) for t in tunes} == {("3/4", "")}


@pytest.fixture(scope="module")
def planned_tunes():
    """An untrained model at T=1.5 writes noise; the plan makes it AABB tunes of 8 bars."""
    model, vocab = untrained(seed=1)
    planner = Planner(FormRequest.parse("AABB 8"), CorpusForm.learn(CORPUS))
    header = TuneHeader(prime="X:1\nT:Wild\nM:6/8\nL:1/8\nK:G\n")
    settings = SampleSettings(length=400, temperature=1.5, seed=5)
    return sample_tunes(model, vocab, 6, header, settings, streams=3, form=planner)


def test_an_untrained_model_keeps_the_plan(planned_tunes):
    tunes, dropped = planned_tunes
    assert len(tunes) == 6 and dropped == 0
    for tune in tunes:
        found = skeleton(tune.text)
        assert check_tune(tune.text).problems == [], tune.text
        assert (found.label, found.endings) == ("AABB 8+8", (False, False)), tune.text


def test_a_second_voice_is_left_out_of_the_registers():
    """The skeleton reads the first voice; a second voice's notes (a bass, far below) are
    no part's."""
    tune = CORPUS[0].replace("K:G\n", "K:G\nV:1\n") + "V:2\n|: G,,3 G,,3 | G,,6 :|\n"
    assert CorpusForm.learn([tune]).registers == Counter({((0, 4), (0, 7)): 1})


@pytest.mark.parametrize("step", range(-14, 28))
def test_a_staff_step_names_its_note_and_back(step):
    from charrnn.music.abc.keys import staff_name, staff_step

    name = staff_name(step)
    assert staff_step(name[0], name[1:]) == step


def test_a_corpus_teaches_each_part_s_register():
    """The jigs' A parts run from the tonic G up to d, their B parts up to g; the air in E
    minor from E to g: in steps of the scale from the tonic."""
    assert CorpusForm.learn(CORPUS).registers == Counter({((0, 4), (0, 7)): 3, ((0, 9),): 1})


@pytest.mark.parametrize("body, problem", [
    ("|: GAB c' ", "c' outside the part's register, G to d"),
    ("|: GAB cBA | D ", "D outside the part's register, G to d"),
    ("|: GAB cBA | GAB d2B | GAB cBA | B2A G3 :|\n|: a ", "a outside the part's register, G to g"),
])
def test_a_note_outside_the_part_s_register_is_refused(body, problem):
    reader = planned_reader("AABB 4", "X:1\nT:t\nM:6/8\nL:1/8\nK:G\n" + body)
    assert any(problem in p for p in reader.verdict()), reader.verdict()


def test_each_planned_part_keeps_a_corpus_tune_s_register(planned_tunes):
    """Noise from an untrained model, each part of it in a corpus tune's register."""
    for tune in planned_tunes[0]:
        ((a_low, a_high), (b_low, b_high)), = CorpusForm.learn([tune.text]).registers
        assert 0 <= a_low <= a_high <= 4 and 0 <= b_low <= b_high <= 7, tune.text


def test_every_planned_tune_ends_on_the_tonic_held(planned_tunes):
    for tune in planned_tunes[0]:
        music = normalise_tune(tune.text).split("K:G\n")[1]  # without its comments
        last = re.findall(r"([A-Ga-g])[,']*(\d*)[^A-Ga-g]*$", music)
        assert last and last[0][0].upper() == "G" and last[0][1] in ("3", "4", "5", "6"), tune.text


@pytest.mark.skipif(not reference.installed(), reason="abc2midi is not installed")
def test_abc2midi_finds_every_planned_bar_full(planned_tunes):
    for tune in planned_tunes[0]:
        said = reference.messages(tune.text)
        assert [text for _, _, text in said if "Bar" in text or "Error" in text] == [], tune.text


def test_a_plan_needs_room_the_constraint_gives():
    constraint = TuneConstraint(sorted(set(ABC_CHARS)))
    reader = constraint.reader("X:1\nT:t\nM:C|\nL:1/8\nK:D\n",
                               Planner(FormRequest.parse("AABB 16"), CorpusForm()))
    assert constraint.to_finish(reader) > 32 * 2  # two characters a bar at the least


# The same walks every run, as in test_music_sampling: the plan's promise is the grammar's.
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=150))
def test_any_text_the_mask_lets_through_can_be_finished_under_the_plan(choices):
    """Walk the mask with arbitrary choices among the characters it allows, then finish the
    tune: it is valid, keeps its plan, and abc2midi finds every bar full."""
    text = walk_the_mask(choices, "X:1\nT:t\nM:C|\nL:1/8\nK:Dmix\n",
                         Planner(FormRequest.parse("AAB 2+3"), CorpusForm(), seed=1))
    assert check_tune(text).problems == [] and skeleton(text).label == "AAB 2+3", text
    if reference.installed():
        said = reference.messages(text)
        assert [text for _, _, text in said if "Bar" in text or "Error" in text] == [], text


def test_sample_keeps_the_form_asked_for_and_learns_the_corpus_once(tune_run):
    args = ["sample", str(tune_run), "--abc", "-n", "3", "--seed", "2", "-t", "1.5",
            "--title", "Tune 5", "--meter", "2/4", "--key", "D", "--form", "AABB 4"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (tune_run / "corpus-form.json").is_file()
    tunes = ["X:" + text for text in result.output.split("X:")[1:]]
    assert [skeleton(tune).label for tune in tunes] == ["AABB 4+4"] * 3
    (tune_run / "corpus-form.json").write_text("{}")  # damaged: learned again, the same
    assert CliRunner().invoke(main, args).output == result.output


def test_a_planned_tune_keeps_to_its_own_policy_from_its_header_on():
    """Each tune may write a token as often as the corpus's tunes do: its plan draws what
    it may write (SampledPolicy.for_tune), and the reader holds it to that after K:."""
    from charrnn.music.abc import idiom as idioms
    from charrnn.music.steer.policy import SampledPolicy

    corpus = [CORPUS[0].replace("| GAB d2B", "| GAB Td2B")] + CORPUS[1:]  # a trill: 1 tune in 4
    policy = SampledPolicy.from_idiom(idioms.learn(corpus))
    header = "X:1\nT:t\nM:6/8\nL:1/8\nR:jig\nK:G\n"
    trilled = []
    for seed in range(24):
        planner = Planner(FormRequest.parse("auto"), CorpusForm.learn(corpus), seed).for_prime(header)
        reader = TuneReader(sampled=True, lookahead=True, policy=policy, form=planner).feed(header)
        assert reader.policy is (reader.form.plan.policy or policy)
        may = ("shorthand", "T") not in reader.policy.withheld
        trill = reader.copy().feed("|: GAB Td")
        assert trill.alive is may, trill.problems
        trilled.append(may)
    assert 2 <= sum(trilled) <= 12, trilled  # about one in four


@pytest.mark.parametrize("texts, closing", [(["", "2", "3"], "A3G2"), (["", "3"], "AAG3")])
def test_the_completion_closes_a_part_with_the_lengths_the_tune_may_write(texts, closing):
    """A tune's own policy may leave out 2 (a quarter note in 6/8, written in nearly every
    jig): the closing bar of 5/8 after a pickup then ends on a dotted quarter after two
    eighths, not on a dotted quarter and a quarter it cannot write."""
    from charrnn.music.abc.grammar.durations import LengthForms
    from charrnn.music.steer.form import Hooks
    from charrnn.music.steer.plan import PlanState, make_plan
    from charrnn.music.steer.policy import SampledPolicy

    class Planned(Hooks):
        def begin(self, reader, value):
            return PlanState(make_plan((1,), (2,), True, mpq(3, 4), "G", mpq(1, 4)))

    policy = SampledPolicy(lengths=lambda unit, meter: LengthForms(texts=texts))
    start = "X:1\nT:t\nM:6/8\nL:1/8\nK:G\nB | A3 A3 |"
    reader = TuneReader(sampled=True, lookahead=True, policy=policy, form=Planned()).feed(start)
    ending = completion(reader)
    assert ending is not None and reader.copy().feed(ending).finish() == [], ending
    assert ending.split("|")[0].replace(" ", "") == closing, ending
