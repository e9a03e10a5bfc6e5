"""What a run learns of its corpus beside its weights, kept in the run directory
(charrnn.run.rundir): the idiom of an ABC corpus's tunes (charrnn.music.abc.idiom), kept
when training starts, or learned from the corpus the first time a run made before runs
kept one is sampled; and its tunes' titles (charrnn.music.abc.titles), kept the first time
its tunes are sampled."""

from charrnn.data.corpus import is_abc, load_text
from charrnn.errors import UserError, WriteError
from charrnn.music.abc import idiom as idioms
from charrnn.music.abc import titles as title_models
from charrnn.music.abc.tunes import corpus_tunes


def load_corpus_tunes(spec, encoding_errors="strict") -> list[str]:
    """A corpus spec's tunes, read as `train` reads them."""
    return corpus_tunes(spec, load_text(spec, encoding_errors))


def corpus_idiom(spec, encoding_errors="strict") -> idioms.Idiom:
    """The idiom of a corpus spec's tunes."""
    return idioms.learn(load_corpus_tunes(spec, encoding_errors))


def keep_idiom(run_dir, corpus, encoding_errors="strict"):
    """Save an ABC corpus's idiom with the run, once (the corpus cannot change on resume,
    but a run made before runs kept one has none). A corpus with no tunes keeps none:
    `sample --abc` says so when it needs one."""
    if is_abc(corpus) and not run_dir.has_idiom():
        try:
            run_dir.write_idiom(corpus_idiom(corpus, encoding_errors))
        except UserError:
            pass


def run_idiom(run_dir, corpus, on_learned=None) -> idioms.Idiom | None:
    """A run's idiom: the one saved with it, else (a run made before runs kept one) learned
    from its corpus and saved there; None for a corpus of other text than ABC tunes, which
    has none. `on_learned(text)` hears what was done, in a line."""
    idiom = run_dir.read_idiom()
    if idiom is not None or not is_abc(corpus):
        return idiom
    try:
        idiom = corpus_idiom(corpus)
    except UserError as error:
        raise UserError(f"{run_dir} has no {run_dir.idiom_file.name}, and its corpus cannot be "
                        f"read to learn it ({error}); put the corpus back where its config.toml "
                        f"names it ({corpus}), or sample with --idiom off") from None
    try:
        run_dir.write_idiom(idiom)
        said = f"saved to {run_dir.idiom_file}"
    except WriteError:
        said = f"not saved: {run_dir} cannot be written"
    if on_learned:
        on_learned(f"learned the idiom of {corpus} ({idiom.tunes} tunes), {said}")
    return idiom


def run_titles(run_dir, corpus) -> "title_models.TitleModel | None":
    """The title model of a run's corpus: from the titles kept in the run directory, else
    read from the corpus and kept there where the directory can be written. None where the
    run names no corpus or it cannot be read, or it has no titles."""
    if not corpus:
        return None
    titles = run_dir.read_titles(corpus)
    if titles is None:
        try:
            titles = title_models.corpus_titles(load_corpus_tunes(corpus))
        except UserError:
            return None
        run_dir.write_titles(corpus, titles)
    return title_models.TitleModel(titles) if titles else None

