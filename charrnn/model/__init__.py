"""The character-level model: its recurrent cells, its parameters, and where and at what precision it runs."""
