"""Loopback load benchmark of the web stack: `python -m bench.webload` (`make bench-web`)."""
