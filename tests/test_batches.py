import pytest
import torch

from charrnn.data.batches import BatchStream, validation_stream
from charrnn.errors import UserError


def test_rows_continue_across_batches():
    ids = torch.arange(2 * 3 * 4 + 1)  # 2 streams, 3 windows of 4
    stream = BatchStream(ids, batch_size=2, seq_len=4)
    assert stream.batches_per_epoch == 3
    batches = list(stream)
    for (x0, _), (x1, _) in zip(batches, batches[1:]):
        assert torch.equal(x1[:, 0], x0[:, -1] + 1)  # row b of batch i+1 continues row b of batch i
    for x, y in batches:
        assert torch.equal(y, x + 1)  # targets are the next characters


def test_every_character_seen_once_per_epoch():
    ids = torch.arange(50)
    stream = BatchStream(ids, batch_size=3, seq_len=5)
    seen = torch.cat([x.flatten() for x, _ in stream]).sort().values
    assert len(set(seen.tolist())) == len(seen) == 3 * 5 * stream.batches_per_epoch


@pytest.mark.parametrize("world", [2, 4])
def test_ranks_share_the_streams(world):
    ids = torch.arange(8 * 6 + 1)
    whole = BatchStream(ids, 8, 3)
    parts = [BatchStream(ids, 8, 3, rank, world) for rank in range(world)]
    assert torch.equal(torch.cat([p.batch(1)[0] for p in parts]), whole.batch(1)[0])


def test_too_short_for_one_batch():
    with pytest.raises(UserError, match="too short for one batch"):
        BatchStream(torch.arange(10), batch_size=4, seq_len=8)


def test_validation_stream_shrinks_to_fit():
    stream = validation_stream(torch.arange(7), batch_size=4, seq_len=16)
    assert stream.seq_len == 6 and stream.batch_size == 1
    with pytest.raises(UserError, match="validation split"):
        validation_stream(torch.arange(1), 4, 16)
