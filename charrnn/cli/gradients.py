"""`charrnn gradients`: resolve runs and configs into models and real-text windows, and
hand the measuring to charrnn.experiments.gradients and the drawing to charrnn.plots."""

from pathlib import Path

import click

from charrnn.cli.common import MODEL_KIND_LIST, WIDE, echo_json, forget_bias_value, load_run, table
from charrnn.errors import UserError
from charrnn.run.rundir import is_run


@click.command(context_settings=WIDE, short_help="See gradients vanish through time.")
@click.argument("sources", nargs=-1, required=True, metavar="RUN_OR_CONFIG...")
@click.option("--models", type=MODEL_KIND_LIST, default=None, metavar="KINDS",
              help="Freshly initialised kinds to compare, sized like the config or the first "
                   "run. [default: rnn,lstm,gru for a config; none beside runs]")
@click.option("--corpus", default=None, metavar="SPEC",
              help="Text the windows come from. [default: the run's or the config's corpus]")
@click.option("--seq-len", "-T", default=50, show_default=True, metavar="T",
              help="Window length: gradients reach back T - 1 steps.")
@click.option("--batch-size", default=16, show_default=True, metavar="N", help="Streams per window.")
@click.option("--windows", default=4, show_default=True, metavar="N",
              help="Windows averaged over, spread evenly through the text.")
@click.option("--forget-bias", default="1", show_default=True, metavar="B|torch",
              help="Starting bias of the fresh models' forget (LSTM) and update (GRU) gates; "
                   "`torch` keeps torch's init, which starts them near 1/2.")
@click.option("--seed", default=0, show_default=True, help="Seed for the fresh models.")
@click.option("--out", "-o", default="gradients.png", show_default=True, metavar="PNG",
              type=click.Path(dir_okay=False), help="Log-scale plot to write.")
@click.option("--json", "as_json", is_flag=True, help="Print the norms as JSON, not a table.")
def gradients(sources, models, corpus, seq_len, batch_size, windows, forget_bias, seed, out,
              as_json):
    """Show gradients vanishing: ||dL_T/dh_k|| for k = T..1, per kind of network.

    L_T is the loss at the last character of a window of real text and h_k the hidden
    state (all layers) k steps into it. A vanilla RNN's norm falls geometrically with
    T - k; an LSTM's, through its additive cell state, far more slowly. Each SOURCE is a
    run (its trained model) or a config preset or TOML file (fresh models of its size).

    \b
    Method: the window runs one character at a time through the model's own recurrent
    stack, each h_k kept with retain_grad(), and one backward pass from L_T.

    \b
    Examples:
      charrnn gradients tiny --corpus my.txt
      charrnn gradients runs/rnn runs/lstm runs/gru -T 100
      charrnn gradients runs/mine --models rnn,lstm -o flow.png
    """
    from charrnn.experiments import gradients as flow
    from charrnn import plots

    plots.output_path(out)  # before the measuring, not after it
    entries = gradient_entries(sources, models, corpus, seq_len, batch_size, windows,
                               forget_bias_value(forget_bias), seed)
    norms = {label: flow.mean_gradient_norms(model, batches) for label, model, batches in entries}
    title = f"||dL_T/dh_k|| over {windows} windows of {batch_size} x {seq_len} characters"
    styles = {label: line_style(model) for label, model, _ in entries}
    path = plots.plot_gradient_norms(norms, out, title, styles)
    if as_json:
        echo_json(norms)
    else:
        click.echo(gradient_table(norms))
    click.echo(f"wrote {path}", err=True)


def gradient_entries(sources, models, corpus, seq_len, batch_size, count, forget_bias, seed):
    """[(label, model, windows)]: each run's trained model, then the fresh models, sized
    like the config (or else the first run) and reading its corpus."""
    from charrnn.experiments import gradients as flow

    if seq_len < 2 or batch_size < 1 or count < 1:
        raise UserError("--seq-len must be at least 2, --batch-size and --windows at least 1")
    configs = [s for s in sources if not is_run(s)]
    if len(configs) > 1:
        raise UserError(f"give at most one config; {', '.join(configs)} are not runs")
    windows_of = flow.WindowCache(corpus, batch_size, seq_len, count)
    entries, fresh_from = [], None
    for run in (s for s in sources if is_run(s)):
        _, model, vocab, config = load_run(run)
        batches = windows_of(config.data.corpus, vocab)
        entries.append((f"{Path(run).resolve().name} (trained {config.model.model})", model, batches))
        fresh_from = fresh_from or (config.model, batches)
    if configs:
        config = resolve_config(configs[0])
        fresh_from = (config.model, windows_of(config.data.corpus, None))
    for kind in models or (["rnn", "lstm", "gru"] if configs else []):
        model_config, batches = fresh_from
        model = flow.fresh_model(kind, len(batches.vocab), model_config, seed, forget_bias)
        model.fresh = True
        entries.append((fresh_label(kind, forget_bias), model, batches))
    return entries


def fresh_label(kind, forget_bias):
    if kind in ("lstm", "gru", "peephole", "phased") and forget_bias is not None:
        return f"{kind} (fresh, forget bias {forget_bias:g})"
    return f"{kind} (fresh)"


def line_style(model):
    """One colour per kind of cell; fresh models dashed beside the trained ones solid."""
    from charrnn.run.config import MODEL_KINDS

    colour = f"C{MODEL_KINDS.index(model.config.model)}"
    return {"color": colour, "linestyle": "--" if getattr(model, "fresh", False) else "-"}


def resolve_config(name):
    from charrnn.run import presets
    from charrnn.run.config import resolve

    from charrnn.run.rundir import BEST, LAST

    if Path(name).is_dir():
        raise UserError(f"{name} is neither a run (it holds no {LAST} or {BEST}) nor a config")
    return resolve(presets.find(name))


def gradient_table(norms):
    labels = list(norms)
    steps = len(next(iter(norms.values())))
    rows = [[k, steps - k] + [f"{norms[label][k - 1]:.3e}" for label in labels]
            for k in range(steps, 0, -1)]
    return table(["k", "T-k"] + labels, rows)
