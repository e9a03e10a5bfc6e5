"""Sampling whole ABC tunes steered by the grammar: the sampling mask, and how a half-written tune can still end."""
