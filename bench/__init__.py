"""Benchmarks and evaluations; each writes its figures to docs/benchmarks.md."""
