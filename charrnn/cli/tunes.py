"""`charrnn sample --abc`: sample tunes, check them, write .abc (and .mid) files, report."""

from pathlib import Path

import click

from charrnn.errors import UserError

DEFAULT_TUNE_CAP = 2000  # characters per tune when --length was left at its text default


def sample_abc(model, vocab, settings, temperature, fields, out, midi, corpus=None):
    """Print or write `settings.num_samples` tunes and a short validity report; with `out`,
    also the page of them against `corpus`, the corpus spec the model learned from."""
    from dataclasses import replace

    from charrnn.music.check import check_tune
    from charrnn.music.sampling import TuneHeader, sample_tunes

    title, meter, key = fields
    header = TuneHeader(title=title, meter=meter, key=key, prime=settings.prime)
    settings = replace(settings, temperature=temperature, prime="",
                       length=max(settings.length, DEFAULT_TUNE_CAP))
    out_dir = prepare_out_dir(out) if out else None
    show = None if out_dir else (lambda tune: click.echo(tune))
    tunes, too_long = sample_tunes(model, vocab, settings.num_samples, header, settings, show)
    checks = [check_tune(tune) for tune in tunes]
    named = write_tunes(tunes, out_dir, midi) if out_dir else []
    report(tunes, checks, too_long, settings.num_samples)
    if out_dir:
        from charrnn.cli.report import write_sample_page

        write_sample_page(named, out_dir, corpus)


def prepare_out_dir(out):
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise UserError(f"--out {path} is a file; with --abc it names a directory for the tunes")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot create {path}: {error.strerror}") from None
    return path


def write_tunes(tunes, out_dir, midi):
    from charrnn.files import write_atomic

    midis, named = 0, []
    for number, tune in enumerate(tunes, 1):
        stem = out_dir / f"tune-{number:02d}"
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


def report(tunes, checks, too_long, wanted):
    valid = sum(check.ok for check in checks)
    lines = [f"{len(tunes)} tunes made, {valid} valid"]
    if too_long:
        lines[0] += f" ({too_long} draws ran past the length cap and were dropped)"
    if len(tunes) < wanted:
        lines.append(f"only {len(tunes)} of {wanted} tunes ended within the length cap; "
                     "raise --length or lower --temperature")
    for number, check in enumerate(checks, 1):
        if not check.ok:
            lines.append(f"  tune {number}: {'; '.join(check.problems)}")
    click.echo("\n".join(lines), err=True)
