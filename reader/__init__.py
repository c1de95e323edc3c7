"""reader: triage the day's papers, keep notes on them and report what you read."""

__version__ = "0.1.0"
