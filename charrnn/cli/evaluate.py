"""`charrnn eval`: score a model on any text, the scoring done by charrnn.train.evaluation."""

import click

from charrnn.cli.common import CHECKPOINT_CHOICE, DEVICE_CHOICE, WIDE, echo_json, load_run
from charrnn.cli.options import threads_option
from charrnn.run.config import AUTO, check_threads


@click.command("eval", context_settings=WIDE, short_help="Score a model on any text.")
@click.argument("run", metavar="MODEL", type=click.Path())
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
@threads_option
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
def eval_command(run, text_file, unknown, which, batch_size, seq_len, max_batches, device, threads,
                 as_json):
    """Score a trained model on any text: loss, bits per character, perplexity, accuracy.

    MODEL is a run directory, a checkpoint, a model file or a shipped model's name (folk).
    FILE is read like a training corpus: a text file, a directory, an .abc file (split
    into tunes and normalised), or music21:NAME. The model reads it as BATCH_SIZE parallel
    streams, carrying its state from window to window, exactly as validation does.

    \b
    Examples:
      charrnn eval runs/mine held_out.txt
      charrnn eval runs/folk music21:ryansMammoth --unknown skip
      charrnn eval runs/mine other.txt --batch-size 1 --json
      charrnn eval folk my-tunes.abc --unknown skip
    """
    from charrnn.data import corpus
    from charrnn.model.device import resolve_device
    from charrnn.train.evaluation import encode_text, score_ids
    from charrnn.model.threads import inference

    check_threads(threads, device)
    found, model, vocab, config = load_run(run, which, device)
    text = corpus.load_text(text_file, config.data.encoding_errors)
    ids, skipped = encode_text(vocab, text, unknown, text_file)
    batch_size = batch_size or config.data.batch_size
    with inference(threads or AUTO, resolve_device(device), batch_size):
        scores = score_ids(model, ids, batch_size, seq_len or config.data.seq_len, device,
                           max_batches)
    scores.update(checkpoint=str(found.path), step=found.payload.get("progress", {}).get("step"),
                  text=text_file, text_chars=len(text),
                  skipped_chars=skipped)
    if as_json:
        echo_json(scores)
    else:
        click.echo(eval_report(scores))


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
