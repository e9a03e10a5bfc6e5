"""`charrnn tune-report`: a set of tunes against the corpus a model learned from, as tables
and, with -o, a page to see and hear them; and the same page for `sample --abc --out`.
Only click is imported here: the work is in charrnn.music.report.report, summary and page."""

import sys

import click

from charrnn.cli.common import WIDE

# Corpus tunes checked for validity by default: a share to within a few percent, in about
# ten seconds the first time (then cached).
CORPUS_CHECKS = 100


@click.command("tune-report", context_settings=WIDE,
               short_help="Tunes against their corpus: validity, form, melody, copying.")
@click.argument("tunes", type=click.Path(), metavar="TUNES")
@click.option("--corpus", "-c", "corpus_spec", required=True, metavar="SPEC",
              help="The corpus to compare with, as `train --corpus` takes it: music21:NAME, "
                   "a file, a directory; or a model (a run directory, a model file, a "
                   "shipped model's name such as folk) for the corpus it learned from.")
@click.option("--out", "-o", type=click.Path(dir_okay=False), metavar="PAGE.html",
              help="Also write the page: sheet music, audio and MIDI of every tune, the "
                   "statistics as pictures. One file; it works offline.")
@click.option("--corpus-checks", type=click.IntRange(min=0), default=CORPUS_CHECKS,
              show_default=True, metavar="N",
              help="Corpus tunes whose validity is checked (a fixed random sample: abc-check "
                   "takes about 0.1 s a tune). The other statistics use every corpus tune.")
@click.option("--audio/--no-audio", default=True, show_default=True,
              help="Audio in the page (about 0.2 MB a tune; needs fluidsynth or timidity).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the report as one JSON document instead of tables: each tune's "
                   "checks, skeleton, copy and verdict, the pass shares, the distances.")
def tune_report(tunes, corpus_spec, out, corpus_checks, audio, as_json):
    """Are they good tunes? Compare TUNES (an .abc file, or a directory of them such as
    `sample --abc --out` writes) with a corpus: validity (abc-check's errors and warnings,
    and abc2midi's where it is installed); form (meter, key and mode, bars, the skeleton
    such as AABB 8+8, AABB, pickup); melody (range, the B part's register, pitch classes
    from the tonic, intervals, note lengths, ending on the tonic); and novelty (each
    tune's nearest corpus tune and the longest run of bars it copies). Each feature gets a
    distance from the corpus (total variation), beside the distance the corpus shows
    against itself.

    Each tune gets a verdict on the rules of the first stage of the 2022 AI Music
    Generation Challenge: it plays in abc2midi without an error, every bar is full (but a
    pickup and its closing bar), its skeleton is one the corpus uses, it ends on a degree
    the corpus's tunes of its mode end on, its notes lie within the corpus's range, and it
    copies no 4 bars in a row from the corpus; with the reason for each failure, and the
    share that pass beside the corpus's own on the same rules (each corpus tune against
    the rest). A rule that cannot be judged (no abc2midi) is said to be so.

    Exits 1 when some tune has an error (a player cannot play it), else 0, whatever the
    warnings and the verdicts.

    The corpus's features are cached under $XDG_CACHE_HOME/charrnn (~/.cache/charrnn), so
    only the first report against a corpus reads all of it. `charrnn sample --abc --out DIR`
    writes the page as DIR/index.html, against the corpus the model learned from.

    \b
    Examples:
      charrnn sample runs/oneills1850 --abc -n 10 --out tunes
      charrnn tune-report tunes --corpus music21:oneills1850 -o report.html
      charrnn tune-report folk-tunes --corpus folk    # what the shipped model learned from
      charrnn tune-report my-tunes.abc --corpus my-collection/ --no-audio -o page.html
      charrnn tune-report t08/ -c music21:oneills1850 -o t08.html   # two sets against
      charrnn tune-report t10/ -c music21:oneills1850 -o t10.html   # one corpus: cached
    """
    from charrnn.music.report.report import build_report, read_tunes

    if out:
        writable(out)
    from charrnn.run.models import corpus_named

    found = read_tunes(tunes)
    corpus = read_corpus(corpus_named(corpus_spec), corpus_checks)
    report = build_report(str(tunes), found, corpus, media=bool(out), audio=audio)
    if as_json:
        import json

        click.echo(json.dumps(report.to_dict(), indent=1, ensure_ascii=False))
    else:
        print_report(report)
    if out:
        write_page(report, out)
    if any(tune.verdict.outcome("plays").passed is False for tune in report.tunes):
        sys.exit(1)


def corpus_at_hand(spec, made):
    """The corpus a model learned from, for the verdicts on its sampled tunes (read when
    `made`, else taken only from the cache: see CorpusAtHand)."""
    from charrnn.data.corpus import load_text
    from charrnn.music.report.report import CorpusAtHand

    return CorpusAtHand(spec, CORPUS_CHECKS, made, read=load_text)


def read_corpus(spec: str, checks: int):
    """The report's corpus side: the corpus read as `train` reads it, then reported on."""
    from charrnn.data.corpus import load_text
    from charrnn.music.report.report import corpus_report

    return corpus_report(spec, load_text(spec), checks)


def writable(path) -> None:
    """Fail before any work when the page could not be written where asked."""
    import os
    from pathlib import Path

    from charrnn.errors import UserError

    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UserError(f"cannot write {path}: it is a directory")
    if not folder.is_dir():
        raise UserError(f"cannot write {path}: directory {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UserError(f"cannot write {path}: permission denied")


def print_report(report) -> None:
    from charrnn.cli.common import table
    from charrnn.music.report import summary

    click.echo(table(summary.SET_HEADER, summary.set_rows(report)))
    click.echo()
    click.echo(table(summary.TUNE_HEADER, summary.tune_rows(report)))
    for tune in report.tunes:
        said = summary.tune_problems(tune)
        if said:
            click.echo(f"  {tune.name}: {'; '.join(said)}")
    click.echo()
    for line in summary.notes(report):
        click.echo(line)


def write_page(report, out) -> None:
    from charrnn.disk.files import write_atomic
    from charrnn.music.report.page import page_html

    data = page_html(report).encode("utf-8")
    path = write_atomic(out, data)
    click.echo(f"wrote {path} ({len(data) / 1e6:.1f} MB)", err=True)


def write_sample_page(named_tunes, path, corpus_spec, at_hand=None) -> None:
    """The page (path, DIR/index.html) of the tunes `sample --abc --out DIR` wrote ((name,
    text) pairs),
    against the corpus the model learned from (read here, or `at_hand`'s, a
    music.report.CorpusAtHand); without the comparison, and saying why, when that corpus can
    no longer be read (a file moved since training)."""
    from charrnn.music.report.report import build_report

    at_hand = at_hand or corpus_at_hand(corpus_spec, made=True)
    corpus = at_hand.report()
    problem = at_hand.problem if corpus_spec else None
    report = build_report(str(path.parent), list(named_tunes), corpus,
                          problem or "the run does not say what it learned from", media=True)
    write_page(report, path)
    if problem:
        click.echo(f"the page has no corpus comparison: {problem}", err=True)
