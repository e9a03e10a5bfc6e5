"""Contiguous (batch, time) windows for truncated backpropagation through time.

The token sequence is cut into `batch_size` streams laid side by side (torch-rnn's layout):
row b of batch i+1 continues row b of batch i, so the trainer carries the hidden state from
one batch to the next and resets it only when an epoch starts again.
"""

import torch

from charrnn.data import corpus
from charrnn.errors import UserError
from charrnn.data.vocab import Vocabulary


class BatchStream:
    def __init__(self, ids, batch_size, seq_len, rank=0, world=1):
        ids = torch.as_tensor(ids, dtype=torch.long)
        length = (len(ids) - 1) // batch_size
        if length < seq_len:
            raise UserError(
                f"corpus is too short for one batch: {len(ids):,} training characters, but "
                f"batch_size x seq_len + 1 = {batch_size * seq_len + 1:,} are needed; "
                "lower --batch-size or --seq-len, or give more text")
        if batch_size % world:
            raise UserError(f"batch_size {batch_size} does not divide among {world} processes")
        rows = slice(rank * batch_size // world, (rank + 1) * batch_size // world)
        # Each process (rank) takes its own share of the streams; together they make the batch.
        self.inputs = ids[: batch_size * length].view(batch_size, length)[rows]
        self.targets = ids[1: batch_size * length + 1].view(batch_size, length)[rows]
        self.seq_len = seq_len
        self.batches_per_epoch = length // seq_len

    @property
    def batch_size(self):
        return self.inputs.shape[0]

    def batch(self, index):
        """Inputs and next-character targets of the index-th window, each (batch, seq_len)."""
        window = slice(index * self.seq_len, (index + 1) * self.seq_len)
        return self.inputs[:, window], self.targets[:, window]

    def __iter__(self):
        return (self.batch(i) for i in range(self.batches_per_epoch))


def validation_stream(ids, batch_size, seq_len):
    """Streams over the validation split, shrunk to fit when the split is small."""
    usable = len(ids) - 1
    if usable < 1:
        raise UserError("the validation split is too small; raise --val-fraction or give more text")
    seq_len = min(seq_len, usable)
    rows = max(1, min(batch_size, usable // seq_len))
    return BatchStream(ids, rows, seq_len)


def training_streams(data, vocab=None, rank=0, world=1):
    """(vocabulary, training stream, validation stream or None) for a data config: the corpus
    read, its vocabulary made (or a resumed run's checked to cover it), split, laid out."""
    text = corpus.load_text(data.corpus, data.encoding_errors)
    if vocab is None:
        vocab = Vocabulary.from_text(text)
    elif vocab.unknown(text):
        raise UserError("the corpus has characters the resumed run's vocabulary lacks; "
                        "resume with the corpus the run was started on")
    ids = torch.tensor(vocab.encode(text), dtype=torch.long)
    train_ids, val_ids = corpus.split(ids, data.val_fraction)
    train = BatchStream(train_ids, data.batch_size, data.seq_len, rank, world)
    val = validation_stream(val_ids, data.batch_size, data.seq_len) if len(val_ids) else None
    return vocab, train, val
