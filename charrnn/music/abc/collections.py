"""The ABC folk-tune collections bundled with music21's corpus, as tunes and training text.

The raw `.abc` files are read as text and split with `charrnn.music.abc.tunes`; music21 only
tells us where its corpus lives (parsing 12,000 tunes with it would take minutes).
"""

import functools
from pathlib import Path

from charrnn.errors import UserError
from charrnn.music.abc.tunes import join_tunes, normalise_tune, read_abc_file, split_tunes, tune_field

# Folder names under music21/corpus/ holding ABC folk tunes (josquin's ABC files are
# polyphonic part-books, not tunes, so they are left out).
COLLECTIONS = (
    "oneills1850",
    "ryansMammoth",
    "essenFolksong",
    "airdsAirs",
    "miscFolk",
    "nottingham-dataset",
)

# In these collections X: is the tune's number in the printed book, and music21 ships
# overlapping files (two transcriptions of O'Neill's 732-758 and 1116-1135, a 1556-1624
# file beside 1556-1576 and 1577-1624, ...). Keeping only the first transcription of each
# number stops the same tune landing in both the training and the validation split.
_NUMBERED_BY_BOOK = {"oneills1850"}


def _corpus_dir() -> Path:
    from music21.common import getCorpusFilePath  # lazy: music21 takes ~1 s to import

    return Path(getCorpusFilePath())


def _check_name(name: str) -> None:
    if name not in COLLECTIONS:
        raise UserError(f"unknown collection {name!r}; known: {', '.join(COLLECTIONS)}")


def _dedupe(tunes: list[tuple[str, str]], by_number: bool) -> list[str]:
    """Normalised tunes without repeats, first kept: repeats are exact copies, or (with
    by_number) tunes sharing a book number. `tunes` holds (raw, normalised) pairs. A repeat
    left in could sit in both the training and the validation split."""
    seen, kept = set(), []
    for raw, tune in tunes:
        keys = {tune, ("X", tune_field(raw, "X"))} if by_number else {tune}
        if not keys & seen:
            seen |= keys
            kept.append(tune)
    return kept


@functools.lru_cache(maxsize=None)
def _load(name: str) -> tuple[str, ...]:
    files = sorted((_corpus_dir() / name).rglob("*.abc"))
    pairs = [
        (raw, normalise_tune(raw))
        for path in files
        for raw in split_tunes(read_abc_file(path))
    ]
    return tuple(_dedupe(pairs, name in _NUMBERED_BY_BOOK))


def load_tunes(name: str) -> list[str]:
    """The normalised tunes of collection `name` (each `X:1`, ending in one newline)."""
    _check_name(name)
    return list(_load(name))


def load_collection(name: str) -> str:
    """Training text of collection `name`: its tunes, a blank line after each."""
    return join_tunes(load_tunes(name))


def collection_stats() -> list[tuple[str, int, int]]:
    """(name, tunes, characters of training text) for every collection."""
    return [(name, len(load_tunes(name)), len(load_collection(name))) for name in COLLECTIONS]
