"""`charrnn info`: describe a trained model, its parameters (counted and explained by
charrnn.model.parameters), its vocabulary and its training state; with --samples, the samples
its run wrote as it trained."""

import math
import shutil

import click

from charrnn.cli.common import CHECKPOINT_CHOICE, WIDE, duration, echo_json, load_run, table
from charrnn.model.parameters import parameter_rows


def readable(chars):
    """Characters as one line a reader can see: newline as \\n, invisible marks as \\uXXXX."""
    return "".join(repr(ch)[1:-1] for ch in chars)


def run_info(payload, model, vocab, config, path):
    progress = payload.get("progress", {})
    best = progress.get("best_val", math.inf)
    best = best if best is not None and math.isfinite(best) else None
    return {
        "checkpoint": str(path), "format": payload.get("format"), "version": payload.get("version"),
        "model": {k: v for k, v in config.to_dict()["model"].items()
                  if k != "nonlinearity" or config.model.model == "rnn"},
        "parameters": parameter_rows(model),
        "vocabulary": {"size": len(vocab), "chars": readable(vocab.chars)},
        "training": {"step": progress.get("step"), "epoch": progress.get("epoch"),
                     "elapsed": progress.get("elapsed"), "best_val_loss": best,
                     "best_val_bpc": best / math.log(2) if best is not None else None,
                     "corpus": config.data.corpus, "optimizer": config.train.optimizer,
                     "lr": config.train.lr, "batch_size": config.data.batch_size,
                     "seq_len": config.data.seq_len},
        "last_eval": payload.get("last_eval", {}),
    }


@click.command("info", context_settings=WIDE, short_help="Describe a model and its run.")
@click.argument("run", metavar="MODEL", type=click.Path())
@click.option("--checkpoint", "which", type=CHECKPOINT_CHOICE, default="best", show_default=True,
              help="Which checkpoint of a run directory to describe.")
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON.")
@click.option("--samples", "samples", is_flag=True,
              help="Print the samples the run wrote as it trained (train --sample-every), "
                   "a row per step and temperature, each cut to the terminal's width "
                   "(--json: whole).")
def info(run, which, as_json, samples):
    """Describe a trained model: sizes, parameters per layer, vocabulary, training state.
    MODEL is a run directory, a checkpoint, a model file or a shipped model's name (folk).

    \b
    Examples:
      charrnn info runs/mine
      charrnn info runs/mine/last.pt --json
      charrnn info runs/mine --samples
      charrnn info folk
    """
    if samples:
        show_samples(run, as_json)
        return
    found, model, vocab, config = load_run(run, which)
    data = run_info(found.payload, model, vocab, config, found.path)
    if as_json:
        echo_json(data)
    else:
        click.echo(info_report(data))


def info_report(data):
    model, training = data["model"], data["training"]
    lines = [f"checkpoint  {data['checkpoint']} ({data['format']} version {data['version']})",
             "model       " + ", ".join(f"{k} {v}" for k, v in model.items()), "",
             parameters_report(data["parameters"]), ""]
    lines += bias_note(data["parameters"], model["model"])
    vocab = data["vocabulary"]
    lines += [f"vocabulary  {vocab['size']} characters: \"{vocab['chars']}\"", ""]
    best = training["best_val_loss"]
    lines += [f"training    step {training['step']}, epoch {training['epoch']}, "
              f"{duration(training['elapsed'] or 0)} of training",
              "best val    " + (f"{best:.4f} nats/char ({training['best_val_bpc']:.3f} bits/char)"
                                if best is not None else "none (no validation split)"),
              f"data        {training['corpus']}, batch {training['batch_size']} x "
              f"{training['seq_len']} chars, {training['optimizer']} lr {training['lr']:g}"]
    return "\n".join(lines)


def parameters_report(rows):
    body = [[r["part"], f"{r['params']:,}", formula_text(r)] for r in rows]
    return table(["part", "parameters", "formula"], body)


def formula_text(row):
    if "formula" not in row:
        return ""
    sizes = ", ".join(f"{k}={row[k]}" for k in ("V", "E", "d", "n") if k in row)
    return f"{row['formula']} = {row['formula_value']:,}  ({sizes})"


def bias_note(rows, kind):
    layers = [r for r in rows if "one_bias" in r]
    if not layers:
        return []
    lean = ", ".join(f"{r['one_bias']} = {r['one_bias_value']:,}" for r in layers)
    why = ("only b_ih + b_hh ever appears" if kind != "gru" else
           "only b_ih + b_hh appears, except b_hn, which is multiplied by the reset gate")
    return [f"note: torch stores two bias vectors per layer (b_ih, b_hh), though {why};",
            f"      with one bias per layer the counts would be {lean}.", ""]


def show_samples(run, as_json):
    from pathlib import Path

    from charrnn.run.rundir import RunDir

    path = Path(run)
    records = RunDir(path if path.is_dir() else path.parent).read_samples()
    if as_json:
        echo_json(records)
    else:
        click.echo(samples_report(records, shutil.get_terminal_size().columns))


def samples_report(records, width):
    """The samples as a table: step, sampler, the text on one line (newlines as ⏎), cut
    to `width`."""
    from charrnn.train.training_samples import label

    rows = [[str(record["step"]) if index == 0 else "", label(sample["temperature"]),
             sample["text"].replace("\n", "⏎")]
            for record in records for index, sample in enumerate(record["samples"])]
    primes = sorted({readable(record["prime"]) for record in records})
    head = f"samples after the prime \"{primes[0]}\"" if primes != [""] else "samples"
    lines = table(["step", "sampler", "text"], rows).splitlines()
    steps = f"{len(records)} step" + ("" if len(records) == 1 else "s")
    return "\n".join([f"{head}, {steps}:", ""] + [line[:width] for line in lines])
