"""`charrnn plot`, `eval`, `info`, `gradients` and `experiment`: commands that show what a
network has learnt. Each parses its options and hands the work to charrnn.plots,
charrnn.evaluation, charrnn.gradients or charrnn.palindromes."""

import json
import math
import re
from pathlib import Path

import click

from charrnn.errors import UserError

WIDE = {"max_content_width": 100}
CHECKPOINT_CHOICE = click.Choice(["best", "last"])
DEVICE_CHOICE = click.Choice(["auto", "cpu", "cuda", "mps"])


# ---- shared helpers ---------------------------------------------------------------------

def load_run(run, which="best", device="cpu"):
    """(payload, model, vocab, config) of a run directory or checkpoint file."""
    from charrnn import checkpoint
    from charrnn.training import resolve_device

    payload = checkpoint.load(run, prefer=checkpoint.BEST if which == "best" else checkpoint.LAST)
    model, vocab, config = checkpoint.restore_model(payload, resolve_device(device))
    return payload, model, vocab, config


def is_run(path):
    """A run directory (holding last.pt or best.pt) or a checkpoint file."""
    path = Path(path)
    return (path / "last.pt").is_file() or (path / "best.pt").is_file() or \
        (path.is_file() and path.suffix == ".pt")


def split_list(text, name):
    items = [part.strip() for part in text.split(",") if part.strip()]
    if not items:
        raise UserError(f"--{name} needs at least one value")
    return items


def model_kinds(text):
    from charrnn.config import MODEL_KINDS

    kinds = split_list(text, "models")
    unknown = [k for k in kinds if k not in MODEL_KINDS]
    if unknown:
        raise UserError(f"unknown model kind {unknown[0]!r} in --models; kinds are: "
                        f"{', '.join(MODEL_KINDS)}")
    return list(dict.fromkeys(kinds))


def positive_ints(text, name, low=1):
    try:
        values = [int(part) for part in split_list(text, name)]
    except ValueError:
        raise UserError(f"--{name} takes whole numbers like 5,10,15; got {text!r}") from None
    if min(values) < low:
        raise UserError(f"--{name} values must be at least {low}; got {min(values)}")
    return values


def echo_json(data):
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def readable(chars):
    """Characters as one line a reader can see: newline as \\n, invisible marks as \\uXXXX."""
    return "".join(repr(ch)[1:-1] for ch in chars)


def duration(seconds):
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return (f"{hours}h " if hours else "") + f"{rest // 60}m {rest % 60:02d}s"


