"""Benchmarks for iinotes: a realistic vault generator and timing scripts (not shipped with the package)."""
