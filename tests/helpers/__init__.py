"""Helper programs and utilities for the reliability tests (run as real subprocesses)."""
