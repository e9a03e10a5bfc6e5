"""Titles for sampled tunes, from the corpus's own title words: a word-level Markov chain
over the corpus's titles ("The Humours of Glenmore", "Paddy's Favourite"), which the
sampler's tunes take in place of the T: lines their model wrote (a character model spends
little of its training on titles, and writes `6Kh tJgls`).

A title is drawn word by word, each word following the two before it as some corpus title
has them follow, or (half the time) the one before where two words lead only one way; it
ends where two words end a corpus title. A draw that gives a corpus title exactly is
drawn again. Words keep the corpus's capitalisation ("of", "the",
"O'Neill's"): a title in capitals is spelt as the corpus spells its words elsewhere. The
titles are cleaned first: `Midnight Dance, The` reads `The Midnight Dance`, a closing full
stop goes, and titles in O'Neill's dotted spelling of Irish (`an piobaire troda.c`) are
left out, as a reader takes them for noise.
"""

import random
import re
from collections import Counter, defaultdict

from charrnn.music.abc.tunes import text_lines

_START, _END = "", None  # the chain's start context and end of a title
MAX_WORDS = 8  # the corpus's titles are 1 to 8 words, bar a handful
TRIES = 50  # draws before the fallback; a title repeats the corpus about 1 time in 5
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]|[A-Za-z]")  # a word as titles spell them
_ARTICLE_AFTER = re.compile(r"^(.*), (The|A|An)$")
_SMALL = frozenset("a an and at by for from in of on or the to with".split())


def corpus_titles(tunes: list[str]) -> list[str]:
    """Every tune's titles (its T: lines in the header), cleaned (see clean)."""
    titles = []
    for tune in tunes:
        for line in text_lines(tune):
            if line.startswith("K:"):
                break
            if line.startswith("T:"):
                cleaned = clean(line[2:])
                titles += [cleaned] if cleaned else []
    return titles


def clean(title: str) -> str | None:
    """A title as a reader writes it, or None for one that is not words: `Midnight Dance,
    The` becomes `The Midnight Dance`; a closing full stop goes; `leim astea.c` is None."""
    title = " ".join(title.split()).rstrip(".").strip()
    title = _ARTICLE_AFTER.sub(r"\2 \1", title)
    words = title.split(" ")
    if not title or not all(_WORD.fullmatch(word.strip(",!?")) for word in words):
        return None
    return title


class TitleModel:
    """A word-level Markov chain of order two (backing off to one) over a corpus's titles."""

    def __init__(self, titles: list[str]):
        self.titles = titles
        self.known = {title.lower() for title in titles}
        self.spelling = _spellings(titles)
        self.follows: dict[tuple, Counter] = defaultdict(Counter)
        for title in titles:
            words = [self._spelt(word) for word in title.split(" ")] if title.isupper() \
                else title.split(" ")
            chain = [_START, _START] + words + [_END]
            for a, b, c in zip(chain, chain[1:], chain[2:]):
                self.follows[(a, b)][c] += 1
                self.follows[(b,)][c] += 1

    def __bool__(self) -> bool:
        return bool(self.known)

    def title(self, seed: int, number: int) -> str:
        """The title of tune `number` of a draw seeded `seed`: the same for the same pair,
        never a corpus title."""
        rng = random.Random(f"{seed}:{number}")
        for _ in range(TRIES):
            drawn = self._draw(rng)
            if drawn.lower() not in self.known:
                return drawn
        return f"{drawn} No. {number}"  # a corpus of few titles: every draw was one of them

    def _draw(self, rng: random.Random) -> str:
        words = [_START, _START]
        while len(words) < MAX_WORDS + 2:
            after = self.follows[(words[-2], words[-1])]
            # where two words have one way on, the last alone may know more: a new title,
            # which ends only where the two words end a corpus title ("Apples", not "If All")
            if len(after) == 1 and words[-1] != _START and rng.random() < 0.5:
                ends = after[_END]
                after = Counter({w: n for w, n in self.follows[(words[-1],)].items() if w is not _END})
                after[_END] = ends
            word = rng.choices(list(after), weights=list(after.values()))[0]
            if word is _END:
                break
            words.append(word)
        title = " ".join(words[2:])
        return title[:1].upper() + title[1:]

    def _spelt(self, word: str) -> str:
        """A word of a title in capitals, spelt as the corpus spells it elsewhere."""
        return self.spelling.get(word.lower()) or (word.lower() if word.lower() in _SMALL
                                                   else word.capitalize())

    def to_dict(self) -> dict:
        return {"titles": self.titles}


def _spellings(titles: list[str]) -> dict[str, str]:
    """Each word's commonest spelling in the titles not written in capitals."""
    seen: dict[str, Counter] = defaultdict(Counter)
    for title in titles:
        if not title.isupper():
            for word in title.split(" "):
                seen[word.lower()][word] += 1
    return {lower: spellings.most_common(1)[0][0] for lower, spellings in seen.items()}


def retitle(tune: str, title: str | None) -> str:
    """The tune with its header's T: lines replaced by one, `T:title`, where the first was
    (None: with none)."""
    lines, out, done = tune.split("\n"), [], title is None
    for number, line in enumerate(lines):
        if line.startswith("K:"):
            return "\n".join(out + lines[number:])
        if line.startswith("T:"):
            out += [] if done else [f"T:{title}"]
            done = True
        else:
            out.append(line)
    return "\n".join(out)
