"""`charrnn sample`: validate the options, then stream what charrnn.sample.sampling generates or
print the continuation charrnn.sample.beam finds."""

import sys

import click
from click.core import ParameterSource

from charrnn.cli.common import CHECKPOINT_CHOICE, DEVICE_CHOICE, load_run
from charrnn.cli.options import threads_option
from charrnn.cli.paramtypes import CommaList, FiniteFloatRange, FormType
from charrnn.cli.tunes import DEFAULT_TUNE_CAP
from charrnn.run.config import AUTO, MAX_SEED, check_threads
from charrnn.errors import UserError


TEMPERATURES = CommaList(FiniteFloatRange(min=0))
BEAM_CLASHES = {"temperature": "--temperature", "greedy": "--greedy", "top_k": "--top-k",
                "top_p": "--top-p", "seed": "--seed", "num_samples": "--num-samples",
                "abc": "--abc"}


@click.command(context_settings={"max_content_width": 100})
@click.argument("run", metavar="MODEL", type=click.Path())
@click.option("--length", "-l", type=click.IntRange(min=1), default=500, show_default=True,
              metavar="N", help="Characters to generate per sample (the cap per tune with --abc).")
@click.option("--prime", "-p", default="", metavar="TEXT", help="Text the samples start from.")
@click.option("--temperature", "-t", type=TEMPERATURES, default="1.0", show_default=True,
              metavar="T[,T...]",
              help="Softmax temperature: low is safe and repetitive, high is varied and wild; "
                   "0 is greedy. Several, comma-separated, print a labelled sample for each.")
@click.option("--greedy", is_flag=True,
              help="Always take the most likely character: temperature 0. Give it or "
                   "--temperature, not both (a list may hold 0: -t 0,0.8).")
@click.option("--top-k", type=click.IntRange(min=1), default=None, metavar="K",
              help="Sample only among the K most likely characters.")
@click.option("--top-p", type=FiniteFloatRange(0, 1, min_open=True), default=1.0,
              show_default=True, metavar="P",
              help="Sample only among the most likely characters whose probability adds up to P.")
@click.option("--seed", type=click.IntRange(0, MAX_SEED), default=None, metavar="S",
              help="Same seed, same text.")
@click.option("--num-samples", "-n", type=click.IntRange(min=1), default=1, show_default=True,
              metavar="K", help="Samples to generate together as one batch (tunes, with --abc).")
@click.option("--beam", type=click.IntRange(min=1), default=None, metavar="W",
              help="Beam search: print the most likely continuation a beam of W finds, scored "
                   "by mean log-probability per character (--beam 1 is --greedy). It is "
                   "deterministic and finds one text, so it takes no --temperature, --greedy, "
                   "--top-k, --top-p, --seed, --num-samples or --abc; --length, --prime and "
                   "--stop apply.")
@click.option("--stop", default="", metavar="STR",
              help="End a sample where this string appears (use \\n for a newline).")
@click.option("--unknown", type=click.Choice(["error", "skip"]), default="error", show_default=True,
              help="Prime characters the model never saw: stop with an error, or skip them.")
@click.option("--checkpoint", "which", type=CHECKPOINT_CHOICE, default="best",
              show_default=True, help="Which checkpoint of a run directory to use.")
@click.option("--device", type=DEVICE_CHOICE, default="cpu",
              show_default=True, help="Where to run the model (one stream is fastest on the CPU).")
@threads_option
@click.option("--out", "-o", type=click.Path(), default=None, metavar="PATH",
              help="Write the text to this file (with --abc: a directory of .abc files).")
@click.option("--abc", is_flag=True,
              help="Sample whole ABC tunes, numbered X:1..N, checked and reported. A grammar "
                   "steers every character, so every tune is valid (abc-check and abc2midi); "
                   "--length caps each tune [default with --abc: 2000], and a tune near the "
                   "cap is steered to its end. Several temperatures make a set of tunes each.")
@click.option("--free", is_flag=True,
              help="--abc without the grammar: the model writes as it likes and tunes that run "
                   "past --length are dropped (to compare with the constrained tunes).")
@click.option("--key", default="", metavar="K", help="--abc: the key of every tune, like D or Ador.")
@click.option("--meter", default="", metavar="M", help="--abc: the meter, like 6/8.")
@click.option("--title", default="", metavar="TEXT",
              help="--abc: the title of every tune; without it, each tune's title is drawn from "
                   "the words of the corpus's titles, the same for the same --seed.")
@click.option("--form", type=FormType(), default="auto", show_default=True, metavar="FORM",
              help="--abc: the form each tune keeps, bar lines, repeats and a held final note "
                   "included: auto (a meter, rhythm and skeleton the corpus's tunes have, the "
                   "tunes spread over them as the corpus is; --meter or --prime may fix the meter), "
                   "parts like AABB, ABC (bars drawn from the corpus), 'AABB 8' or 'AB 8+16' "
                   "(bars per part), or any (no plan).")
