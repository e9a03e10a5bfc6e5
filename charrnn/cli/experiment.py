"""`charrnn experiment`: small experiments on what recurrent networks remember; the
palindrome task itself lives in charrnn.experiments.palindromes."""

import click

from charrnn.cli.common import MODEL_KIND_LIST, WIDE, echo_json, forget_bias_value, table
from charrnn.cli.options import threads_option
from charrnn.cli.paramtypes import CommaList, FiniteFloatRange


@click.group(context_settings=WIDE, short_help="Experiments on what RNNs remember.")
def experiment():
    """Small experiments that show what recurrent networks can and cannot learn."""


@experiment.command(context_settings=WIDE, short_help="Remember one digit for L - 1 steps.")
@click.option("--models", type=MODEL_KIND_LIST, default="rnn,lstm,gru", show_default=True,
              metavar="KINDS", help="Kinds to compare (rnn, lstm, gru, peephole, phased).")
@click.option("--lengths", type=CommaList(click.IntRange(min=2)), default=None, metavar="L,L,...",
              help="Palindrome lengths; the answer lies L - 1 steps back. "
                   "[default: 5,10,20,30,40,50; --quick 5,10,20,30]")
@click.option("--quick", is_flag=True, help="Fewer lengths and steps: about a minute on a CPU.")
@click.option("--steps", type=click.IntRange(min=1), default=None, metavar="N",
              help="Most training steps per model and length. [default: 1500; --quick 600]")
@click.option("--hidden", type=click.IntRange(min=1), default=None, metavar="N", help="Hidden units. [default: 64]")
@click.option("--batch-size", type=click.IntRange(min=1), default=None, metavar="N",
              help="Palindromes per step. [default: 128]")
@click.option("--lr", type=FiniteFloatRange(min=0, min_open=True), default=None, metavar="X", help="Adam learning rate. [default: 0.005]")
@click.option("--forget-bias", default="2", show_default=True, metavar="B|torch",
              help="Starting bias of the LSTM forget and GRU update gates; `torch` keeps "
                   "torch's init, which starts them near 1/2.")
@click.option("--seed", default=0, show_default=True, help="Same seed, same table.")
@threads_option
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
    from charrnn.experiments import palindromes as task
    from charrnn import plots
    from charrnn.model import threads as cpu

    plots.output_path(out)  # before minutes of training, not after them
    default = task.QUICK_LENGTHS if quick else task.DEFAULT_LENGTHS
    sizes = lengths or list(default)
    settings = palindrome_settings(quick, steps, hidden, batch_size, lr, seed,
                                   forget_bias_value(forget_bias))
    if threads in (None, "auto"):
        click.echo(task.measured_threads(models, sizes, settings).describe(), err=True)
    else:
        cpu.use(threads)
    results = task.run(models, sizes, settings, on_result=report_result)
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

    from charrnn.experiments import palindromes as task

    settings = replace(task.Settings(seed=seed, forget_bias=forget_bias),
                       **(task.QUICK if quick else {}))
    given = {"steps": steps, "hidden": hidden, "batch_size": batch_size, "lr": lr}
    return replace(settings, **{k: v for k, v in given.items() if v is not None})


def report_result(result):
    click.echo(f"{result.model:>8} L={result.length:<3} accuracy {result.accuracy:6.1%} after "
               f"{result.steps} steps ({result.seconds:.1f}s)", err=True)


def palindrome_table(results, lengths):
    kinds = list(results)
    rows = [[length] + [f"{results[k][i].accuracy:.1%} ({results[k][i].steps})" for k in kinds]
            for i, length in enumerate(lengths)]
    return "accuracy on the last digit (training steps taken)\n" + table(["L"] + kinds, rows)
