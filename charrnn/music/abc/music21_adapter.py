"""The one place charrnn adapts music21: its ABC reader and MIDI writer in time linear in
the tune's length, quiet, and the spellings its reader gets wrong. Everything else reads
ABC into a Score (`read_abc`), music21's ABC tokens (`abc_tokens`) or writes MIDI
(`midi_bytes`) through here.

music21 writes its reader's warnings ("assuming C") straight to stderr; they say nothing a
user can act on that the MIDI or the check's own report does not show, so it reads quietly.

music21 10.5 takes time quadratic in the number of bars in three places charrnn passes
through, so a tune of 1,600 bars took minutes (issue 26):
- the ABC reader's `reBar` indexes an iterator over the part's measures once per measure,
  and each index searches the whole part again;
- the ABC reader's `makeBeams` looks up each measure's time signature and each beam
  group's clef in a tree of the whole part, which its own changes throw away and rebuild;
- the MIDI writer copies the score first, and each note's copy asks whether it is in the
  part the note came from: music21 looks the note up by id, and where it is not found
  (never, for a copy) searches the whole part as well;
- the MIDI writer's `assignPacketsToChannels` compares every note with every note before
  it, looking for overlaps that matter only to microtones (a pitch bend needs a channel
  of its own).

`linear()` replaces each, while it is open, with what gives the same result in linear time:
`reBar` runs only where some measure overflows its time signature (elsewhere it changes
nothing); beams are not made, as nothing charrnn reads of a score (notes, their lengths,
ties, expressions; MIDI) depends on them (MusicXML, sheet music, asks for them: music21's
own writer beams a score that has none, but not as its reader does); a
stream whose every element is in its table of ids answers "is it in here?" from the table
alone; and channels are assigned without the overlap search when no note is a microtone
(an ABC tune has none). music21's own functions still do the work wherever the shortcut
does not apply.
"""

import contextlib
import io
import re
import warnings

from charrnn.music.abc.fields import field_match
from charrnn.music.abc.tunes import text_lines


def read_abc(abc_text: str, beams: bool = False):
    """music21's Score of one tune's ABC text, read quietly in linear time (with `beams`,
    its notes beamed as music21's reader beams them, in quadratic time: for sheet music).
    Where the text holds several tunes (a stray `X:`), the first. Raises what music21
    raises on text it cannot read."""
    from music21 import converter, stream

    with quietly(), linear(beams):
        score = converter.parse(abc_text, format="abc", forceSource=True)
    return score.scores[0] if isinstance(score, stream.Opus) else score


def abc_tokens(abc_text: str) -> list:
    """music21's ABC tokens of the text (abcFormat.ABCNote, ABCBar, ABCMetadata...), read
    quietly."""
    from music21 import abcFormat

    with quietly():
        handler = abcFormat.ABCHandler()
        handler.process(abc_text)
    return handler.tokens


def midi_bytes(score) -> bytes:
    """A Standard MIDI File of a music21 stream, written in linear time."""
    from music21.midi import translate

    with linear():
        return translate.streamToMidiFile(score).writestr()


@contextlib.contextmanager
def quietly():
    """Silence music21's reader: it writes a warning to stderr for every odd token, which
    would bury charrnn's own report."""
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def friendly_abc(tune: str) -> str:
    """The tune with spellings music21's ABC reader gets wrong rewritten into ones it reads
    right, so no note goes missing: the invisible rest `x` (dropped) becomes `z`, the
    fermata `H` (drops its note) becomes `!fermata!`, and a grace group just inside a
    tuplet, `(3{c}BAB` (counted as a tuplet note), moves before it. Quoted text,
    !decorations!, inline fields, comments and field lines are left alone. (The player
    rewrites a tune further, to be played as abc2midi plays it: playable.playable_abc.)"""
    return "\n".join(
        line if field_match(line) else _MUSIC21_GAPS.sub(_fill_gap, line)
        for line in text_lines(tune)
    )


_MUSIC21_GAPS = re.compile(
    r'("[^"]*"|![^!]*!|\+[^+\s]*\+|\[[A-Za-z]:[^\]]*\]|%.*)'  # left alone
    r"|(\(\d(?::\d*){0,2})(\{[^}]*\})"  # tuplet, then grace notes
    r"|([xH])"
)


