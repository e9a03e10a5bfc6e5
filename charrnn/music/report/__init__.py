"""Are they good tunes? The tune report: each tune's features and verdict against a corpus, as tables and a web page."""
