"""`charrnn train`: parse and validate the options, then hand the run to charrnn.training."""

import shutil
import sys
from pathlib import Path

import click

from charrnn import presets
from charrnn.cli.options import config_options, given
from charrnn.errors import UserError

RUN_FILES = ("last.pt", "best.pt", "metrics.jsonl", "config.toml")


@click.command(context_settings={"max_content_width": 100})
@click.option("--config", "config_name", metavar="PRESET",
              help=f"TOML preset: a path, or the name of one installed with charrnn "
                   f"({', '.join(presets.available())}). Flags override its keys.")
@click.option("--out", "-o", "out", type=click.Path(file_okay=False), metavar="RUN_DIR",
              help="Run directory for the config, metrics and checkpoints. "
                   "[default: runs/<corpus name>]")
@click.option("--resume", type=click.Path(file_okay=False), metavar="RUN_DIR",
              help="Continue the run in RUN_DIR exactly where it stopped. Flags may change "
                   "limits (--max-steps, --max-time, ...), not the model or the data.")
@click.option("--overwrite", is_flag=True, help="Replace a run already in --out.")
@click.option("--dry-run", is_flag=True, help="Print the resolved config and exit.")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Show a progress bar.")
@config_options
def train(config_name, out, resume, overwrite, dry_run, progress, **flags):
    """Train a character-level model and save checkpoints in a run directory.

    With no --corpus and no --config, trains the `default` preset: an LSTM on
    O'Neill's 1850 Irish folk tunes (from music21's corpus), a few minutes on a CPU.
    Its values are the defaults shown below; with --corpus and no --config, the keys the
    preset sets take the built-in defaults shown after "with --corpus". A --config
    preset sets its own keys; flags override everything.

    \b
    Examples:
      charrnn train
      charrnn train --corpus my_text.txt --out runs/mine --max-time 10m
      charrnn train --config shakespeare-3min --corpus shakespeare.txt
      charrnn train --corpus music21:ryansMammoth --model gru --hidden 512
      charrnn train --resume runs/mine --max-steps 20000
      torchrun --nproc-per-node 2 -m charrnn train --corpus big.txt --out runs/ddp
    """
    from charrnn import distributed

    overrides = given(flags)
    if resume:
        refuse_with_resume({"--config": config_name, "--out": out, "--overwrite": overwrite})
        config, payload, run_dir = resumed_config(resume, overrides), load_last(resume), Path(resume)
    else:
        config, payload = fresh_config(config_name, overrides), None
        run_dir = Path(out) if out else default_run_dir(config)
        if not dry_run and distributed.world()[0] == 0:  # one process prepares the directory
            prepare_run_dir(run_dir, overwrite)
    if dry_run:
        from charrnn.config import to_toml

        click.echo(to_toml(config))
        return
    try:
        outcome = distributed.train(config, run_dir, payload, progress)
    except KeyboardInterrupt:  # a second Ctrl-C or SIGTERM (training.StopOnSignal), or one at startup
        stopped_at_once(run_dir)
    if outcome is not None:
        report(outcome, config)


def refuse_with_resume(options):
    """--resume continues a run as it was configured, in its own directory."""
    clashing = [flag for flag, value in options.items() if value]
    if clashing:
        raise UserError(f"--resume continues a run in its own directory with its own config; "
                        f"it takes no {', '.join(clashing)}")


def stopped_at_once(run_dir):
    """One line for a run stopped mid-step: its last save is intact (saves are atomic)."""
    from charrnn import checkpoint

    last = Path(run_dir) / checkpoint.LAST
    where = (f"continue from its last save with: charrnn train --resume {run_dir}"
             if last.exists() else "no checkpoint had been saved yet")
    click.echo(f"Interrupted at once; {where}", err=True)
    sys.exit(130)


def fresh_config(config_name, overrides):
    from charrnn.config import resolve

    if config_name is None and "corpus" not in overrides:
        config_name = presets.DEFAULT
    return resolve(presets.find(config_name) if config_name else None, overrides)


