"""Benchmarks: each module prints a ratio against a baseline measured in the same run."""
