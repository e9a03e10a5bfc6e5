"""Playing ABC tunes as abc2midi plays them: through music21 to MIDI, and on to audio, MusicXML or SVG."""
