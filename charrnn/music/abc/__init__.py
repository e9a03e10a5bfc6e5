"""ABC tune text: its fields, splitting and normalising tunes, the grammar of a valid tune, bars and repeats, checking."""
