"""The bounds the grammar holds every tune to: what abc2midi can play and music21 convert
(chord sizes, runs of bar lines under a chord accompaniment), bounds no tune comes near
(grace notes, slurs, octave marks), and the tighter ones for sampled tunes, which keep to
what the collections write where a model that has lost its way would write valid noise.

What a sampled tune may write beyond these (field values, lengths, decorations, chords, as
the corpus's idiom has them) is its policy's: charrnn.music.steer.policy.
"""

# abc2midi's queue of sounding notes holds 50 (queues.c); a chord of more is refused, and
# chords beside held notes need room too.
MAX_CHORD_NOTES = 8
# Each bar line queues a step of the chord accompaniment, taken off only as time passes: about
# 48 bar lines with no note between them fill the queue ("Too many notes in chord").
MAX_BARE_BAR_LINES = 16
# Sampled tunes keep to what the collections write: at most this many bar lines, and chord
# symbols, with no note between them (O'Neill's and Ryan's have 3 and 2 at most). A model that
# has lost its way otherwise fills tunes with empty bars of chord symbols, all of them valid.
SAMPLED_BARE_BAR_LINES = 3
SAMPLED_CHORD_RUN = 2
# Bounds no tune comes near, which keep a sampler that has lost its way from writing slurs
# or grace notes without end (abc2midi warns of a slur within a slur).
MAX_GRACE_NOTES = 8
MAX_SLURS = 2
MAX_OCTAVE_MARKS = 3
# A sampled tune's field values (the collections' longest is 75 characters): a model that
# has lost its way writes its music, or gibberish, into a title or a rhythm without end.
SAMPLED_FIELD_LENGTH = 80