def table(header, rows):
    """Left-aligned text columns, as wide as their widest cell."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    lines = [header] + rows
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip()
                     for line in lines)


# ---- plot -------------------------------------------------------------------------------

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

    labels = plots.run_labels(runs)
    records = {label: plots.read_metrics(run) for label, run in zip(labels, runs)}
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


# ---- eval -------------------------------------------------------------------------------

@click.command("eval", context_settings=WIDE, short_help="Score a model on any text.")
@click.argument("run", metavar="RUN_DIR_OR_CHECKPOINT", type=click.Path())
@click.argument("text_file", metavar="FILE")
@click.option("--unknown", type=click.Choice(["error", "skip"]), default="error", show_default=True,
              help="Characters the model never saw: stop with an error naming them, or skip them.")
@click.option("--checkpoint", "which", type=CHECKPOINT_CHOICE, default="best", show_default=True,
              help="Which checkpoint of a run directory to score.")
@click.option("--batch-size", type=int, default=None, metavar="N",
              help="Parallel streams the text is cut into. [default: the run's]")
@click.option("--seq-len", type=int, default=None, metavar="N",
              help="Characters per window; the state carries across windows. [default: the run's]")
@click.option("--max-batches", type=int, default=0, show_default=True, metavar="N",
              help="Score only the first N windows (0: all the text).")
@click.option("--device", type=DEVICE_CHOICE, default="cpu", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
def eval_command(run, text_file, unknown, which, batch_size, seq_len, max_batches, device, as_json):
    """Score a trained model on any text: loss, bits per character, perplexity, accuracy.

    FILE is read like a training corpus: a text file, a directory, an .abc file (split
    into tunes and normalised), or music21:NAME. The model reads it as BATCH_SIZE parallel
    streams, carrying its state from window to window, exactly as validation does.

    \b
    Examples:
      charrnn eval runs/mine held_out.txt
      charrnn eval runs/folk music21:ryansMammoth --unknown skip
      charrnn eval runs/mine other.txt --batch-size 1 --json
    """
    from charrnn import corpus

    payload, model, vocab, config = load_run(run, which, device)
    text = corpus.load_text(text_file, config.data.encoding_errors)
    ids, skipped = encode_text(vocab, text, unknown, text_file)
    scores = score_ids(model, ids, batch_size or config.data.batch_size,
                       seq_len or config.data.seq_len, device, max_batches)
    scores.update(checkpoint=str(checkpoint_path(run, which)), step=payload["progress"]["step"]
                  if "progress" in payload else None, text=text_file, text_chars=len(text),
                  skipped_chars=skipped)
    if as_json:
        echo_json(scores)
    else:
        click.echo(eval_report(scores))


def checkpoint_path(run, which):
    from charrnn import checkpoint

    return checkpoint.resolve_path(run, checkpoint.BEST if which == "best" else checkpoint.LAST)


def encode_text(vocab, text, unknown, source):
    """Token ids of text and how many characters were skipped; unknown ones named."""
    from charrnn.vocab import describe

    missing = vocab.unknown(text)
    if missing and unknown == "error":
        shown = describe(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise UserError(f"{source} has characters the model's vocabulary lacks: {shown}; "
                        "pass --unknown skip to leave them out")
    kept = vocab.without_unknown(text) if missing else text
    if len(kept) < 2:
        raise UserError(f"{source} is too short to score: it needs at least 2 known characters")
    return vocab.encode(kept), len(text) - len(kept)


def score_ids(model, ids, batch_size, seq_len, device, max_batches):
    """charrnn.evaluation.evaluate over the text laid out as validation streams."""
    import torch

    from charrnn.batches import validation_stream
    from charrnn.evaluation import evaluate
    from charrnn.training import resolve_device

    if batch_size < 1 or seq_len < 1 or max_batches < 0:
        raise UserError("--batch-size and --seq-len must be at least 1, --max-batches 0 or more")
    stream = validation_stream(torch.tensor(ids, dtype=torch.long), batch_size, seq_len)
    return evaluate(model, stream, resolve_device(device), max_batches)


def eval_report(s):
    skipped = f", {s['skipped_chars']:,} unknown skipped" if s["skipped_chars"] else ""
    return "\n".join([
        f"{s['checkpoint']} (step {s['step']}) on {s['text']}",
        f"characters scored   {s['chars']:,} of {s['text_chars']:,}{skipped}",
        f"loss                {s['loss']:.4f} nats per character",
        f"bits per character  {s['bpc']:.4f}",
        f"perplexity          {s['perplexity']:.3f}",
        f"accuracy            {s['accuracy']:.2%} of next characters predicted exactly",
    ])


# ---- info -------------------------------------------------------------------------------

# Gate blocks per layer: each block has an input matrix, a recurrent matrix and biases.
GATES = {"lstm": 4, "gru": 3, "rnn": 1, "peephole": 4, "phased": 4}


def gate_factor(gates):
    return "" if gates == 1 else str(gates)


def layer_formula(kind, d, n):
    """(formula, value) of a recurrent layer's parameters as torch stores them,
    for input width d and hidden width n."""
    g = GATES[kind]
    if kind == "peephole":  # one bias, plus three diagonal peephole vectors
        return "4(nd + n^2 + n) + 3n", 4 * (n * d + n * n + n) + 3 * n
    if kind == "phased":  # the peephole layer, plus period, shift and open ratio per unit
        return "4(nd + n^2 + n) + 6n", 4 * (n * d + n * n + n) + 6 * n
    return f"{gate_factor(g)}(nd + n^2 + 2n)", g * (n * d + n * n + 2 * n)


def one_bias_formula(kind, d, n):
    """The count with no redundant bias, for the fused kinds; None for the others.

    torch's nn.LSTM/GRU/RNN keep two bias vectors, b_ih and b_hh. In the LSTM and the
    vanilla RNN only their sum ever appears, so one would do. In the GRU, b_hn sits inside
    r * (W_hn h + b_hn) (torch.nn.GRU's equations), so that one part is not redundant.
    """
    g = GATES[kind]
    if kind == "gru":
        return "3(nd + n^2 + n) + n", 3 * (n * d + n * n + n) + n
    if kind in ("lstm", "rnn"):
        return f"{gate_factor(g)}(nd + n^2 + n)", g * (n * d + n * n + n)
    return None


def recurrent_layer_of(name):
    """The layer index in a recurrent parameter's name (weight_ih_l0, layers.0.bias)."""
    match = re.search(r"_l(\d+)(?:_|$)", name) or re.search(r"layers\.(\d+)\.", name)
    return int(match.group(1)) if match else None


def parameter_rows(model):
    """[{part, params, formula, formula_value, one_bias, one_bias_value}] then a total row;
    counts from model.named_parameters() (a tied matrix counted once)."""
    config, counts = model.config, {}
    for name, parameter in model.named_parameters():
        module, rest = name.split(".", 1)
        part = f"rnn layer {recurrent_layer_of(rest)}" if module == "rnn" else module
        counts[part] = counts.get(part, 0) + parameter.numel()
    rows = []
    for part, count in counts.items():
        row = {"part": part, "params": count}
        if part.startswith("rnn layer"):
            d = config.embedding if part.endswith(" 0") else config.hidden
            row.update(layer_formula_fields(config.model, d, config.hidden))
        else:
            row.update(end_formula(part, model.vocab_size, config))
        rows.append(row)
    rows.append({"part": "total", "params": sum(r["params"] for r in rows)})
    return rows


def end_formula(part, vocab_size, config):
    """The embedding (V x E) and output head (V x n weights, V biases; the weight is the
    embedding's when tied) counts, for vocabulary size V."""
    v, n = vocab_size, config.hidden
    if part == "embed":
        return {"formula": "VE", "formula_value": v * config.embedding, "V": v, "E": config.embedding}
    if part == "head" and config.tie_weights:
        return {"formula": "V (weight tied to embed)", "formula_value": v, "V": v}
    if part == "head":
        return {"formula": "Vn + V", "formula_value": v * n + v, "V": v, "n": n}
    return {}


def layer_formula_fields(kind, d, n):
    formula, value = layer_formula(kind, d, n)
    fields = {"d": d, "n": n, "formula": formula, "formula_value": value}
    lean = one_bias_formula(kind, d, n)
    if lean:
        fields.update(one_bias=lean[0], one_bias_value=lean[1])
    return fields


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
@click.argument("run", metavar="RUN_DIR_OR_CHECKPOINT", type=click.Path())
@click.option("--checkpoint", "which", type=CHECKPOINT_CHOICE, default="best", show_default=True,
              help="Which checkpoint of a run directory to describe.")
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON.")
def info(run, which, as_json):
    """Describe a trained model: sizes, parameters per layer, vocabulary, training state.

    \b
    Examples:
      charrnn info runs/mine
      charrnn info runs/mine/last.pt --json
    """
    payload, model, vocab, config = load_run(run, which)
    data = run_info(payload, model, vocab, config, checkpoint_path(run, which))
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


# ---- gradients ----------------------------------------------------------------------------

@click.command(context_settings=WIDE, short_help="See gradients vanish through time.")
@click.argument("sources", nargs=-1, required=True, metavar="RUN_OR_CONFIG...")
@click.option("--models", default=None, metavar="KINDS",
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
    from charrnn import gradients as flow
    from charrnn import plots

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
    from charrnn import gradients as flow

    if seq_len < 2 or batch_size < 1 or count < 1:
        raise UserError("--seq-len must be at least 2, --batch-size and --windows at least 1")
    configs = [s for s in sources if not is_run(s)]
    if len(configs) > 1:
        raise UserError(f"give at most one config; {', '.join(configs)} are not runs")
    windows_of = WindowCache(corpus, batch_size, seq_len, count)
    entries, fresh_from = [], None
    for run in (s for s in sources if is_run(s)):
        _, model, vocab, config = load_run(run)
        batches = windows_of(config.data.corpus, vocab)
        entries.append((f"{Path(run).resolve().name} (trained {config.model.model})", model, batches))
        fresh_from = fresh_from or (config.model, batches)
    if configs:
        config = resolve_config(configs[0])
        fresh_from = (config.model, windows_of(config.data.corpus, None))
    for kind in model_kinds(models) if models else (["rnn", "lstm", "gru"] if configs else []):
        model_config, batches = fresh_from
        model = flow.fresh_model(kind, len(batches.vocab), model_config, seed, forget_bias)
        model.fresh = True
        entries.append((fresh_label(kind, forget_bias), model, batches))
    return entries


def forget_bias_value(text):
    if text.strip().lower() == "torch":
        return None
    try:
        value = float(text)
    except ValueError:
        raise UserError(f"--forget-bias takes a number or `torch`; got {text!r}") from None
    if not math.isfinite(value):
        raise UserError(f"--forget-bias must be finite; got {text}")
    return value


def fresh_label(kind, forget_bias):
    if kind in ("lstm", "gru", "peephole", "phased") and forget_bias is not None:
        return f"{kind} (fresh, forget bias {forget_bias:g})"
    return f"{kind} (fresh)"


def line_style(model):
    """One colour per kind of cell; fresh models dashed beside the trained ones solid."""
    from charrnn.config import MODEL_KINDS

    colour = f"C{MODEL_KINDS.index(model.config.model)}"
    return {"color": colour, "linestyle": "--" if getattr(model, "fresh", False) else "-"}


def resolve_config(name):
    from charrnn.config import find_preset, resolve

    if Path(name).is_dir():
        raise UserError(f"{name} is neither a run (it holds no last.pt or best.pt) nor a config")
    return resolve(find_preset(name))


class Windows(list):
    """Windows of token ids, and the vocabulary that encoded them."""

    def __init__(self, batches, vocab):
        super().__init__(batches)
        self.vocab = vocab


class WindowCache:
    """Real-text windows per (corpus, vocabulary), each corpus read once."""

    def __init__(self, corpus, batch_size, seq_len, count):
        self.corpus, self.shape, self.made, self.texts = corpus, (batch_size, seq_len, count), {}, {}

    def __call__(self, spec, vocab):
        import torch

        from charrnn import corpus as corpora
        from charrnn import gradients as flow
        from charrnn.vocab import Vocabulary

        spec = self.corpus or spec
        if spec not in self.texts:
            self.texts[spec] = corpora.load_text(spec)
        text = self.texts[spec]
        vocab = vocab or Vocabulary.from_text(text)
        key = (spec, tuple(vocab.chars))
        if key not in self.made:
            ids = torch.tensor(vocab.encode(vocab.without_unknown(text)), dtype=torch.long)
            self.made[key] = Windows(flow.windows(ids, *self.shape), vocab)
        return self.made[key]


def gradient_table(norms):
    labels = list(norms)
    steps = len(next(iter(norms.values())))
    rows = [[k, steps - k] + [f"{norms[label][k - 1]:.3e}" for label in labels]
            for k in range(steps, 0, -1)]
    return table(["k", "T-k"] + labels, rows)


# ---- experiment ---------------------------------------------------------------------------

@click.group(context_settings=WIDE, short_help="Experiments on what RNNs remember.")
def experiment():
    """Small experiments that show what recurrent networks can and cannot learn."""


@experiment.command(context_settings=WIDE, short_help="Remember one digit for L - 1 steps.")
@click.option("--models", default="rnn,lstm,gru", show_default=True, metavar="KINDS",
              help="Kinds to compare (rnn, lstm, gru, peephole, phased).")
@click.option("--lengths", default=None, metavar="L,L,...",
              help="Palindrome lengths; the answer lies L - 1 steps back. "
                   "[default: 5,10,20,30,40,50; --quick 5,10,20,30]")
@click.option("--quick", is_flag=True, help="Fewer lengths and steps: about a minute on a CPU.")
@click.option("--steps", type=int, default=None, metavar="N",
              help="Most training steps per model and length. [default: 1500; --quick 600]")
@click.option("--hidden", type=int, default=None, metavar="N", help="Hidden units. [default: 64]")
@click.option("--batch-size", type=int, default=None, metavar="N",
              help="Palindromes per step. [default: 128]")
@click.option("--lr", type=float, default=None, metavar="X", help="Adam learning rate. [default: 0.005]")
@click.option("--forget-bias", default="2", show_default=True, metavar="B|torch",
              help="Starting bias of the LSTM forget and GRU update gates; `torch` keeps "
                   "torch's init, which starts them near 1/2.")
@click.option("--seed", default=0, show_default=True, help="Same seed, same table.")
@click.option("--threads", default=0, show_default=True, metavar="N",
              help="torch CPU threads (0: torch's default).")
@click.option("--out", "-o", default="palindromes.png", show_default=True, metavar="PNG",
              type=click.Path(dir_okay=False), help="Accuracy plot to write.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def palindromes(models, lengths, quick, steps, hidden, batch_size, lr, forget_bias, seed, threads,
                out, as_json):
    """Remember one digit for L - 1 steps: the last of a palindrome.

    A random palindrome of L digits is read one digit at a time and the network must
    name the last digit, which equals the first. Each kind is trained afresh at each
    length (Adam, loss on the last digit only) until it gets 99.5% of held-out
    palindromes right or its steps run out, then scored on new ones. Expect a vanilla
    RNN to fall towards chance (10%) as L grows while gated cells hold on further.

    \b
    Examples:
      charrnn experiment palindromes --quick
      charrnn experiment palindromes --models rnn,lstm,peephole --lengths 5,10,20,40
      charrnn experiment palindromes --models lstm --forget-bias torch
    """
    import torch

    from charrnn import palindromes as task
    from charrnn import plots

    if threads:
        torch.set_num_threads(threads)
    kinds = model_kinds(models)
    default = task.QUICK_LENGTHS if quick else task.DEFAULT_LENGTHS
    sizes = positive_ints(lengths, "lengths", low=2) if lengths else list(default)
    settings = palindrome_settings(quick, steps, hidden, batch_size, lr, seed,
                                   forget_bias_value(forget_bias))
    results = task.run(kinds, sizes, settings, on_result=report_result)
    accuracies = {k: [r.accuracy for r in rs] for k, rs in results.items()}
    bias = "torch's init" if settings.forget_bias is None else f"{settings.forget_bias:g}"
    title = (f"palindromes: hidden {settings.hidden}, at most {settings.steps} steps of "
             f"{settings.batch_size}, forget/update gate bias {bias}")
    path = plots.plot_accuracy(accuracies, sizes, out, task.CHANCE, title)
    if as_json:
        echo_json({k: [vars(r) for r in rs] for k, rs in results.items()})
    else:
        click.echo(palindrome_table(results, sizes))
    click.echo(f"wrote {path}", err=True)


def palindrome_settings(quick, steps, hidden, batch_size, lr, seed, forget_bias):
    from dataclasses import replace

    from charrnn import palindromes as task

    settings = replace(task.Settings(seed=seed, forget_bias=forget_bias),
                       **(task.QUICK if quick else {}))
    given = {"steps": steps, "hidden": hidden, "batch_size": batch_size, "lr": lr}
    given = {k: v for k, v in given.items() if v is not None}
    if any(v <= 0 for v in given.values()):
        raise UserError("--steps, --hidden, --batch-size and --lr must be positive")
    return replace(settings, **given)


def report_result(result):
    click.echo(f"{result.model:>8} L={result.length:<3} accuracy {result.accuracy:6.1%} after "
               f"{result.steps} steps ({result.seconds:.1f}s)", err=True)


def palindrome_table(results, lengths):
    kinds = list(results)
    rows = [[length] + [f"{results[k][i].accuracy:.1%} ({results[k][i].steps})" for k in kinds]
            for i, length in enumerate(lengths)]
    return "accuracy on the last digit (training steps taken)\n" + table(["L"] + kinds, rows)
