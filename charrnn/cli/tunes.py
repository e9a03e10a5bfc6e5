"""`charrnn sample --abc`: sample tunes (valid by construction, or `--free`), check them,
write .abc (and .mid) files and their page, and report."""

from pathlib import Path

import click

from charrnn.errors import UserError

DEFAULT_TUNE_CAP = 2000  # characters per tune when --length is not given


def sample_abc(model, vocab, settings, temperatures, fields, out, midi, corpus=None, free=False,
               page=True, run=None):
    """Print or write `settings.num_samples` tunes at each temperature and a short validity
    report; with `out` (and `page`), also the page of them against `corpus`, the corpus spec
    the model learned from. `run`: the run directory or checkpoint the model came from,
    whose corpus's titles the tunes take (unless --title or --free)."""
    from dataclasses import replace

    from charrnn.music.check import ChecksAhead
    from charrnn.music.sampling import TuneHeader

    title, meter, key = fields
    header = TuneHeader(title=title, meter=meter, key=key, prime=settings.prime)
    out_dir = tunes_dir(out) if out else None
    check_vocabulary(vocab, header, settings.length, free, corpus)
    if not (free or title or run is None):
        header.titles = run_titles(run, corpus)
    if out_dir:
        make_dir(out_dir)
    named, at_hand = [], corpus_at_hand(corpus, made=bool(out_dir and page))
    with ChecksAhead() as ahead:
        for temperature in temperatures:
            label = f"T{temperature:g}" if len(temperatures) > 1 else ""
            if out_dir is None and label:
                click.echo(f"--- temperature {temperature:g} ---")
            tunes, too_long = _draw(model, vocab, replace(settings, temperature=temperature, prime=""),
                                    header, free, ahead, label, printed=out_dir is None)
            texts = [tune.text for tune in tunes]
            named += write_tunes(texts, out_dir, midi, label) if out_dir else []
            report(texts, too_long, settings.num_samples, ahead, label, at_hand)
    if out_dir and page:
        from charrnn.cli.report import write_sample_page

        write_sample_page(named, out_dir, corpus, at_hand)


def corpus_at_hand(corpus, made):
    from charrnn.cli.report import CORPUS_CHECKS
    from charrnn.music.report import CorpusAtHand

    return CorpusAtHand(corpus, CORPUS_CHECKS, made)


def run_titles(run, corpus):
    """The title model of a run's corpus (charrnn.music.titles), or None, said on stderr,
    where the corpus cannot be read: the tunes keep the titles their model wrote."""
    from pathlib import Path

    from charrnn.music import titles
    from charrnn.rundir import RunDir

    path = Path(run)
    model = titles.of_run(RunDir(path if path.is_dir() else path.parent), corpus)
    if model is None:
        click.echo(f"the tunes keep the titles their model wrote: the corpus it learned from "
                   f"({corpus or 'not named in the run'}) cannot be read, or has no titles in "
                   "words", err=True)
    return model


def _draw(model, vocab, settings, header, free, ahead, label, printed):
    """One temperature's tunes, each handed to `ahead` to be checked as soon as it is
    drawn: printed in order as they come, or else counted on a progress bar."""
    from charrnn.music.sampling import sample_tunes

    with _progress(settings.num_samples, f"sampling tunes{' at ' + label if label else ''}",
                   shown=not printed) as bar:
        def drawn(text):
            ahead.add(text)
            if bar.n < settings.num_samples:  # a batch's last step can finish a few more
                bar.update()

        show = (lambda tune: click.echo(tune.text)) if printed else None
        return sample_tunes(model, vocab, settings.num_samples, header, settings, free=free,
                            on_tune=show, on_draw=drawn)


def check_vocabulary(vocab, header, length, free, corpus):
    """Before any sampling: the model can write the header asked for, and (unless --free)
    finish a tune from it within --length characters."""
    from charrnn.music.constraint import TuneConstraint
    from charrnn.music.sampling import header_prime
    from charrnn.vocab import describe

    prime = header_prime(header)
    unknown = vocab.unknown(prime + header.key)
    if unknown:
        raise UserError(f"the model never saw {describe(unknown)}, which the tune's header needs")
    if free:
        return
    constraint = TuneConstraint(vocab.chars, header.fixed())
    problem = constraint.start_problem(prime)
    if problem:
        raise UserError(f"no sampled tune can begin {prime.strip()!r}: {problem} (--free "
                        "samples without the grammar)")
    missing = constraint.missing(prime)
    if missing:
        trained = f" (it was trained on {corpus})" if corpus else ""
        raise UserError(f"this model cannot finish an ABC tune{trained}: its characters have no "
                        f"{', '.join(missing)}; --abc needs a model trained on ABC tunes")
    needed = constraint.to_finish(constraint.reader(prime))
    if needed >= length:
        raise UserError(f"--length {length} is too short for a tune from this start: the "
                        f"shortest takes {needed + 1} characters")


