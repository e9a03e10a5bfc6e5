"""ABC music notation: tune corpora, validity checks and rendering to MIDI."""
