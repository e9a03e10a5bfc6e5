"""charrnn.music.play.performance: a tune played as abc2midi plays it, rule by rule, without
abc2midi. Each row is a bar of L:1/8 music and the notes it must sound: (MIDI pitch, onset,
length), in beats. The expected notes were worked out from the rules (abcMIDI's store.c)
and agree with abc2midi 4.84; tests/test_music_midi.py checks our MIDI files against
abc2midi itself where it is installed."""

from fractions import Fraction as F

import pytest

from charrnn.music.play.performance import performance
from charrnn.music.play.playable import parse, tune_header

G3, A3, B3, C4, D4, E4, Fs4, G4 = 67, 69, 71, 72, 74, 76, 78, 79  # G above middle C, ...
Cs4 = 73


def played(header, body, tempo=None):
    """The score of one tune played: its header fields (K:G unless given), then the body."""
    tune = f"X:1\nT:t\nL:1/8\n{header}\n" + ("" if "K:" in header else "K:G\n") + body + "\n"
    return performance(parse(tune, playing=True), tune_header(tune), tempo)


def notes(score):
    """(pitch, onset, length) of every note, onsets and lengths as exact fractions of a beat."""
    return [(n.pitch.midi, F(n.offset).limit_denominator(96), F(n.quarterLength).limit_denominator(96))
            for n in score.flatten().notes]


def run(pitches, start, length):
    """Notes of one length one after another: run([B3, A3], 0, 1/8) -> B3 at 0, A3 at 1/8."""
    return [(pitch, start + i * length, length) for i, pitch in enumerate(pitches)]


