"""ABC text as tunes: split a file into tunes, normalise each, join them into training text.

String work (no music21), so corpus preparation stays fast and importable anywhere.
ABC 2.1 (https://abcnotation.com/wiki/abc:standard:v2.1) is the reference: a tune starts
with an `X:` reference-number field and ends with an empty line or the end of the file.
"""

import re
from pathlib import Path

from charrnn.errors import UserError
from charrnn.music.abc.fields import field_match

# Tunes in training text are joined with a blank line after each, the way ABC 2.1 itself
# ends a tune, so the model learns where a tune stops and sampling can stop there too.
TUNE_END = "\n\n"

# One line with its terminator: \r\n, \r or \n. Not str.splitlines, which also breaks on
# \x85 and \x0c, characters that latin-1 text and old ABC files contain inside lines.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_LINE_END = re.compile(r"\r\n|\r|\n")


def text_lines(text: str) -> list[str]:
    """The lines of a text, without their terminators (\r\n, \r or \n): the one way
    charrnn cuts ABC into lines."""
    return _LINE_END.split(text)


def _lines(text: str) -> list[tuple[int, str]]:
    """(start offset, line with its terminator) for every line of text."""
    return [(m.start(), m.group()) for m in _LINE.finditer(text)]


def _is_blank(line: str) -> bool:
    return not line.strip(" \t\r\n")


def _looks_like_music(line: str) -> bool:
    """A line of notes: not a field, not a comment, and holding a bar line. Free text in
    ABC files (notes, source lists, page numbers like ':1646') almost never has a `|`."""
    return "|" in line and not line.startswith("%") and not field_match(line)


