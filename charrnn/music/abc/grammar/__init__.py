"""The ABC grammar: what charrnn means by a valid tune, read one character at a time.

`reader.TuneReader` reads a tune and knows at every point whether it can still become a
valid one; `check_text` and `judge_text` judge whole tunes. The modules, one job each:
syntax (the tables and token patterns of ABC), durations (note lengths and their
arithmetic), limits (the bounds every tune, and every sampled tune, is held to), state (the
reader's state, its own cache key), and the reader's handlers by concern: lines, header,
notes, chords, rhythm, barlines, marks, room.
"""

from charrnn.music.abc.grammar.reader import TuneReader, check_text, judge_text

__all__ = ["TuneReader", "check_text", "judge_text"]
