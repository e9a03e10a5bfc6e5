"""Tunes for listening and reading: MIDI to audio (fluidsynth or timidity), ABC to MusicXML
(music21) and to SVG sheet music (abcm2ps). Each external tool is optional; a missing one
is a UserError that says what to install."""

import shutil
import subprocess
import tempfile
from pathlib import Path

from charrnn.errors import UserError

# General MIDI soundfonts as Debian's fluid-soundfont-gm, timgm6mb-soundfont and
# musescore-general-soundfont packages install them; the first one found is used.
SOUNDFONT_DIRS = (Path("/usr/share/sounds/sf2"), Path("/usr/share/soundfonts"))
SOUNDFONTS = ("FluidR3_GM.sf2", "default-GM.sf2", "TimGM6mb.sf2")
_TIMEOUT_S = 300
# Audio embedded in a report page: 22,050 Hz keeps a fiddle's or whistle's upper partials
# (to 11 kHz); a 48-second jig is then about 220 KB of Ogg Vorbis (44,100 Hz: 420 KB).
PAGE_AUDIO_RATE = 22050


def soundfont(small: bool = False) -> Path | None:
    """The General MIDI soundfont fluidsynth will play with, or None: the first of
    SOUNDFONTS found, or with `small` the last (TimGM6mb: 6 MB, loads faster, and its
    audio compresses to less)."""
    for folder in SOUNDFONT_DIRS:
        for name in reversed(SOUNDFONTS) if small else SOUNDFONTS:
            if (folder / name).is_file():
                return folder / name
    return None


# Audio file types by suffix: fluidsynth's -T name and timidity's -O flag for each.
AUDIO_TYPES = {".wav": ("wav", "-Ow"), ".oga": ("oga", "-Ov"), ".ogg": ("oga", "-Ov")}


def audio_tool(suffix: str = ".wav", rate: int = 44100, small: bool = False) -> list[str] | None:
    """Command prefix that renders a MIDI file to audio at `rate` Hz, WAV or Ogg Vorbis by
    `suffix`: fluidsynth with a soundfont (see soundfont for `small`), else timidity (its
    own patches), else None."""
    file_type, timidity_flag = AUDIO_TYPES[suffix]
    font = soundfont(small)
    if shutil.which("fluidsynth") and font:
        return ["fluidsynth", "-ni", "-q", "-r", str(rate), "-T", file_type, "-F", "{out}",
                str(font), "{midi}"]
    if shutil.which("timidity"):
        return ["timidity", timidity_flag, "-s", str(rate), "-o", "{out}", "{midi}"]
    return None


def check_tools(wav: bool = False, svg: bool = False) -> None:
    """Raise UserError, before any work is done, if a requested output needs a missing tool."""
    if wav and audio_tool() is None:
        raise UserError("--wav needs fluidsynth and a soundfont, or timidity: "
                        "apt-get install fluidsynth fluid-soundfont-gm (or timidity)")
    if svg and shutil.which("abcm2ps") is None:
        raise UserError("--svg needs abcm2ps: apt-get install abcm2ps")


