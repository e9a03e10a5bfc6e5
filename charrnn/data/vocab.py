"""The character vocabulary: Unicode code points (never bytes) <-> integer ids.

Characters are sorted by code point, so the same corpus always gives the same ids, and the
vocabulary travels inside the checkpoint as a plain list of strings.
"""

from charrnn.errors import UserError


class Vocabulary:
    def __init__(self, chars):
        self.chars = list(chars)
        self.index = {ch: i for i, ch in enumerate(self.chars)}
        if len(self.index) != len(self.chars):
            raise ValueError("vocabulary characters must be unique")

    @classmethod
    def from_text(cls, text):
        return cls(sorted(set(text)))

    def __len__(self):
        return len(self.chars)

    def __contains__(self, ch):
        return ch in self.index

    def encode(self, text):
        """Text -> list of ids; a UserError names any character the vocabulary lacks."""
        unknown = self.unknown(text)
        if unknown:
            raise UserError(f"characters not in the vocabulary: {describe(unknown)}")
        return [self.index[ch] for ch in text]

    def decode(self, ids):
        return "".join(self.chars[i] for i in ids)

    def unknown(self, text):
        """The distinct characters of text that the vocabulary lacks, in order of appearance."""
        return list(dict.fromkeys(ch for ch in text if ch not in self.index))

    def without_unknown(self, text):
        return "".join(ch for ch in text if ch in self.index)

    def to_list(self):
        return list(self.chars)


def describe(chars):
    """Characters as a reader can see them: repr shows newlines, tabs and invisible marks."""
    return ", ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in chars)
