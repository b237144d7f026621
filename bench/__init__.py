"""Benchmark of ecgsignal against published open-source peers (run ``python -m bench``)."""
