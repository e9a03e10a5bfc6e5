"""`charrnn sample`: validate the options and stream what charrnn.sampling generates."""

import math
import sys

import click

from charrnn.cli.common import CHECKPOINT_CHOICE, DEVICE_CHOICE, load_run
from charrnn.errors import UserError


def temperatures(text):
    """'0.8' or '0.5,1.0,2.0' -> a list of non-negative, finite temperatures."""
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UserError(f"--temperature takes numbers like 0.8 or 0.5,1.0,2.0; got {text!r}") from None
    for value in values:
        if math.isnan(value) or math.isinf(value) or value < 0:
            raise UserError(f"--temperature must be a finite number >= 0 (0 is greedy); got {value}")
    if not values:
        raise UserError("--temperature needs a value")
    return values


def check_ranges(length, top_k, top_p, num_samples, seed):
    if seed is not None and not 0 <= seed < 2**63:
        raise UserError(f"--seed must be a whole number from 0 to 2**63 - 1; got {seed}")
    if length < 1:
        raise UserError(f"--length must be at least 1; got {length}")
    if top_k is not None and top_k < 1:
        raise UserError(f"--top-k must be at least 1 (leave it out to sample from all); got {top_k}")
    if not (0 < top_p <= 1) or math.isnan(top_p):
        raise UserError(f"--top-p must be in (0, 1]; got {top_p}")
    if num_samples < 1:
        raise UserError(f"--num-samples must be at least 1; got {num_samples}")


@click.command(context_settings={"max_content_width": 100})
@click.argument("run", metavar="RUN_DIR_OR_CHECKPOINT", type=click.Path())
@click.option("--length", "-l", default=500, show_default=True, metavar="N",
              help="Characters to generate per sample (the cap per tune with --abc).")
@click.option("--prime", "-p", default="", metavar="TEXT", help="Text the samples start from.")
@click.option("--temperature", "-t", default="1.0", show_default=True, metavar="T[,T...]",
              help="Softmax temperature: low is safe and repetitive, high is varied and wild; "
                   "0 is greedy. Several, comma-separated, print a labelled sample for each.")
@click.option("--greedy", is_flag=True, help="Always take the most likely character (temperature 0).")
@click.option("--top-k", type=int, default=None, metavar="K",
              help="Sample only among the K most likely characters.")
@click.option("--top-p", type=float, default=1.0, show_default=True, metavar="P",
              help="Sample only among the most likely characters whose probability adds up to P.")
@click.option("--seed", type=int, default=None, metavar="S", help="Same seed, same text.")
@click.option("--num-samples", "-n", type=int, default=1, show_default=True, metavar="K",
              help="Samples to generate together as one batch (tunes, with --abc).")
@click.option("--stop", default="", metavar="STR",
              help="End a sample where this string appears (use \\n for a newline).")
@click.option("--unknown", type=click.Choice(["error", "skip"]), default="error", show_default=True,
              help="Prime characters the model never saw: stop with an error, or skip them.")
@click.option("--checkpoint", "which", type=CHECKPOINT_CHOICE, default="best",
              show_default=True, help="Which checkpoint of a run directory to use.")
@click.option("--device", type=DEVICE_CHOICE, default="cpu",
              show_default=True, help="Where to run the model (one stream is fastest on the CPU).")
@click.option("--out", "-o", type=click.Path(), default=None, metavar="PATH",
              help="Write the text to this file (with --abc: a directory of .abc files).")
@click.option("--abc", is_flag=True,
              help="Sample whole ABC tunes: each ends at the tune delimiter, numbered X:1..N, "
                   "checked, and reported.")
@click.option("--key", default="", metavar="K", help="--abc: the key of every tune, like D or Ador.")
@click.option("--meter", default="", metavar="M", help="--abc: the meter, like 6/8.")
@click.option("--title", default="", metavar="TEXT", help="--abc: the title of every tune.")
@click.option("--midi", is_flag=True, help="--abc: also write a .mid beside each .abc (needs --out).")
def sample(run, length, prime, temperature, greedy, top_k, top_p, seed, num_samples, stop,
           unknown, which, device, out, abc, key, meter, title, midi):
    """Generate text from a trained model, streamed as it is written.

    RUN_DIR_OR_CHECKPOINT is a run directory (its best checkpoint is used) or a .pt file.

    \b
    Examples:
      charrnn sample runs/mine
      charrnn sample runs/mine --prime "ROMEO:" --temperature 0.7 --length 1000
      charrnn sample runs/mine --temperature 0.5,1.0,2.0 --greedy --seed 1
      charrnn sample runs/mine --top-p 0.9 -n 4 --stop "\\n\\n" -o samples.txt
      charrnn sample runs/oneills1850 --abc -n 10 --out tunes --midi
      charrnn sample runs/oneills1850 --abc -n 3 --key D --meter 6/8 -t 0.8
    """
    values = [0.0] if greedy and temperature == "1.0" else temperatures(temperature)
    if greedy and temperature != "1.0":
        values = values + [0.0]
    check_ranges(length, top_k, top_p, num_samples, seed)
    check_tune_fields(abc, key, meter, title)
    if midi and not (abc and out):
        raise UserError("--midi goes with --abc and --out DIR")
    if out and not abc and out.endswith(".pt"):
        raise UserError(f"refusing to write samples over {out}: that is a checkpoint's name")
    if out and not abc:
        from charrnn.files import check_writable

        check_writable(out)  # now, not after the sampling
    _, model, vocab, _ = load_run(run, which, device)
    from charrnn.sampling import SampleSettings, clean_prime

    settings = SampleSettings(length=length, top_k=top_k or 0, top_p=top_p, seed=seed,
                              num_samples=num_samples, stop=unescape(stop),
                              prime=clean_prime(vocab, unescape(prime), unknown))
    if abc:
        from charrnn.cli.tunes import sample_abc

        return sample_abc(model, vocab, settings, values[0], (title, meter, key), out, midi)
    texts = [run_one(model, vocab, settings, t, labelled=len(values) > 1, to_stdout=out is None)
             for t in values]
    if out:
        write_text(out, "\n\n".join(t for group in texts for t in group))


def check_tune_fields(abc, key, meter, title):
    """--key and --meter must be ABC, and like --title they only mean something with --abc."""
    if not abc:
        if key or meter or title:
            raise UserError("--key, --meter and --title go with --abc")
        return
    from charrnn.music.check import is_key, is_meter

    if key and not is_key(key):
        raise UserError(f"--key {key!r} is not an ABC key; keys look like D, Ador, Bbm or F#mix")
    if meter and not is_meter(meter):
        raise UserError(f"--meter {meter!r} is not an ABC meter; meters look like 6/8, 3/4, C or C|")


def unescape(text):
    """Let `--stop "\\n\\n"` and `--prime "a\\tb"` mean a newline and a tab."""
    return text.replace("\\n", "\n").replace("\\t", "\t")


def run_one(model, vocab, settings, temperature, labelled, to_stdout):
    """One temperature: stream a single sample, or print a batch of samples as they finish."""
    from dataclasses import replace

    from charrnn.sampling import generate

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


def write_text(path, text):
    from pathlib import Path

    from charrnn.files import write_atomic

    write_atomic(Path(path), text.encode("utf-8"))
    click.echo(f"wrote {path}", err=True)
