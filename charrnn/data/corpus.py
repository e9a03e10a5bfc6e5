"""Reading a corpus: text files, a directory of them, or an ABC collection; splitting it.

A corpus spec is a path (file or directory), several paths joined with commas, or
`music21:NAME` for a folk-tune collection bundled with music21. `.abc` files are split into
tunes and normalised so the model sees one clean tune after another.
"""

from pathlib import Path

from charrnn.errors import UserError

TEXT_SUFFIXES = {".txt", ".abc", ".md", ".text", ""}
COLLECTION_PREFIX = "music21:"


def is_abc(spec):
    """Whether a corpus is ABC tunes: music21 collections and .abc files."""
    parts = [part.strip() for part in spec.split(",") if part.strip()]
    return bool(parts) and all(p.startswith(COLLECTION_PREFIX) or p.lower().endswith(".abc")
                               for p in parts)


def sample_prime(spec):
    """Where a sample of a model trained on this corpus starts: a tune's first line when
    the corpus is ABC tunes, else nothing."""
    return "X:1\n" if is_abc(spec) else ""


def load_text(spec, encoding_errors="strict"):
    """The whole training text for a corpus spec."""
    parts = [load_one(part.strip(), encoding_errors) for part in spec.split(",") if part.strip()]
    if not parts:
        raise UserError("no corpus given")
    text = "".join(parts)
    if not text:
        raise UserError(f"corpus {spec} is empty")
    return text


def load_one(spec, encoding_errors):
    if spec.startswith(COLLECTION_PREFIX):
        from charrnn.music.abc.collections import load_collection

        return load_collection(spec[len(COLLECTION_PREFIX):])
    path = Path(spec).expanduser()
    if path.is_dir():
        files = corpus_files(path)
        if not files:
            raise UserError(f"directory {path} holds no text files (.txt, .abc, .md)")
        return "".join(read_file(f, encoding_errors) for f in files)
    return read_file(path, encoding_errors)


def corpus_files(directory):
    """Text files below a directory, in a fixed order so the corpus is the same every time."""
    return sorted(p for p in directory.rglob("*")
                  if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES and not p.name.startswith("."))


def read_file(path, encoding_errors):
    if not path.exists():
        raise UserError(f"corpus not found: {path}")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UserError(f"cannot read corpus {path}: {error.strerror}") from None
    if not data:
        raise UserError(f"corpus file {path} is empty")
    if b"\0" in data[:8192]:
        raise UserError(f"corpus file {path} looks binary (it has NUL bytes); give a text file")
    text = decode(data, path, encoding_errors)
    if path.suffix.lower() == ".abc":
        from charrnn.music.abc.tunes import corpus_from_abc

        text = corpus_from_abc(text)
        if not text:
            raise UserError(f"{path} holds no ABC tunes (no X: lines)")
    return text


def decode(data, path, encoding_errors):
    try:
        return data.decode("utf-8", errors=encoding_errors)
    except UnicodeDecodeError as error:
        raise UserError(f"corpus {path} is not valid UTF-8 (byte {error.start}); convert it, or "
                        "pass --encoding-errors replace to replace bad bytes") from None


def split(ids, val_fraction):
    """Contiguous, deterministic split: the first part trains, the last part validates."""
    n_val = int(len(ids) * val_fraction)
    return ids[: len(ids) - n_val], ids[len(ids) - n_val:]
