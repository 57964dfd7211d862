"""Benchmark scripts: each prints figures (run as `python -m bench.NAME`); none is a test."""
