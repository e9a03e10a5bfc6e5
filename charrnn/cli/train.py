"""`charrnn train`: parse and validate the options, hold the run directory (charrnn.run.rundir)
and hand the run to charrnn.train.training."""

import math
import sys
from pathlib import Path

import click

from charrnn.run import presets
from charrnn.cli.options import config_options, given
from charrnn.errors import UserError


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

    The defaults below suit a corpus of any size: a 2x256 LSTM with dropout 0.3,
    validated twice a pass over the text (at most every 250 steps); its learning rate
    is lowered when validation stalls, and it stops by itself when validation stops
    improving, keeping the best checkpoint (best.pt). With --max-time (and no
    --max-steps) the schedule is a cosine instead, sized by a short probe of this
    machine to end as the time runs out.

    With no --corpus and no --config, trains the `default` preset: those defaults on
    O'Neill's 1850 Irish folk tunes (from music21's corpus) for five minutes. A --config
    preset sets only the keys it names; flags override everything.

    \b
    Examples:
      charrnn train
      charrnn train --corpus my_text.txt --out runs/mine --sample-every 500
      charrnn train --corpus my_text.txt --out runs/ten --max-time 10m
      charrnn train --config shakespeare-3min --corpus shakespeare.txt
      charrnn train --corpus music21:ryansMammoth --model gru --hidden 512
      charrnn train --resume runs/mine --patience 8
      torchrun --nproc-per-node 2 -m charrnn train --corpus big.txt --out runs/ddp
    """
    from charrnn.train import distributed
    from charrnn.run.rundir import RunDir
    from charrnn.train.sizing import time_sized

    overrides = given(flags)
    if resume:
        refuse_with_resume({"--config": config_name, "--out": out, "--overwrite": overwrite})
        run = RunDir(resume)
    else:
        config = fresh_config(config_name, overrides)
        run = RunDir(out or default_run_dir(config))
    if dry_run:
        from charrnn.run.config import to_toml

        click.echo(to_toml(run.resumed_config(overrides)[0] if resume else config))
        return
    # One process writes a run, and under torchrun that is process 0.
    with run.writing(fresh=not resume, overwrite=overwrite, writer=distributed.world()[0] == 0):
        config, payload = run.resumed_config(overrides) if resume else (config, None)
        sized = time_sized(config.train)  # before the run settles max_steps
        try:
            outcome = distributed.train(config, run, payload, progress_reporter(progress))
        except KeyboardInterrupt:  # a second Ctrl-C or SIGTERM (train.signals), or one at startup
            stopped_at_once(run)
    if outcome is not None:
        report(outcome, config, sized)


def progress_reporter(shown):
    from charrnn.train.reporting import ProgressBar, Reporter

    return ProgressBar() if shown else Reporter()


def refuse_with_resume(options):
    """--resume continues a run as it was configured, in its own directory."""
    clashing = [flag for flag, value in options.items() if value]
    if clashing:
        raise UserError(f"--resume continues a run in its own directory with its own config; "
                        f"it takes no {', '.join(clashing)}")


def stopped_at_once(run):
    """One line for a run stopped mid-step: its last save is intact (saves are atomic)."""
    where = (f"continue from its last save with: charrnn train --resume {run}"
             if run.has_checkpoint() else "no checkpoint had been saved yet")
    click.echo(f"Interrupted at once; {where}", err=True)
    sys.exit(130)


def fresh_config(config_name, overrides):
    from charrnn.run.config import resolve

    if config_name is None and "corpus" not in overrides:
        config_name = presets.DEFAULT
    return resolve(presets.find(config_name) if config_name else None, overrides)


def default_run_dir(config):
    corpus = config.data.corpus.split(",")[0]
    name = corpus.split(":", 1)[1] if corpus.startswith("music21:") else Path(corpus).stem
    return Path("runs") / (name or "run")


def report(outcome, config, sized=False):
    """What happened, where it is, and what to do next; `sized`: the run's steps were
    sized to --max-time."""
    from charrnn.run.rundir import RunDir

    reasons = {"max_steps": "reached the end of its cosine, sized to --max-time" if sized
               else "reached --max-steps", "max_epochs": "reached --max-epochs",
               "max_time": "reached --max-time", "patience": "validation stopped improving",
               "interrupted": "interrupted"}
    last = outcome.last_eval
    val = f", validation loss {last['val_loss']:.4f} nats ({last['val_bpc']:.3f} bits/char, " \
          f"accuracy {last['val_accuracy']:.1%})" if "val_loss" in last else ""
    click.echo(f"Stopped at step {outcome.step} (epoch {outcome.epoch}): "
               f"{reasons[outcome.reason]}{val}.", err=True)
    if math.isfinite(outcome.best_val) and outcome.best_step != outcome.step:
        click.echo(f"Best validation loss {outcome.best_val:.4f} nats at step {outcome.best_step}, "
                   "kept as best.pt (what sample, eval and info read).", err=True)
    files = ", ".join(RunDir(outcome.run_dir).present())
    click.echo(f"Run saved in {outcome.run_dir}/ ({files}).", err=True)
    if outcome.reason == "interrupted":
        click.echo(f"Resume with: charrnn train --resume {outcome.run_dir}", err=True)
        sys.exit(130)
    if config.train.sample_length:
        print_sample(outcome.run_dir, config)


def print_sample(run_dir, config):
    from charrnn.run import checkpoint, rundir
    from charrnn.data.corpus import sample_prime
    from charrnn.sample.sampling import SampleSettings, generate

    model, vocab, _ = checkpoint.restore_model(rundir.load(run_dir))
    prime = sample_prime(config.data.corpus)
    settings = SampleSettings(length=config.train.sample_length, temperature=0.8, seed=0,
                              prime=prime, unknown="skip")
    click.echo(f"\nA sample (temperature 0.8; more with: charrnn sample {run_dir}):\n")
    click.echo(prime, nl=False)
    generate(model, vocab, settings, on_text=lambda _, piece: click.echo(piece, nl=False))
    click.echo()
