"""Shared fixtures: a tiny corpus and a tiny, fast run configuration."""

import pytest
import torch

from charrnn.config import RunConfig, validate

torch.set_num_threads(1)


@pytest.fixture
def corpus_file(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("the cat sat on the mat. " * 200, encoding="utf-8")
    return path


def tiny_config(corpus, **overrides):
    """A run small enough to train in a fraction of a second."""
    config = RunConfig()
    config.data.corpus = str(corpus)
    config.data.batch_size, config.data.seq_len = 4, 16
    config.model.hidden, config.model.embedding, config.model.layers = 16, 8, 1
    config.train.eval_every, config.train.max_steps, config.train.lr = 10, 20, 1e-2
    for key, value in overrides.items():
        for section in (config.model, config.data, config.train):
            if hasattr(section, key):
                setattr(section, key, value)
    validate(config)
    return config


@pytest.fixture(autouse=True, scope="session")
def session_cache(tmp_path_factory):
    """No test reads or writes the user's cache (charrnn.cache), module fixtures included."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("session-cache")))
        yield


@pytest.fixture(autouse=True)
def own_cache(tmp_path_factory, monkeypatch):
    """Each test starts with an empty cache of its own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