def _run(command: list[str], what: str) -> None:
    """Run an external tool; its failure becomes a UserError with its last words."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, errors="replace",
                              timeout=_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UserError(f"{what} failed: {error}") from None
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no message"]
        raise UserError(f"{what} failed ({command[0]} exit {done.returncode}): {last[0]}")


def midi_to_audio(midi_path, audio_path, rate: int = 44100, small: bool = False) -> Path:
    """Render a MIDI file to audio with fluidsynth or timidity: WAV, or Ogg Vorbis when
    `audio_path` ends in .oga or .ogg; `small` picks the small soundfont (see soundfont)."""
    from charrnn.disk.files import write_atomic

    audio_path = Path(audio_path)
    tool = audio_tool(audio_path.suffix.lower(), rate, small)
    if tool is None:
        check_tools(wav=True)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"out{audio_path.suffix}"
        _run([part.format(out=out, midi=midi_path) for part in tool], f"rendering {audio_path}")
        if not out.is_file() or out.stat().st_size == 0:
            raise UserError(f"rendering {audio_path} failed: {tool[0]} wrote no audio")
        return write_atomic(audio_path, out.read_bytes())


def page_audio(midi_bytes: bytes, rate: int = PAGE_AUDIO_RATE) -> tuple[bytes, str]:
    """A tune's audio to embed in a page, and its MIME type: Ogg Vorbis with the small
    soundfont, or mono WAV where the renderer cannot write Ogg (ten times the size).
    Raises UserError if neither renders."""
    with tempfile.TemporaryDirectory() as folder:
        midi = Path(folder) / "tune.mid"
        midi.write_bytes(midi_bytes)
        try:
            ogg = midi_to_audio(midi, Path(folder) / "tune.oga", rate, small=True)
            return ogg.read_bytes(), "audio/ogg"
        except UserError:
            wav = midi_to_audio(midi, Path(folder) / "tune.wav", rate, small=True).read_bytes()
            return _mono(wav), "audio/wav"


def _mono(wav_bytes: bytes) -> bytes:
    """A 16-bit WAV file mixed down to one channel: half the size, and a tune is one line."""
    import io
    import wave

    import numpy as np

    with wave.open(io.BytesIO(wav_bytes)) as source:
        channels, rate = source.getnchannels(), source.getframerate()
        frames = np.frombuffer(source.readframes(source.getnframes()), "<i2")
    mixed = frames.reshape(-1, channels).mean(axis=1).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setnchannels(1)
        target.setsampwidth(2)
        target.setframerate(rate)
        target.writeframes(mixed.tobytes())
    return out.getvalue()


def tune_to_musicxml(tune_text: str, xml_path) -> Path:
    """MusicXML of one tune through music21, repeats written out in the order played."""
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    from charrnn.disk.files import write_atomic
    from charrnn.music.play.playable import tune_to_stream

    try:
        data = GeneralObjectExporter(tune_to_stream(tune_text)).parse()
    except Exception as error:  # music21's exporter raises many kinds; all mean "cannot"
        raise UserError(f"cannot write MusicXML for {xml_path}: {error}") from None
    return write_atomic(xml_path, data)


def tune_to_svg(tune_text: str, svg_path) -> list[Path]:
    """SVG sheet music of one tune with abcm2ps: one file, or SVG-1.svg, SVG-2.svg... when
    the tune takes more than one page."""
    from charrnn.disk.files import write_atomic
    from charrnn.music.play.midi import single_tune_text

    check_tools(svg=True)
    svg_path = Path(svg_path)
    with tempfile.TemporaryDirectory() as folder:
        abc = Path(folder) / "tune.abc"
        abc.write_text(single_tune_text(tune_text), encoding="utf-8")
        _run(["abcm2ps", "-q", "-g", "-O", str(Path(folder) / "page.svg"), str(abc)],
             f"drawing {svg_path}")
        pages = sorted(Path(folder).glob("page*.svg"))
        if not pages:
            raise UserError(f"drawing {svg_path} failed: abcm2ps wrote no page")
        if len(pages) == 1:
            return [write_atomic(svg_path, pages[0].read_bytes())]
        return [write_atomic(svg_path.with_name(f"{svg_path.stem}-{i}.svg"), page.read_bytes())
                for i, page in enumerate(pages, start=1)]


def render_extras(midi_path, tune_text: str, wav: bool = False, musicxml: bool = False,
                  svg: bool = False) -> list[Path]:
    """The extra files asked for beside a MIDI file (same name, other suffixes)."""
    midi_path, written = Path(midi_path), []
    if wav:
        written.append(midi_to_audio(midi_path, midi_path.with_suffix(".wav")))
    if musicxml:
        written.append(tune_to_musicxml(tune_text, midi_path.with_suffix(".musicxml")))
    if svg:
        written += tune_to_svg(tune_text, midi_path.with_suffix(".svg"))
    return written
