"""Text as the model reads it: the vocabulary, a corpus read from disk, and the (batch, time) windows training walks."""