@click.option("--midi", is_flag=True, help="--abc: also write a .mid beside each .abc (needs --out).")
@click.option("--idiom", type=click.Choice(["on", "off"]), default="on", show_default=True,
              help="--abc: write only what the corpus's tunes write (keys, meters, lengths, "
                   "decorations... that at least 1 tune in 200 writes, from the run's "
                   "idiom.json, learned from the corpus where a run has none), or off: "
                   "the hand-written limits.")
@click.option("--page/--no-page", default=True, show_default=True,
              help="--abc --out DIR: also write DIR/index.html, the page of the tunes (sheet "
                   "music, audio, statistics against the corpus); --no-page writes the tunes only.")
@click.option("--overwrite", is_flag=True,
              help="--abc --out DIR: DIR holds tunes an earlier sample wrote; remove them all "
                   "first, so DIR holds this run's tunes only.")
@click.option("--append", is_flag=True,
              help="--abc --out DIR: DIR holds tunes an earlier sample wrote; keep them and "
                   "number the new ones on after them (the page then shows them all).")
def sample(run, length, prime, temperature, greedy, top_k, top_p, seed, num_samples, beam, stop,
           unknown, which, device, threads, out, abc, free, key, meter, title, form, midi, idiom,
           page,
           overwrite, append):
    """Generate text from a trained model, streamed as it is written, or with --beam the
    most likely continuation a beam search finds.

    MODEL is a run directory (its best checkpoint is used), a checkpoint, a model file
    `charrnn export` wrote, or the name of a model shipped with charrnn (`charrnn models`
    lists them: folk).

    \b
    Examples:
      charrnn sample runs/mine
      charrnn sample runs/mine --prime "ROMEO:" --temperature 0.7 --length 1000
      charrnn sample runs/mine --temperature 0,0.5,1.0,2.0 --seed 1
      charrnn sample runs/mine --beam 8 --prime "The " --length 200
      charrnn sample runs/mine --top-p 0.9 -n 4 --stop "\\n\\n" -o samples.txt
      charrnn sample runs/oneills1850 --abc -n 10 --out tunes --midi
      charrnn sample runs/oneills1850 --abc -n 3 --key D --meter 6/8 -t 0.8
      charrnn sample runs/oneills1850 --abc -n 5 --form "AABB 8"
      charrnn sample runs/oneills1850 --abc -n 100 --out many --no-page
      charrnn sample runs/oneills1850 --abc -n 10 --out tunes --overwrite  # replace them
      charrnn sample runs/oneills1850 --abc -n 10 --out tunes --append     # add 10 more

    With --abc --out DIR each tune is written as soon as it is drawn (an interrupted run
    keeps those it finished), and the page at the end. DIR is refused while another sample
    writes to it, and if it holds files sample did not write (sample marks its own with
    DIR/tunes.json). Where it holds an earlier sample's tunes, say what becomes of them:
    --overwrite or --append.
    """
    ctx = click.get_current_context()
    threads = threads or AUTO
    check_threads(threads, device)
    if beam:
        refuse_beside_beam(ctx)
    values = chosen_temperatures(ctx, temperature, greedy)
    check_tune_fields(abc, key, meter, title)
    if abc:
        check_tune_options(ctx, values, num_samples, free)
        length = length if was_given(ctx, "length") else DEFAULT_TUNE_CAP
    elif free:
        raise UserError("--free goes with --abc: it samples tunes without the grammar")
    if was_given(ctx, "form") and not abc:
        raise UserError("--form goes with --abc")
    if was_given(ctx, "form") and free and form.kind != "any":
        raise UserError("--free samples without the grammar, so it keeps no --form; leave it out")
    if midi and not (abc and out):
        raise UserError("--midi goes with --abc and --out DIR")
    if was_given(ctx, "idiom") and (not abc or free):
        raise UserError("--idiom goes with --abc, without --free: it steers the grammar")
    if was_given(ctx, "page") and not (abc and out):
        raise UserError("--page and --no-page go with --abc and --out DIR")
    existing = tunes_there(overwrite, append, abc and out)
    if out and not abc and out.endswith(".pt"):
        raise UserError(f"refusing to write samples over {out}: that is a checkpoint's name")
    if out and not abc:
        from charrnn.disk.files import check_writable

        check_writable(out)  # now, not after the sampling
    if out and abc:
        from charrnn.music.steer.tunedir import TuneDir

        TuneDir(out).check(existing)  # now, and again once it is held
    found, model, vocab, config = load_run(run, which, device)
    from charrnn.sample.sampling import SampleSettings, clean_prime

    settings = SampleSettings(length=length, top_k=top_k or 0, top_p=top_p, seed=seed,
                              num_samples=num_samples, stop=unescape(stop), threads=threads,
                              prime=clean_prime(vocab, unescape(prime), unknown))
    if abc:
        from charrnn.cli.tunes import sample_abc

        policy = None if free else tune_policy(found.learned, config.data.corpus, idiom)
        return sample_abc(model, vocab, settings, values, (title, meter, key), out, midi,
                          corpus=config.data.corpus, free=free, page=page, existing=existing,
                          policy=policy, learned=found.learned,
                          form=None if free else (form, found.learned, was_given(ctx, "form")))
    if beam:
        return print_beam(model, vocab, settings, beam, out)
    texts = [run_one(model, vocab, settings, t, labelled=len(values) > 1, to_stdout=out is None)
             for t in values]
    if out:
        write_text(out, "\n\n".join(t for group in texts for t in group))


