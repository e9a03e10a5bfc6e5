"""music21's ABC reader and MIDI writer in time linear in the tune's length.

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
