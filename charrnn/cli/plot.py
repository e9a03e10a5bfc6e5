"""`charrnn plot`: read each run's metrics (charrnn.run.rundir) and hand the drawing to charrnn.plots."""

import math

import click

from charrnn.cli.common import WIDE, duration, table


@click.command(context_settings=WIDE, short_help="Plot the training curves of runs.")
@click.argument("runs", nargs=-1, required=True, type=click.Path(), metavar="RUN_DIR...")
@click.option("--out", "-o", default="curves.png", show_default=True, metavar="PNG",
              type=click.Path(dir_okay=False), help="Image to write (.png, .svg or .pdf).")
@click.option("--x", "x_axis", type=click.Choice(["step", "time", "both"]), default="both",
              show_default=True, help="Against optimizer steps, wall-clock training time, or both.")
def plot(runs, out, x_axis):
    """Plot training curves: loss, bits per character and accuracy of one or more runs.

    Validation is drawn solid and training dashed, one colour per run, from each run's
    metrics.jsonl, so it works while a run is still training.

    \b
    Examples:
      charrnn plot runs/mine
      charrnn plot runs/lstm runs/gru runs/rnn -o compare.png --x time
    """
    from charrnn import plots
    from charrnn.run import rundir

    plots.output_path(out)
    labels = plots.run_labels(runs)
    records = {label: rundir.read_metrics(run) for label, run in zip(labels, runs)}
    axes = ("step", "time") if x_axis == "both" else (x_axis,)
    path = plots.plot_curves(records, out, axes)
    click.echo(curves_summary(records))
    click.echo(f"wrote {path}", err=True)


def curves_summary(records):
    rows = []
    for label, run in records.items():
        vals = [r["val_loss"] for r in run if r.get("val_loss") is not None]
        best = min(vals) if vals else None
        rows.append([label, len(run), run[-1].get("step", "?"), duration(run[-1].get("elapsed") or 0),
                     f"{best:.4f}" if best is not None else "-",
                     f"{best / math.log(2):.3f}" if best is not None else "-"])
    return table(["run", "evals", "last step", "time", "best val loss", "best val bpc"], rows)
