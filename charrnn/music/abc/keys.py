"""ABC keys read for their degrees: a K: value's tonic, mode and signature, and how many
semitones above the tonic each written note sounds (ABC 2.1 3.1.14, explicit accidentals
included). What the form plan's cadence (charrnn.music.steer.plan) and a corpus's endings
are counted in."""

import functools
import re
from dataclasses import dataclass

# A final degree fewer of the corpus's tunes of a mode end on than this is no ending of
# the corpus's: O'Neill's major tunes end on 1 (81%), 2, 5, 4 and 6 (3-5% each), and on 7,
# 3, b7 and b6 in under 2%, slips and oddities rather than an idiom. The verdict
# (charrnn.music.report.verdict) judges a tune's ending by it, and the form plan draws a
# tune's last note among the degrees it lets through.
ENDING_SHARE = 0.03

_PITCH_CLASS = dict(zip("CDEFGAB", (0, 2, 4, 5, 7, 9, 11)))
_SHARPS_ORDER, _FLATS_ORDER = "FCGDAEB", "BEADGCF"
# Sharps of each major key (flats negative), and what each mode takes from its tonic's major.
_MAJOR_SHARPS = {"C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5, "F#": 6, "C#": 7,
                 "F": -1, "Bb": -2, "Eb": -3, "Ab": -4, "Db": -5, "Gb": -6, "Cb": -7,
                 "G#": 8, "D#": 9, "A#": 10, "E#": 11, "B#": 12, "Fb": -8}
_MODES = {"maj": ("major", 0), "ion": ("major", 0), "": ("major", 0), "m": ("minor", -3),
          "min": ("minor", -3), "aeo": ("minor", -3), "mix": ("mixolydian", -1),
          "dor": ("dorian", -2), "phr": ("phrygian", -4), "lyd": ("lydian", 1),
          "loc": ("locrian", -5)}
_KEY = re.compile(r"([A-G][#b]?)\s*([A-Za-z]*)")
_ACCIDENTAL = {"^": 1, "^^": 2, "_": -1, "__": -2, "=": 0}


@dataclass(frozen=True)
class Key:
    """A K: value read for degrees: its tonic's pitch class, its mode, and the pitch class of
    each letter under its signature."""

    tonic: int
    mode: str
    letters: tuple  # pitch class of C, D, E, F, G, A, B in this key
    tonic_step: int = 0  # the tonic's letter: C 0, D 1 ... B 6

    def step(self, pitch) -> int:
        """Steps of the scale (letters) from the tonic's letter above middle C up to a note
        (letter, octave marks, accidental): in G, D is -3, g 7 and d' 11."""
        letter, octave, _ = pitch
        return staff_step(letter, octave) - self.tonic_step

    def degree(self, pitch) -> int | None:
        """Semitones above the tonic of a note (letter, octave marks, accidental)."""
        letter, _, accidental = pitch
        if accidental:
            pc = _PITCH_CLASS[letter.upper()] + _ACCIDENTAL[accidental]
        else:
            pc = self.letters["CDEFGAB".index(letter.upper())]
        return (pc - self.tonic) % 12


def staff_step(letter: str, octave: str) -> int:
    """Letters from middle C (ABC's C) up to a note: C 0, B 6, c 7, c' 14, B, -1."""
    return "CDEFGAB".index(letter.upper()) + 7 * (letter.islower() + octave.count("'") -
                                                  octave.count(","))


def staff_name(step: int) -> str:
    """The note written at a staff step (`staff_step`'s inverse): 0 C, 7 c, 14 c', -1 B,."""
    octave, letter = divmod(step, 7)
    name = "CDEFGAB"[letter] if octave <= 0 else "cdefgab"[letter]
    return name + ("," * -octave if octave < 0 else "'" * (octave - 1))


@functools.lru_cache(maxsize=256)
def read_key(value: str) -> Key | None:
    """The Key of a K: value (`G`, `Ador`, `F#m`, `D mix`, `D ^g`: explicit accidentals
    change the signature, ABC 2.1 3.1.14); None for none and the bagpipes' HP."""
    words = value.split()
    match = _KEY.fullmatch(" ".join(words[:2])) or _KEY.fullmatch(words[0] if words else "")
    if match is None:
        return None
    tonic, mode_word = match[1], match[2].lower()
    mode = _MODES.get(mode_word if mode_word == "m" else mode_word[:3])
    if mode is None or tonic not in _MAJOR_SHARPS:
        return None
    sharps = 0 if "exp" in words else _MAJOR_SHARPS[tonic] + mode[1]
    altered = {letter: 1 for letter in _SHARPS_ORDER[:max(sharps, 0)]}
    altered.update({letter: -1 for letter in _FLATS_ORDER[:max(-sharps, 0)]})
    for word in words:
        explicit = re.fullmatch(r"(\^\^?|__?|=)([A-Ga-g])", word)
        if explicit:
            altered[explicit[2].upper()] = _ACCIDENTAL[explicit[1]]
    letters = tuple((_PITCH_CLASS[letter] + altered.get(letter, 0)) % 12 for letter in "CDEFGAB")
    tonic_pc = (_PITCH_CLASS[tonic[0]] + {"#": 1, "b": -1}.get(tonic[1:], 0)) % 12
    return Key(tonic_pc, mode[0], letters, "CDEFGAB".index(tonic[0]))
