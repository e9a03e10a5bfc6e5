"""`charrnn models`: the models shipped inside the package (charrnn.run.models finds them)."""

import click

from charrnn.cli.common import WIDE


@click.command("models", context_settings=WIDE, short_help="The models shipped with charrnn.")
@click.option("--json", "as_json", is_flag=True, help="Print them as JSON.")
def models(as_json):
    """List the models shipped inside charrnn, to sample from at once, with no training:
    each one's size, what it was trained on, and its validation loss (nats per character
    on tunes it never trained on: lower is better).

    \b
    Examples:
      charrnn models
      charrnn sample folk --abc -n 5 --out tunes
      charrnn info folk
    """
    from charrnn.cli.common import duration, echo_json, table
    from charrnn.run import modelfile
    from charrnn.run.models import shipped

    found = {name: modelfile.load(path).describe() for name, path in shipped().items()}
    if as_json:
        echo_json(found)
        return
    if not found:
        click.echo("no models are shipped with this install of charrnn")
        return
    rows = [[name, f"{m['megabytes']:.1f} MB", m["model"], loss(m["val_loss"]),
             f"{m['step']:,} steps" + (f", {duration(m['elapsed'])}" if m["elapsed"] else ""),
             m["corpus"]] for name, m in found.items()]
    click.echo(table(["name", "size", "model", "val loss", "training", "corpus"], rows))


def loss(value):
    return "none" if value is None else f"{value:.3f}"
