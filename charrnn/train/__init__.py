"""Training a model: the loop, its optimizer and schedule, validation, what it shows as it trains, several processes."""