def load_last(run_dir):
    from charrnn import checkpoint

    run_dir = Path(run_dir)
    saved = [run_dir / name for name in (checkpoint.LAST, checkpoint.BEST)]
    if (run_dir / "config.toml").exists() and not any(path.exists() for path in saved):
        raise UserError(f"{run_dir} stopped before its first checkpoint, so there is nothing to "
                        f"resume; start it again with --out {run_dir} --overwrite")
    return checkpoint.load(run_dir, prefer=checkpoint.LAST)


def resumed_config(run_dir, overrides):
    """The run's own config, with only the keys that may change on resume overridden."""
    from charrnn.config import RunConfig, apply_overrides, section_of, validate
    from charrnn.training import FROZEN_ON_RESUME

    config = RunConfig.from_dict(load_last(run_dir)["config"])
    # A cosine schedule's length was fixed when the run began; torch's cosine rises again
    # past it, so a resumed cosine run keeps its length.
    frozen = FROZEN_ON_RESUME + (("max_steps", "max_epochs") if config.train.schedule == "cosine" else ())
    changed = sorted(key for key in overrides if key in frozen
                     and overrides[key] != getattr(getattr(config, section_of(key)), key))
    if changed:
        raise UserError(f"cannot change {', '.join(changed)} when resuming {run_dir}: the model "
                        "shape, the data layout, the optimizer and its schedule are fixed by "
                        "the run; start a new run instead")
    apply_overrides(config, overrides)
    validate(config)
    return config


def default_run_dir(config):
    corpus = config.data.corpus.split(",")[0]
    name = corpus.split(":", 1)[1] if corpus.startswith("music21:") else Path(corpus).stem
    return Path("runs") / (name or "run")


def prepare_run_dir(run_dir, overwrite):
    """Refuse to clobber an earlier run unless asked. With --overwrite the new run clears
    the old files itself, once its data and model have loaded (charrnn.training), so a
    mistake in the new run's options leaves the old run intact."""
    existing = [run_dir / f for f in RUN_FILES if (run_dir / f).exists()]
    if existing and not overwrite:
        raise UserError(f"{run_dir} already holds a run; continue it with --resume {run_dir}, "
                        "choose another --out, or pass --overwrite")
    if run_dir.exists() and not run_dir.is_dir():
        raise UserError(f"--out {run_dir} is a file, not a directory")
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        probe = run_dir / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise UserError(f"cannot write to run directory {run_dir}: {error.strerror}") from None


def report(outcome, config):
    """What happened, where it is, and what to do next."""
    reasons = {"max_steps": "reached --max-steps", "max_epochs": "reached --max-epochs",
               "max_time": "reached --max-time", "patience": "validation stopped improving",
               "interrupted": "interrupted"}
    last = outcome.last_eval
    val = f", validation loss {last['val_loss']:.4f} nats ({last['val_bpc']:.3f} bits/char, " \
          f"accuracy {last['val_accuracy']:.1%})" if "val_loss" in last else ""
    click.echo(f"Stopped at step {outcome.step} (epoch {outcome.epoch}): "
               f"{reasons[outcome.reason]}{val}.", err=True)
    click.echo(f"Run saved in {outcome.run_dir}/ (last.pt, best.pt, metrics.jsonl, config.toml).",
               err=True)
    if outcome.reason == "interrupted":
        click.echo(f"Resume with: charrnn train --resume {outcome.run_dir}", err=True)
        sys.exit(130)
    if config.train.sample_length:
        print_sample(outcome.run_dir, config)


def print_sample(run_dir, config):
    from charrnn import checkpoint
    from charrnn.sampling import SampleSettings, generate

    model, vocab, _ = checkpoint.restore_model(checkpoint.load(run_dir))
    prime = "X:1\n" if config.data.corpus.startswith("music21:") or config.data.corpus.endswith(".abc") else ""
    settings = SampleSettings(length=config.train.sample_length, temperature=0.8, seed=0,
                              prime=prime, unknown="skip")
    click.echo(f"\nA sample (temperature 0.8; more with: charrnn sample {run_dir}):\n")
    click.echo(prime, nl=False)
    generate(model, vocab, settings, on_text=lambda _, piece: click.echo(piece, nl=False))
    click.echo()