def _blocks(lines: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """Runs of non-blank lines, as ABC 2.1 separates tunes and free text: by blank lines."""
    blocks, current = [], []
    for line in lines:
        if not _is_blank(line[1]):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    return blocks + [current] if current else blocks


def _tune_end(lines: list[tuple[int, str]]) -> int:
    """Offset where a tune made of `lines` ends: after its last block of lines holding
    music. ABC 2.1 says a blank line ends a tune, but real collections (Essen's irl.abc)
    sometimes carry on the music after one, so a blank-separated block is kept when it
    has music; blocks of free text after the music are left out."""
    blocks = _blocks(lines)
    keep = 0  # the first block holds the X: line and the header: always the tune's
    for i, block in enumerate(blocks):
        if any(_looks_like_music(line) for _, line in block):
            keep = max(keep, i)
    start, last = blocks[keep][-1]
    return start + len(last)


def read_abc_file(path) -> str:
    """An ABC file's text. ABC predates UTF-8 and old files are often latin-1; latin-1
    decodes any byte, so it is the fallback when the file is not valid UTF-8. A file that
    cannot be read is a UserError."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


# How much of a file is looked at to tell whether it is ABC at all, before the tools read
# it a character at a time: a tune's header (X: to K:) is a few hundred characters.
SNIFF_CHARS = 64 * 1024
_TUNE_HEADER = re.compile(r"^X:[^\r\n]*(?:\r\n?|\n)(?:(?!X:)[^\r\n]*(?:\r\n?|\n))*?K:",
                          re.MULTILINE)
# Control characters other than tab and line ends, and what undecodable bytes became: text
# with more than this share of them is binary data, not ABC.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")
_MOST_CONTROL = 0.05


def refuse_non_abc(text: str, name) -> None:
    """A UserError, said at once, for text that is mostly not ABC: binary data, or a long
    text whose first 64 KB hold no tune header (an X: line, then a K: line). Read a
    character at a time it would take minutes, and end in one tune of nothing but
    problems. A short text is left to the reader, which says what is wrong with it."""
    start = text[:SNIFF_CHARS]
    if len(_CONTROL.findall(start)) > _MOST_CONTROL * len(start):
        raise UserError(f"{name} is not ABC: it looks like binary data")
    if len(text) > SNIFF_CHARS and not _TUNE_HEADER.search(start):
        raise UserError(f"{name} is mostly not ABC: no tune header (an X: line, then a K: "
                        f"line) in its first {SNIFF_CHARS // 1024} KB")


def corpus_tunes(spec: str, text: str) -> list[str]:
    """The tunes of a corpus's text as `train` read it (the caller reads it, with
    charrnn.data.corpus), or a UserError naming the corpus by `spec`."""
    tunes = split_tunes(text)
    if not tunes:
        raise UserError(f"corpus {spec} holds no ABC tunes (no line starts with X:)")
    return tunes


def split_tunes(text: str) -> list[str]:
    """The tunes of an ABC file, each a verbatim slice of `text` from its `X:` line.

    Splits on `X:` lines, not on blank lines. Text before the first `X:` (the file header,
    free text) is no tune; free text after a tune's music is trimmed (see `_tune_end`).
    Pieces keep their own line endings, in order, without overlap.
    """
    lines = _lines(text)
    starts = [i for i, (_, line) in enumerate(lines) if line.startswith("X:")]
    tunes = []
    for k, first in enumerate(starts):
        stop = starts[k + 1] if k + 1 < len(starts) else len(lines)
        tune_lines = lines[first:stop]
        tunes.append(text[tune_lines[0][0]:_tune_end(tune_lines)])
    return tunes


# Header fields about a tune's paper trail rather than its music: book, notes, transcriber,
# source, discography, file, history, origin, area, group. A model trained on them spends
# capacity inventing transcribers' names and prints them into every tune it writes.
BIBLIOGRAPHIC_FIELDS = frozenset("BNZSDFHOAG")


# What a line of ABC may hold that is layout or a note to its reader, not music: a comment
# or a %% directive (to a typesetter: a model that learns them writes them as free text, on
# and on), blanks beyond one (a blank breaks a beam, and several break it no more), and
# backquotes (ABC 2.1 4.7: "ignored by computer programs").
_COMMENT = re.compile(r"(?<!\\)%.*")
_BLANKS = re.compile(r"[ \t]+")


def normalise_tune(tune: str) -> str:
    """One tune in the form a model trains on: `\\n` line ends, no blank lines, header
    renumbered `X:1` (reference numbers are arbitrary and would waste the model's capacity;
    sampling renumbers tunes anyway), bibliographic header fields and I: instructions
    dropped, `T: x` written `T:x`, and the layout no player reads taken away (comments, runs
    of blanks, blanks at a line's ends, backquotes): a model spends no capacity on a
    transcriber's alignment; ending in exactly one `\\n`."""
    lines = [untidy_layout_removed(line) for line in text_lines(tune)]
    lines = [line for line in lines if line and not line.startswith("I:")]
    if not lines:
        return ""
    if lines[0].startswith("X:"):
        lines[0] = "X:1"
    return "\n".join(tidy_header(lines)) + "\n"


def untidy_layout_removed(line: str) -> str:
    """A line without its comment or directive, backquotes (outside a field line) and runs
    of blanks (one space in their place; none at the line's ends)."""
    line = _COMMENT.sub("", line)
    if not field_match(line):
        line = line.replace("`", "")
    return _BLANKS.sub(" ", line).strip()


def tidy_header(lines: list[str]) -> list[str]:
    """Drop bibliographic fields from the header (up to K:) and the space after a field's colon."""
    out, in_header = [], True
    for line in lines:
        match = field_match(line) if in_header else None
        if match:
            if match.group(1) in BIBLIOGRAPHIC_FIELDS:
                continue
            line = f"{match.group(1)}:{line[match.end():].lstrip()}"
            in_header = line[0] != "K"
        out.append(line)
    return out


def join_tunes(tunes) -> str:
    """Training text: each tune followed by TUNE_END (a blank line)."""
    return "".join(tune.rstrip("\n") + TUNE_END for tune in tunes if tune.strip())


def corpus_from_abc(text: str) -> str:
    """An ABC file's training text: split into tunes, normalise each, join."""
    return join_tunes(normalise_tune(tune) for tune in split_tunes(text))


def tune_field(tune: str, field: str) -> str | None:
    """The value of header field `field` ("T", "M", "K", ...) of a tune, or None.

    Only the header counts (up to the first `K:` line): a `T:` inside the music names a
    section, not the tune. The first occurrence wins (ABC 2.1: later `T:` are subtitles).
    """
    for line in text_lines(tune):
        if line.startswith(field + ":"):
            return line[len(field) + 1:].strip()
        if line.startswith("K:"):
            return None
    return None
