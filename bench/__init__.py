"""Benchmarks: run on demand with `python -m bench`; never in CI."""
