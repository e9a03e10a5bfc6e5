"""A training run: its configuration and presets, its directory, and the checkpoint that holds it whole."""
