"""Tunes for the tune-report tests: a small corpus, and tunes to compare with it."""

CORPUS = """X:1
T:The First Reel
M:C|
L:1/8
K:D
A|:d2fd Adfd|e2ge cege|d2fd Adfd|edcB A3A:|
|:f2af dfaf|g2bg egbg|afge fdec|d2f2 d3A:|

X:2
T:The Second Jig
M:6/8
L:1/8
K:G
D|:GBd gdB|cAF DFA|GBd gdB|cAF G2D:|
|:gfg efg|dBG GBd|efg dBG|AFD G3:|

X:3
T:An Air in A Minor
M:3/4
L:1/8
K:Am
E2|A2 B2 c2|d4 c2|B2 A2 G2|E4 E2|
A2 B2 c2|e4 d2|c2 B2 G2|A4||

X:4
T:The Fourth Hornpipe
M:C
L:1/8
K:G
(3DEF|G2BG dGBG|c2ec ABcA|G2BG dGBG|AGFE D2:|
|:Bc|d2gd Bdgd|e2ge cege|dcBA GFED|G2B2 G2:|

X:5
T:The Fifth Polka
M:2/4
L:1/8
K:D
|:A>B AF|A>B AF|d2 ef|ed B2|A>B AF|A>B AF|d2 ef|d2 d2:|

X:6
T:The Sixth Slide
M:12/8
L:1/8
K:Ador
|:A2B c2B A2G E2D|EFG A2B c2B A2G|A2B c2d e2d c2B|A2G E2G A3 A3:|
"""

# A tune with the first reel's A part (four bars and its pickup) and a B part of its own;
# a tune of its own; and one with nothing to draw or play.
COPYING = """X:1
T:Borrowed Reel
M:C|
L:1/8
K:D
A|:d2fd Adfd|e2ge cege|d2fd Adfd|edcB A3A:|
|:B2dB GBdB|A2cA EAcA|B2dB GBdB|A2GF E4:|
"""
OWN = """X:2
T:A Jig of Its Own
M:6/8
L:1/8
K:Em
B|:E2G B2e|dBA B2G|FGA dAF|GFE FGA|
E2G B2e|dBA B2d|efg fed|e3 e2:|
"""
EMPTY = """X:3
T:Nothing to Play
M:4/4
L:1/8
K:C
"Am" |
"""


def write_tunes(folder):
    """tune-01.abc ... as `sample --abc --out` writes them; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for number, text in enumerate((COPYING, OWN, EMPTY), 1):
        (folder / f"tune-{number:02d}.abc").write_text(text, encoding="utf-8")
    return folder


def write_corpus(path):
    path.write_text(CORPUS, encoding="utf-8")
    return path
