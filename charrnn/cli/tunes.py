"""`charrnn sample --abc`: sample tunes (valid by construction, or `--free`), check them,
write .abc (and .mid) files and their page, and report."""

from pathlib import Path

import click

from charrnn.errors import UserError

DEFAULT_TUNE_CAP = 2000  # characters per tune when --length is not given


def sample_abc(model, vocab, settings, temperatures, fields, out, midi, corpus=None, free=False,
               page=True, form=None):
    """Print or write `settings.num_samples` tunes at each temperature and a short validity
    report; with `out` (and `page`), also the page of them against `corpus`, the corpus spec
    the model learned from. `form`: (the --form FormRequest, the run it learns the corpus's
    forms for, whether --form was given), or None for any form."""
    from dataclasses import replace

    from charrnn.music.check import ChecksAhead
    from charrnn.music.sampling import TuneHeader

    title, meter, key = fields
    header = TuneHeader(title=title, meter=meter, key=key, prime=settings.prime)
    out_dir = tunes_dir(out) if out else None
    check_vocabulary(vocab, header, settings.length, free, corpus)
    planner = form_planner(form, corpus)
    if out_dir:
        make_dir(out_dir)
    named = []
    with ChecksAhead() as ahead:
        for temperature in temperatures:
            label = f"T{temperature:g}" if len(temperatures) > 1 else ""
            if out_dir is None and label:
                click.echo(f"--- temperature {temperature:g} ---")
            tunes, too_long = _draw(model, vocab, replace(settings, temperature=temperature, prime=""),
                                    header, free, ahead, label, printed=out_dir is None,
                                    form=planner)
            texts = [tune.text for tune in tunes]
            named += write_tunes(texts, out_dir, midi, label) if out_dir else []
            report(texts, too_long, settings.num_samples, ahead, label)
    if out_dir and page:
        from charrnn.cli.report import write_sample_page

        write_sample_page(named, out_dir, corpus)


def form_planner(form, corpus):
    """The Planner for --form (charrnn.music.plan), or None for any form; learns the
    corpus's forms into the run directory the first time."""
    if form is None or form[0].kind == "any":
        return None
    from charrnn.music.plan import CorpusForm, Planner, corpus_form

    request, run, asked = form
    learned = corpus_form(run, corpus)
    if learned is None and request.kind == "auto":
        why = (f"--form auto draws from the forms of the corpus the model learned from, and "
               f"{corpus or 'the run names none'} cannot be read")
        if asked:
            raise UserError(f"{why}; give a form such as --form 'AABB 8', or --form any")
        click.echo(f"{why}: the tunes keep no form plan (--form any)", err=True)
        return None
    return Planner(request, learned or CorpusForm())


def _draw(model, vocab, settings, header, free, ahead, label, printed, form=None):
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
                            on_tune=show, on_draw=drawn, form=form)


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


def report(tunes, too_long, wanted, ahead, label=""):
    """How many tunes were made and how many are valid (abc-check, through `ahead`, a
    ChecksAhead), and why not."""
    checks = [ahead.verdict(tune) for tune in _progress(len(tunes), "checking tunes", tunes)]
    valid = sum(check.ok for check in checks)
    at = f" at {label.replace('T', 'T=', 1)}" if label else ""
    lines = [f"{len(tunes)} tunes made{at}, {valid} valid"]
    if too_long:
        lines[0] += f" ({too_long} draws that could not end within --length were dropped)"
    if len(tunes) < wanted:
        lines.append(f"only {len(tunes)} of {wanted} tunes ended within the length cap; "
                     "raise --length or lower --temperature")
    for number, check in enumerate(checks, 1):
        if not check.ok:
            lines.append(f"  tune {number}: {'; '.join(check.problems)}")
    click.echo("\n".join(lines), err=True)


def _progress(total, desc, iterable=None, shown=True):
    """A progress bar on stderr (over `iterable`, if given), on a terminal only, gone when
    done."""
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, unit="tune", disable=None if shown else True,
                leave=False, dynamic_ncols=True)
