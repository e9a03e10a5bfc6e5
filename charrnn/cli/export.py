"""`charrnn export`: a run's model as one small file to share, ship or sample from
(charrnn.run.modelfile holds the format)."""

import click

from charrnn.cli.common import CHECKPOINT_CHOICE, WIDE


@click.command("export", context_settings=WIDE, short_help="A run's model as one small file.")
@click.argument("run", metavar="RUN_DIR_OR_CHECKPOINT", type=click.Path(exists=True))
@click.argument("out", metavar="OUT.pt", type=click.Path(dir_okay=False))
@click.option("--checkpoint", "which", type=CHECKPOINT_CHOICE, default="best", show_default=True,
              help="Which checkpoint of a run directory to export.")
@click.option("--overwrite", is_flag=True, help="Replace OUT.pt if it is there.")
def export(run, out, which, overwrite):
    """Write a trained model as one file to sample from: its weights in half precision,
    its vocabulary and configuration, what its run learned of an ABC corpus (the idiom,
    the titles, the forms: learned here from the corpus where the run has not kept them
    yet), its training figures and this charrnn's version. About a sixth of a checkpoint's
    size: no optimizer state, so it samples and evaluates but does not resume.

    `charrnn sample OUT.pt`, `eval` and `info` read it as they read a run directory, with
    no corpus needed. It loads without running pickled code (weights_only).

    \b
    Examples:
      charrnn export runs/folk folk.pt
      charrnn sample folk.pt --abc -n 5 --out tunes
      charrnn export runs/mine/last.pt mine.pt --overwrite
    """
    from pathlib import Path

    from charrnn.cli.common import load_run
    from charrnn.disk.files import check_writable
    from charrnn.errors import UserError
    from charrnn.run import modelfile

    path = Path(out)
    if path.suffix != modelfile.SUFFIX:
        raise UserError(f"name the model file {path.with_suffix(modelfile.SUFFIX).name}: model "
                        f"files end in {modelfile.SUFFIX}")
    if path.exists() and not overwrite:
        raise UserError(f"{path} is there already; --overwrite replaces it")
    check_writable(path)
    found, model, _, config = load_run(run, which)
    if isinstance(found.learned, modelfile.ModelFile):
        raise UserError(f"{run} is a model file already; copy it")
    if path.resolve() == found.path.resolve():
        raise UserError(f"refusing to export {found.path} over itself")
    size = modelfile.export(found.payload, corpus_learned(found.learned, config.data.corpus), path)
    best = modelfile.best_val(found.payload["progress"])
    loss = f", validation loss {best:.4f} nats/char" if best is not None else ""
    weights = sum(p.numel() for p in model.parameters())
    click.echo(f"wrote {path} ({size / 1e6:.1f} MB): {config.model.model} {config.model.layers}x"
               f"{config.model.hidden}, {weights:,} weights, trained on {config.data.corpus}"
               f"{loss}", err=True)


def corpus_learned(store, corpus):
    """What the run learned of an ABC corpus, as a model file keeps it (rundir file name
    -> that file's value): the idiom, the titles and the forms, each read from the run
    directory or learned from the corpus now. Nothing for a corpus of other text."""
    import json

    from charrnn.cli.tunes import corpus_form
    from charrnn.data.corpus import is_abc
    from charrnn.errors import UserError
    from charrnn.run import rundir
    from charrnn.run.learned import run_idiom, run_titles

    if not is_abc(corpus):
        return {}
    idiom = run_idiom(store, corpus, on_learned=lambda line: click.echo(line, err=True))
    titles = run_titles(store, corpus)
    form = corpus_form(store, corpus)
    if form is None:
        raise UserError(f"the run's corpus {corpus} cannot be read to learn its forms; put it "
                        "back where the run's config.toml names it")
    return {
        rundir.IDIOM: idiom.to_dict(),
        rundir.TITLES: rundir.learned_entry(corpus, "titles", titles.titles if titles else []),
        rundir.CORPUS_FORM: rundir.learned_entry(corpus, "form", json.loads(form.to_json())),
    }