def tunes_dir(out):
    """--out with --abc: a directory for the tunes (made once sampling can begin)."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise UserError(f"--out {path} is a file; with --abc it names a directory for the tunes")
    return path


def make_dir(path):
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot create {path}: {error.strerror}") from None
    return path


def write_tunes(tunes, out_dir, midi, label=""):
    """tune-01.abc ... (tune-T0.8-01.abc with several temperatures), and .mid beside each."""
    from charrnn.files import write_atomic

    midis, named = 0, []
    prefix = f"tune-{label}-" if label else "tune-"
    for number, tune in enumerate(tunes, 1):
        stem = out_dir / f"{prefix}{number:02d}"
        write_atomic(stem.with_suffix(".abc"), tune.encode("utf-8"))
        midis += midi and write_midi(tune, stem.with_suffix(".mid"))
        named.append((stem.name, tune))
    made = f" (and {midis} .mid)" if midi else ""
    click.echo(f"wrote {len(tunes)} tunes to {out_dir}/{made}", err=True)
    return named


def write_midi(tune, path):
    """A tune the model garbled may not render: say so, return False, and go on."""
    from charrnn.errors import WriteError
    from charrnn.music.midi import abc_to_midi

    try:
        abc_to_midi(tune, path)
        return True
    except WriteError:  # the disk, not the tune: stop
        raise
    except UserError as error:
        click.echo(f"no MIDI for {path.stem}: {error}", err=True)
        return False


def report(tunes, too_long, wanted, ahead, label="", at_hand=None):
    """How many tunes were made, how many are valid (abc-check, through `ahead`, a
    ChecksAhead) and how many pass stage one (charrnn.music.verdict, against the corpus
    `at_hand` where it is), and why not."""
    checks = [ahead.verdict(tune) for tune in _progress(len(tunes), "checking tunes", tunes)]
    valid = sum(check.ok for check in checks)
    at = f" at {label.replace('T', 'T=', 1)}" if label else ""
    lines = [f"{len(tunes)} tunes made{at}: {valid} valid, {pass_phrase(tunes, checks, at_hand)}"]
    if too_long:
        lines[0] += f" ({too_long} draws that could not end within --length were dropped)"
    if len(tunes) < wanted:
        lines.append(f"only {len(tunes)} of {wanted} tunes ended within the length cap; "
                     "raise --length or lower --temperature")
    for number, check in enumerate(checks, 1):
        if not check.ok:
            lines.append(f"  tune {number}: {'; '.join(check.problems)}")
    click.echo("\n".join(lines), err=True)


def pass_phrase(tunes, checks, at_hand):
    """`7 pass stage one (3 fail: ...)`, or where the corpus is not at hand, how many pass
    the checks that need none."""
    from charrnn.music.report import build_report
    from charrnn.music.verdict import RULES

    corpus = at_hand.report() if at_hand is not None else None
    named = [(f"tune {number}", tune) for number, tune in enumerate(tunes, 1)]
    tally = build_report("", named, corpus, progress=False, checks=checks).tally
    if corpus is not None:
        return tally.phrase().replace(" pass", " pass stage one", 1)
    made = [rule for rule in RULES if rule not in tally.unjudged]
    failed = f" ({tally.failed} fail: " + ", ".join(
        f"{count} {RULES[rule]}" for rule, count in tally.fails.items()) + ")" if tally.failed else ""
    problem = at_hand.problem if at_hand is not None else "no corpus given"
    return (f"{tally.tunes - tally.failed} pass the checks made ({', '.join(made) or 'none'})"
            f"{failed}; the corpus's checks ({', '.join(r for r in RULES if r not in made)}) "
            f"are left out: {problem}")


def _progress(total, desc, iterable=None, shown=True):
    """A progress bar on stderr (over `iterable`, if given), on a terminal only, gone when
    done."""
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, unit="tune", disable=None if shown else True,
                leave=False, dynamic_ncols=True)
