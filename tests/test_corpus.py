import pytest

from charrnn.data import corpus
from charrnn.errors import UserError


def test_one_file(corpus_file):
    assert corpus.load_text(str(corpus_file)).startswith("the cat")


def test_directory_and_list_in_fixed_order(tmp_path):
    (tmp_path / "b.txt").write_text("BBB", encoding="utf-8")
    (tmp_path / "a.txt").write_text("AAA", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.md").write_text("CCC", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    assert corpus.load_text(str(tmp_path)) == "AAABBBCCC"
    assert corpus.load_text(f"{tmp_path / 'b.txt'},{tmp_path / 'a.txt'}") == "BBBAAA"


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"\x00\x01\x02binary", "binary"),
    (b"caf\xe9 latin-1", "not valid UTF-8"),
])
def test_bad_files(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(UserError, match=message):
        corpus.load_text(str(path))


def test_missing_and_empty_directory(tmp_path):
    with pytest.raises(UserError, match="not found"):
        corpus.load_text(str(tmp_path / "nope.txt"))
    with pytest.raises(UserError, match="no text files"):
        corpus.load_text(str(tmp_path))


def test_replace_bad_bytes(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes(b"caf\xe9")
    assert corpus.load_text(str(path), encoding_errors="replace") == "caf\ufffd"


@pytest.mark.parametrize("fraction, n_val", [(0.0, 0), (0.1, 10), (0.25, 25)])
def test_split_is_contiguous(fraction, n_val):
    ids = list(range(100))
    train, val = corpus.split(ids, fraction)
    assert train + val == ids and len(val) == n_val
