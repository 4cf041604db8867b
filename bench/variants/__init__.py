"""Issue 17's spelling-variant benchmark: ``python -m bench.variants`` (see :mod:`bench.variants.__main__`)."""
