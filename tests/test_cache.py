"""The on-disk cache: where it lives, round trips, and what it does with stale or bad files."""

import os
from pathlib import Path

import pytest

from charrnn.disk import cache


def test_it_lives_under_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "charrnn"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache.cache_dir() == Path.home() / ".cache" / "charrnn"


def test_data_round_trips_under_its_version():
    assert cache.save("a/b.json", 3, {"x": [1, None, "é"]})
    assert cache.load("a/b.json", 3) == {"x": [1, None, "é"]}
    assert cache.load("a/b.json", 4) is None  # another version: stale
    assert cache.load("a/missing.json", 3) is None


def test_a_damaged_file_is_no_data():
    cache.save("bad.json", 1, [1])
    (cache.cache_dir() / "bad.json").write_text('{"version": 1, "da', encoding="utf-8")
    assert cache.load("bad.json", 1) is None


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_cache_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    tmp_path.chmod(0o500)
    try:
        assert cache.save("x.json", 1, [1]) is False
    finally:
        tmp_path.chmod(0o700)


def test_a_file_in_the_way_of_the_cache_is_skipped(tmp_path, monkeypatch):
    (tmp_path / "charrnn").write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.save("x.json", 1, [1]) is False
