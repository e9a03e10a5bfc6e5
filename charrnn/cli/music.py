"""`charrnn corpus` and `charrnn abc-check`: the bundled tune collections, and ABC validity.

Only click is imported here; the music modules load inside the commands."""

import sys

import click


@click.command(short_help="List the bundled tune collections, or export one as training text.")
@click.argument("name", required=False, metavar="[NAME]")
@click.option(
    "-o", "--out", type=click.Path(dir_okay=False), metavar="FILE",
    help="Write the collection's training text here (default: standard output).",
)
def corpus(name, out):
    """List the ABC folk-tune collections bundled with music21, or export one.

    With no NAME, prints each collection with its tune and character counts. With NAME,
    writes that collection's training text: every tune renumbered X:1, a blank line after
    each, duplicate transcriptions dropped.

    \b
    Examples:
      charrnn corpus                                # the table of collections
      charrnn corpus oneills1850 -o oneills.abc     # O'Neill's 1850 as training text
      charrnn corpus airdsAirs | head -40           # a look at the first tunes
      charrnn train --corpus music21:oneills1850    # or train on it directly
    """
    from charrnn.errors import UserError
    from charrnn.disk.files import check_writable, write_atomic
    from charrnn.music.abc import collections

    if name is None:
        if out:
            raise UserError("--out needs a collection NAME; run `charrnn corpus` for the list")
        _print_table(collections.collection_stats())
        return
    if out:
        check_writable(out)  # before reading the collection, which takes a while
    text = collections.load_collection(name)
    if out is None:
        click.echo(text, nl=False)
        return
    write_atomic(out, text.encode("utf-8"))
    click.echo(f"wrote {len(collections.load_tunes(name))} tunes, {len(text):,} characters "
               f"to {out}", err=True)


def _print_table(rows):
    click.echo(f"{'collection':<20} {'tunes':>7} {'characters':>12}")
    for name, tunes, chars in rows:
        click.echo(f"{name:<20} {tunes:>7,} {chars:>12,}")
    click.echo(f"{'total':<20} {sum(r[1] for r in rows):>7,} {sum(r[2] for r in rows):>12,}")


@click.command("abc-check", short_help="Check that ABC tunes are valid: headers, notes, bars.")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary line.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON document instead: each tune's title, errors and warnings, "
                   "then the counts.")
def abc_check(files, quiet, as_json):
    """Check that every tune in ABC files is valid: X, T, M and K header fields with K
    last, M: a meter and K: a key, every chord symbol closed on its line, music21 reads
    it into notes, and every bar fits the meter (pickups and the partial bars that
    complete them allowed). FILE may be - for standard input.

    Each problem is an error or a warning. An error: a player cannot play the tune as
    written (abc2midi plays other notes or lengths, or none): a tie to nothing, a broken
    rhythm between notes of different lengths, a note it cannot read, a missing K:. A
    warning: it plays, perhaps not as written: a bar of the wrong length, a hornpipe in
    M:C|, a text in quotes where a chord could be, slurs within slurs.

    Prints one line per tune (its number in the file, its title, OK or the problems),
    then a summary. Exits 0 when no tune has an error (warnings alone pass), 1 when some
    tune has one.

    \b
    Examples:
      charrnn abc-check tunes.abc
      charrnn abc-check -q samples/*.abc            # just the summary line
      charrnn sample runs/folk --abc -n 10 | charrnn abc-check -
      charrnn abc-check --json tunes.abc | jq '.files[].tunes[] | select(.errors != [])'
    """
    from charrnn.music.abc.check import iter_checks

    texts = [(path, _read(path)) for path in files]
    found = []  # (path, [TuneCheck])
    for path, text in texts:
        if not quiet and not as_json:
            click.echo(path)
        checks = []
        for number, check in enumerate(iter_checks(text, progress=True), start=1):
            checks.append(check)
            if not quiet and not as_json:
                click.echo(f"{number:>5}  {(check.title or '(untitled)')[:32]:<32}  {_verdict(check)}")
        found.append((path, checks))
    counts = _counts([check for _, checks in found for check in checks])
    if as_json:
        click.echo(_json_report(found, counts))
    else:
        click.echo(f"{counts['tunes']} tunes, {counts['valid']} valid, {counts['warnings_only']} "
                   f"with warnings only, {counts['with_errors']} with errors")
    if counts["with_errors"]:
        sys.exit(1)


def _verdict(check) -> str:
    """OK, or each problem said as an error or a warning."""
    if check.ok:
        return "OK"
    return "; ".join([f"error: {p}" for p in check.errors] + [f"warning: {p}" for p in check.warnings])


def _counts(checks) -> dict:
    return {"tunes": len(checks), "valid": sum(c.ok for c in checks),
            "warnings_only": sum(c.plays and not c.ok for c in checks),
            "with_errors": sum(not c.plays for c in checks)}


def _json_report(found, counts) -> str:
    import json

    files = [{"path": path, "tunes": [{"number": number, **check.to_dict()}
                                      for number, check in enumerate(checks, start=1)]}
             for path, checks in found]
    return json.dumps({**counts, "files": files}, indent=1, ensure_ascii=False)


def _read(path: str) -> str:
    """A file's ABC text; a missing file or one with no X: line is a UserError."""
    from charrnn.errors import UserError
    from charrnn.music.abc.tunes import read_abc_file, refuse_non_abc, split_tunes

    if path == "-":
        with click.open_file("-") as stream:  # standard input, as text
            text = stream.read()
    else:
        text = read_abc_file(path)
    if not split_tunes(text):
        raise UserError(f"{path} holds no tunes (no line starts with X:)")
    refuse_non_abc(text, path)
    return text