def tune_policy(learned, corpus, idiom):
    """What sampled tunes may write: the idiom kept in `learned` (a run directory or a
    model file; --idiom on; a corpus of other text than ABC tunes has none) or the
    hand-written limits."""
    from charrnn.music.steer.policy import SampledPolicy
    from charrnn.run.learned import run_idiom

    if idiom == "off":
        return SampledPolicy.hand_written()
    kept = run_idiom(learned, corpus, on_learned=lambda line: click.echo(line, err=True))
    return SampledPolicy.hand_written() if kept is None else SampledPolicy.from_idiom(kept)


def was_given(ctx, name):
    return ctx.get_parameter_source(name) is not ParameterSource.DEFAULT


def tunes_there(overwrite, append, tune_dir):
    """What becomes of the tunes already in the tune directory: overwrite, append or None
    (refuse to go on if there are any)."""
    if not (overwrite or append):
        return None
    if not tune_dir:
        raise UserError("--overwrite and --append go with --abc and --out DIR")
    if overwrite and append:
        raise UserError("--overwrite replaces the tunes there and --append adds to them; "
                        "give one, not both")
    return "overwrite" if overwrite else "append"


def refuse_beside_beam(ctx):
    """Beam search is deterministic and finds one text: the sampling options mean nothing."""
    clashing = [flag for name, flag in BEAM_CLASHES.items() if was_given(ctx, name)]
    if clashing:
        raise UserError("--beam searches for the one most likely continuation, so it takes no "
                        + ", ".join(clashing))


def chosen_temperatures(ctx, temperatures, greedy):
    """--greedy is temperature 0, whatever --temperature's default; both given is refused
    rather than one silently winning."""
    if not greedy:
        return temperatures
    if was_given(ctx, "temperature"):
        raise UserError("--greedy is temperature 0; give --greedy or --temperature, not both "
                        "(a list may hold 0: -t 0,0.8)")
    return [0.0]


def check_tune_fields(abc, key, meter, title):
    """--key and --meter must be ABC, and like --title they only mean something with --abc."""
    if not abc:
        if key or meter or title:
            raise UserError("--key, --meter and --title go with --abc")
        return
    from charrnn.music.abc.fields import is_key, is_meter

    if key and not is_key(key):
        raise UserError(f"--key {key!r} is not an ABC key; keys look like D, Ador, Bbm or F#mix")
    if meter and not is_meter(meter):
        raise UserError(f"--meter {meter!r} is not an ABC meter; meters look like 6/8, 3/4, C or C|")


def check_tune_options(ctx, temperatures, num_samples, free):
    """With --abc every sampling option is honoured or refused, never silently replaced."""
    if was_given(ctx, "stop"):
        raise UserError("--abc ends each tune where the tune ends (a blank line); it takes no --stop")
    if 0 in temperatures and num_samples > 1:
        raise UserError(f"greedy sampling (temperature 0) makes the same tune every time, so "
                        f"-n {num_samples} would repeat it; ask for -n 1 or give a temperature")


def unescape(text):
    """Let `--stop "\\n\\n"` and `--prime "a\\tb"` mean a newline and a tab."""
    return text.replace("\\n", "\n").replace("\\t", "\t")


def run_one(model, vocab, settings, temperature, labelled, to_stdout):
    """One temperature: stream a single sample, or print a batch of samples as they finish."""
    from dataclasses import replace

    from charrnn.sample.sampling import generate

    settings = replace(settings, temperature=temperature)
    if labelled and to_stdout:
        click.echo(f"--- temperature {temperature:g}{' (greedy)' if temperature == 0 else ''} ---")
    stream = to_stdout and settings.num_samples == 1
    if stream:
        click.echo(settings.prime, nl=False)
    texts = generate(model, vocab, settings, on_text=echo_piece if stream else None)
    texts = [settings.prime + t for t in texts]
    if to_stdout and not stream:
        for i, text in enumerate(texts, 1):
            click.echo(f"--- sample {i} ---\n{text}")
    elif stream:
        click.echo()
    return texts


def echo_piece(_, piece):
    sys.stdout.write(piece)
    sys.stdout.flush()


def print_beam(model, vocab, settings, width, out):
    """The continuation a beam of `width` finds, after the prime, and its score on stderr."""
    from charrnn.sample.beam import search

    found = search(model, vocab, width, settings.length, settings.prime, settings.stop,
                   settings.threads)
    if out:
        write_text(out, settings.prime + found.text)
    else:
        click.echo(settings.prime + found.text)
    ending = ", ended by --stop" if found.stopped else ""
    click.echo(f"beam {width}: mean log-probability {found.score:.4f} nats per character over "
               f"{found.length} characters{ending}", err=True)


def write_text(path, text):
    from pathlib import Path

    from charrnn.disk.files import write_atomic

    write_atomic(Path(path), text.encode("utf-8"))
    click.echo(f"wrote {path}", err=True)
