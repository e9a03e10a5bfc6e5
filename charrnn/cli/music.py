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
    from charrnn.files import check_writable, write_atomic
    from charrnn.music import collections

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
def abc_check(files, quiet):
    """Check that every tune in ABC files is valid: X, T, M and K header fields with K
    last, M: a meter and K: a key, every chord symbol closed on its line, music21 reads
    it into notes, and every bar fits the meter (pickups and the partial bars that
    complete them allowed). FILE may be - for standard input.

    Prints one line per tune (its number in the file, its title, OK or the problems),
    then a summary. Exits 0 when every tune is valid, 1 when some tune is not.

    \b
    Examples:
      charrnn abc-check tunes.abc
      charrnn abc-check -q samples/*.abc            # just "40 tunes, 31 valid"
      charrnn sample runs/folk --abc -n 10 | charrnn abc-check -
    """
    from charrnn.music.check import iter_checks

    texts = [(path, _read(path)) for path in files]
    total = valid = 0
    for path, text in texts:
        if not quiet:
            click.echo(path)
        for number, check in enumerate(iter_checks(text, progress=True), start=1):
            total += 1
            valid += check.ok
            if not quiet:
                verdict = "OK" if check.ok else "; ".join(check.problems)
                click.echo(f"{number:>5}  {(check.title or '(untitled)')[:32]:<32}  {verdict}")
    click.echo(f"{total} tunes, {valid} valid")
    if valid < total:
        sys.exit(1)


def _read(path: str) -> str:
    """A file's ABC text; a missing file or one with no X: line is a UserError."""
    from charrnn.errors import UserError
    from charrnn.music.tunes import read_abc_file, refuse_non_abc, split_tunes

    if path == "-":
        with click.open_file("-") as stream:  # standard input, as text
            text = stream.read()
    else:
        text = read_abc_file(path)
    if not split_tunes(text):
        raise UserError(f"{path} holds no tunes (no line starts with X:)")
    refuse_non_abc(text, path)
    return text
