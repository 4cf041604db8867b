"""Relevance benchmark: the project's search beside Pagefind, lunr, SQLite FTS5 and plain bigrams.

Run ``python -m bench.relevance`` from the repository root; see ``bench/relevance/README.md``.
"""
