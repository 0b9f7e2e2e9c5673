"""Benchmarks against the service's targets (issue 6); run with `python -m bench.run`."""