RULES = [
    # grace notes take a quarter of their written length from the note after them...
    ("grace", "M:4/4", "{g}A2 {gf}A2 z4|",
     [(G4, 0, F(1, 8)), (A3, F(1, 8), F(7, 8)), (G4, 1, F(1, 8)), (Fs4, F(9, 8), F(1, 8)),
      (A3, F(5, 4), F(3, 4))]),
    # ...are dropped when the note is too short for them, and sound before a rest
    ("grace too long", "M:4/4", "{gfedcBAG}A/ z3/ {g}z2 z4|", [(A3, 0, F(1, 4)), (G4, 1, F(1, 8))]),
    # a roll on a note of two units: a cut from the note above
    ("roll", "M:4/4", "~B2 z6|", [(C4, 0, F(1, 8)), (B3, F(1, 8), F(7, 8))]),
    # on three units: the note, a cut from above, a cut from below (store.c, doornament)
    ("roll of three", "M:4/4", "~B3 z5|",
     [(B3, 0, F(1, 2)), (C4, F(1, 2), F(1, 8)), (B3, F(5, 8), F(3, 8)), (A3, 1, F(1, 8)),
      (B3, F(9, 8), F(3, 8))]),
    # the neighbours follow the key: in D the note above e is f sharp, below c sharp is b
    ("roll in a key", "M:4/4\nK:D", "~e3 ~c3 z2|",
     [(E4, 0, F(1, 2)), (Fs4, F(1, 2), F(1, 8)), (E4, F(5, 8), F(3, 8)), (D4, 1, F(1, 8)),
      (E4, F(9, 8), F(3, 8)), (Cs4, F(3, 2), F(1, 2)), (D4, 2, F(1, 8)), (Cs4, F(17, 8), F(3, 8)),
      (B3, F(5, 2), F(1, 8)), (Cs4, F(21, 8), F(3, 8))]),
    # a trill alternates from the note above, in notes halved until each is at most 0.1 s:
    # at 120 a minute a beat is 0.5 s, so eighths of a beat (0.0625 s)...
    ("trill", "M:4/4", "TA2 z6|", run([B3, A3] * 4, 0, F(1, 8))),
    # ...at 60 a minute sixteenths of a beat, at 240 quarters
    ("slow trill", "M:4/4\nQ:1/4=60", "TA2 z6|", run([B3, A3] * 8, 0, F(1, 16))),
    ("fast trill", "M:4/4\nQ:1/4=240", "TA4 z4|", run([B3, A3] * 4, 0, F(1, 4))),
    # hornpipe swing: unit eighths in 4/4 go 2:1 in pairs, longer notes stay as written
    ("swing", "R:hornpipe\nM:4/4", "GABc d2 e2|",
     [(G3, 0, F(2, 3)), (A3, F(2, 3), F(1, 3)), (B3, 1, F(2, 3)), (C4, F(5, 3), F(1, 3)),
      (D4, 2, 1), (E4, 3, 1)]),
    # a staccato note breaks its pair (abc2midi compares the lengths it plays)
    ("swing and staccato", "R:hornpipe\nM:4/4", ".GA Bc d2 e2|",
     [(G3, 0, F(1, 4)), (A3, F(1, 2), F(1, 2)), (B3, 1, F(2, 3)), (C4, F(5, 3), F(1, 3)),
      (D4, 2, 1), (E4, 3, 1)]),
    # in a hornpipe `>` and `<` both play 2:1; elsewhere they are 3:1 and 1:3
    ("swung broken rhythm", "R:hornpipe\nM:4/4", "c>d c<d e2 f2|",
     [(C4, 0, F(2, 3)), (D4, F(2, 3), F(1, 3)), (C4, 1, F(2, 3)), (D4, F(5, 3), F(1, 3)),
      (E4, 2, 1), (Fs4, 3, 1)]),
    ("broken rhythm", "M:4/4", "c>d c<d e2 f2|",
     [(C4, 0, F(3, 4)), (D4, F(3, 4), F(1, 4)), (C4, 1, F(1, 4)), (D4, F(5, 4), F(3, 4)),
      (E4, 2, 1), (Fs4, 3, 1)]),
    # no swing in 2/2, nor in a reel
    ("no swing in 2/2", "R:hornpipe\nM:2/2", "GABc d2 e2|",
     run([G3, A3, B3, C4], 0, F(1, 2)) + [(D4, 2, 1), (E4, 3, 1)]),
    ("no swing in a reel", "R:reel\nM:4/4", "GABc d2 e2|",
     run([G3, A3, B3, C4], 0, F(1, 2)) + [(D4, 2, 1), (E4, 3, 1)]),
    # a fermata doubles its note (or rest) and everything after it moves on
    ("fermata", "M:4/4", "HB2 c2 Hz2 d2|", [(B3, 0, 2), (C4, 2, 1), (D4, 5, 1)]),
    # staccato sounds for half the note; the time after it is silent
    ("staccato", "M:4/4", ".A2 .B c2 d2 z|", [(A3, 0, F(1, 2)), (B3, 1, F(1, 4)), (C4, F(3, 2), 1),
                                              (D4, F(5, 2), 1)]),
    # a chord's notes start 10 ticks (1/48 beat) apart; a tie joins notes of one pitch only
    ("chord and ties", "M:4/4", "[GBd]2 A2-A2 A2-B2|",
     [(G3, 0, 1), (B3, F(1, 48), F(47, 48)), (D4, F(1, 24), F(23, 24)), (A3, 1, 2), (A3, 3, 1),
      (B3, 4, 1)]),
]


@pytest.mark.parametrize("header, body, expected", [rule[1:] for rule in RULES],
                         ids=[rule[0] for rule in RULES])
def test_played_as_abc2midi_plays(header, body, expected):
    assert notes(played(header, body)) == [(p, F(t), F(d)) for p, t, d in expected]


def tempi(score):
    from music21 import tempo

    return [(F(m.offset), m.number) for m in score.recurse().getElementsByClass(tempo.MetronomeMark)]


@pytest.mark.parametrize("body, tempo, expected", [
    ("B2 [Q:1/4=60] c2 d2|", None, [(0, 100), (1, 60)]),
    ("HB2 [Q:1/4=60] c2 d2|", None, [(0, 100), (2, 60)]),  # moved on with the notes
    ("HB2 [Q:1/4=60] c2 d2|", 90, [(0, 90)]),  # --tempo replaces the tune's own
])
def test_tempo_marks_follow_the_fermatas_or_give_way_to_the_tempo_asked(body, tempo, expected):
    assert tempi(played("M:4/4\nQ:1/4=100", body, tempo)) == [(F(t), n) for t, n in expected]