def _fill_gap(match: re.Match) -> str:
    kept, tuplet, grace, letter = match.groups()
    if kept:
        return kept
    if tuplet:
        return grace + tuplet
    return {"x": "z", "H": "!fermata!"}[letter]


# --- music21 in linear time -------------------------------------------------------------
@contextlib.contextmanager
def linear(beams: bool = False):
    """music21's reader and MIDI writer with their quadratic steps replaced (see above).
    `beams`: the reader makes beams as music21 does, in quadratic time (sheet music)."""
    from music21 import stream
    from music21.abcFormat import translate as abc_translate
    from music21.midi import translate as midi_translate

    saved = (abc_translate.reBar, stream.Stream.makeBeams, stream.Stream.__contains__,
             midi_translate.assignPacketsToChannels)
    abc_translate.reBar = _rebar_where_needed(saved[0])
    stream.Stream.makeBeams = saved[1] if beams else _no_beams(saved[1])
    stream.Stream.__contains__ = _contains_by_id(saved[2])
    midi_translate.assignPacketsToChannels = _channels_without_microtones(saved[3])
    try:
        yield
    finally:
        (abc_translate.reBar, stream.Stream.makeBeams, stream.Stream.__contains__,
         midi_translate.assignPacketsToChannels) = saved


def _rebar_where_needed(rebar):
    def rebar_where_needed(part, *, inPlace=False):
        if not inPlace or _overflows(part):
            return rebar(part, inPlace=inPlace)
        return None
    return rebar_where_needed


def _overflows(part) -> bool:
    """Whether reBar would split a measure, or raise for a part with no time signature:
    the same walk as reBar's, over a list made once."""
    from music21 import common, stream

    signature = None
    for measure in part.getElementsByClass(stream.Measure):
        signature = measure.timeSignature or signature
        if signature is None:
            return True
        if common.opFrac(measure.highestTime) > signature.barDuration.quarterLength:
            return True
    return False


def _no_beams(make_beams):
    """Stream.makeBeams doing nothing for a Part (as the ABC reader calls it), and its usual
    work on anything else."""
    def no_beams(self, **options):
        from music21 import stream

        if isinstance(self, stream.Part) and options.get("inPlace"):
            return None
        return make_beams(self, **options)
    return no_beams


def _contains_by_id(contains):
    """Stream.__contains__ from the stream's table of ids (element id -> offset) where that
    table holds exactly its elements, as music21 keeps it; the search where it may not."""
    def contains_by_id(self, element) -> bool:
        if id(element) in self._offsetDict:
            return True
        if len(self._offsetDict) == len(self._elements) + len(self._endElements):
            return False
        return contains(self, element)
    return contains_by_id


def _channels_without_microtones(assign):
    """assignPacketsToChannels without its search of earlier notes, which can change a
    note's channel only when a note overlapping it bends its pitch (a microtone)."""
    def assign_channels(packets, channelByInstrument=None, channelsDynamic=None,
                        initTrackIdToChannelMap=None):
        if any(packet["centShift"] for packet in packets):
            return assign(packets, channelByInstrument, channelsDynamic, initTrackIdToChannelMap)
        return _assigned(packets, initTrackIdToChannelMap or {})
    return assign_channels


def _assigned(packets, track_channels):
    """What assignPacketsToChannels returns when no packet bends its pitch: every event on
    its track's first channel, a zero pitch bend at the start of each track but the
    conductor's, all in time order."""
    from music21.midi import ChannelVoiceMessages, MidiEvent
    from music21.midi.translate import getPacketFromMidiEvent

    tracks = []
    for packet in packets:
        event = packet["midiEvent"]
        if packet["trackId"] not in tracks:
            tracks.append(packet["trackId"])
        if event.type != ChannelVoiceMessages.NOTE_OFF:
            event.channel = packet["initChannel"]
        if event.type == ChannelVoiceMessages.NOTE_ON:
            event.correspondingEvent.channel = event.channel
    bends = []
    for track in tracks:
        if track != 0:  # the conductor track
            bend = MidiEvent(track=track, type=ChannelVoiceMessages.PITCH_BEND,
                             channel=track_channels[track])
            bend.setPitchBend(0)
            bends.append(getPacketFromMidiEvent(trackId=track, offset=0, midiEvent=bend))
    return sorted(list(packets) + bends, key=lambda p: (p["offset"], p["midiEvent"].sortOrder))
