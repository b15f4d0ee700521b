"""Benchmarks run by ``make bench`` (benchmarks/run.py); not part of the site."""
