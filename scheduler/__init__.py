"""Timers: the wake-up jobs that ask the domain which deadlines are due (next issues)."""
