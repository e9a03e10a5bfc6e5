"""`charrnn abc2midi`: ABC tunes to MIDI files, and optionally to WAV, MusicXML or SVG.
The work happens in charrnn.music.play.midi and charrnn.music.play.render; this module parses flags."""

import click


@click.command()
@click.argument("abc_file", type=click.Path(exists=True, dir_okay=False), metavar="IN.abc")
@click.option("-o", "--out", type=click.Path(), metavar="OUT.mid",
              help="MIDI file to write [default: IN.mid]. With --all, OUT-N.mid per tune.")
@click.option("--tune", type=int, metavar="N",
              help="Convert the tune with X:N, or else the N-th tune  [default: the first]")
@click.option("--all", "all_tunes", is_flag=True,
              help="Convert every tune, each to OUT-N.mid (N: its X: number, or its position "
                   "if those repeat). A bad tune is reported and the rest still convert.")
@click.option("--tempo", type=click.FloatRange(min=1, max=1000), metavar="BPM",
              help="Quarter notes a minute, in place of the tunes' Q: fields  [default: Q:, "
                   "else 120]")
@click.option("--wav", is_flag=True, help="Also write OUT.wav (needs fluidsynth or timidity).")
@click.option("--musicxml", is_flag=True,
              help="Also write OUT.musicxml, repeats written out as played (music21).")
@click.option("--svg", is_flag=True, help="Also write OUT.svg sheet music (needs abcm2ps).")
def abc2midi(abc_file, out, tune, all_tunes, tempo, wav, musicxml, svg):
    """Convert ABC tunes to MIDI, playing them the way abc2midi does: repeats and variant
    endings in order, grace notes, rolls, trills, staccato, fermatas, hornpipe swing.
    Chord symbols are not played.

    \b
    Examples:
      charrnn abc2midi tunes.abc                     # first tune -> tunes.mid
      charrnn abc2midi tunes.abc --tune 3 -o kesh.mid
      charrnn abc2midi tunes.abc --all -o out/tune.mid   # out/tune-1.mid, out/tune-2.mid ...
      charrnn abc2midi tunes.abc --tempo 90 --wav --svg
    """
    from pathlib import Path

    from charrnn.errors import UserError
    from charrnn.music.play import midi, render
    from charrnn.music.abc.tunes import read_abc_file, refuse_non_abc

    if all_tunes and tune is not None:
        raise UserError("--tune and --all do not go together: pick one tune or all of them")
    abc_path = Path(abc_file)
    out_path = Path(out) if out else abc_path.with_suffix(".mid")
    render.check_tools(wav=wav, svg=svg)  # a missing tool fails before any work is done
    text = read_abc_file(abc_path)
    refuse_non_abc(text, abc_path)
    try:
        written, failures = midi.abc_to_midi(text, out_path, tune, all_tunes, tempo), []
    except midi.PartialConversion as partial:
        written, failures = partial.written, partial.failures
    for item in written:
        click.echo(str(item.path))
        for path in render.render_extras(item.path, item.tune, wav=wav, musicxml=musicxml, svg=svg):
            click.echo(str(path))
    for failure in failures:
        click.echo(f"not converted: {failure}", err=True)
    if failures:
        raise UserError(f"{len(failures)} of {len(written) + len(failures)} tunes not converted "
                        f"(listed above)")
