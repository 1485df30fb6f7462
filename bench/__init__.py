"""The performance benchmark of geekai-admin (`nox -s bench`); not part of the package or the tests.

See bench/README.md for what it measures and how to run it.
"""
