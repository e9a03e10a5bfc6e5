import pytest

from charrnn.errors import UserError
from charrnn.data.vocab import Vocabulary

TEXTS = ["", "a", "hello, world\n", "naïve café", "emoji 🎻🎶 and flags 🇮🇪",
         "combining e\u0301 and a\u0308", "tabs\tand\r\nCRLF", "日本語のテキスト"]


@pytest.mark.parametrize("text", TEXTS)
def test_round_trip(text):
    vocab = Vocabulary.from_text(text + "x")
    assert vocab.decode(vocab.encode(text)) == text


def test_ids_are_code_points_sorted_and_stable():
    vocab = Vocabulary.from_text("cba🎻a")
    assert vocab.chars == ["a", "b", "c", "🎻"]
    assert Vocabulary.from_text("🎻abc").chars == vocab.chars
    assert len(vocab) == 4


def test_combining_marks_are_their_own_characters():
    vocab = Vocabulary.from_text("e\u0301")
    assert vocab.chars == ["e", "\u0301"]


def test_unknown_characters_are_named():
    vocab = Vocabulary.from_text("abc")
    with pytest.raises(UserError, match="U\\+0078"):
        vocab.encode("abx")
    assert vocab.unknown("xaxy") == ["x", "y"]
    assert vocab.without_unknown("axby") == "ab"


def test_to_list_round_trip():
    vocab = Vocabulary.from_text("hello")
    assert Vocabulary(vocab.to_list()).index == vocab.index
