"""Benchmarks that ``redlane bench`` runs: each returns a flat dict of figures."""
