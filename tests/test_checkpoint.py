import os
import pickle

import pytest
import torch

from charrnn.run import checkpoint
from charrnn.run.config import RunConfig
from charrnn.errors import UserError, WriteError
from charrnn.model.model import CharRNN


def good_payload():
    config = RunConfig()
    config.model.hidden, config.model.embedding = 4, 3
    return {"config": config.to_dict(), "vocab": list("abc"),
            "model": CharRNN(3, config.model).state_dict()}


def test_round_trip_restores_model(tmp_path):
    payload = good_payload()
    checkpoint.save(payload, tmp_path / "last.pt")
    model, vocab, config = checkpoint.restore_model(checkpoint.load(tmp_path / "last.pt"))
    assert vocab.chars == ["a", "b", "c"] and config.model.hidden == 4
    for name, tensor in payload["model"].items():
        assert torch.equal(model.state_dict()[name], tensor)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


class Payload:
    """Unpickling this would create a file: a checkpoint must never run it."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_malicious_pickle_is_refused_and_never_runs(tmp_path):
    target = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"format": checkpoint.FORMAT, "version": 1, "x": Payload(str(target))}, path)
    with pytest.raises(UserError, match="refusing to load"):
        checkpoint.load(path)
    assert not target.exists()


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_text("hello"), "not a readable checkpoint"),
    (lambda p: p.write_bytes(b""), "not a readable checkpoint"),
    (lambda p: torch.save({"weights": torch.ones(2)}, p), "not a charrnn checkpoint"),
    (lambda p: torch.save({"format": checkpoint.FORMAT, "version": 99}, p), "format 99, newer"),
    (lambda p: torch.save({"format": checkpoint.FORMAT, "version": 1}, p),
     "incomplete checkpoint .missing config, vocab, model"),
    (lambda p: p.write_bytes(pickle.dumps([1, 2])), "not a pickle of plain tensors"),
])
def test_bad_files_give_clear_errors(tmp_path, make, message):
    path = tmp_path / "x.pt"
    make(path)
    with pytest.raises(UserError, match=message):
        checkpoint.load(path)


def test_truncated_checkpoint(tmp_path):
    checkpoint.save(good_payload(), tmp_path / "full.pt")
    data = (tmp_path / "full.pt").read_bytes()
    for cut in (10, len(data) // 2, len(data) - 10):
        (tmp_path / "cut.pt").write_bytes(data[:cut])
        with pytest.raises(UserError, match="truncated or corrupt"):
            checkpoint.load(tmp_path / "cut.pt")


def test_failed_save_leaves_the_old_file(tmp_path, monkeypatch):
    checkpoint.save(good_payload(), tmp_path / "last.pt")
    before = (tmp_path / "last.pt").read_bytes()

    def explode(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", explode)
    with pytest.raises(WriteError, match="cannot write .*last.pt: No space left on device"):
        checkpoint.save(good_payload(), tmp_path / "last.pt")
    assert (tmp_path / "last.pt").read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["last.pt"]
