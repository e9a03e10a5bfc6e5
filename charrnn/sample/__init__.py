"""Drawing text from a trained model: one character at a time (sampling), or the most likely continuation (beam search)."""
