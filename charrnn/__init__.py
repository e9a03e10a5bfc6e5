"""charrnn: train character-level recurrent networks on text or folk tunes and sample from them."""

__version__ = "0.1.0"
