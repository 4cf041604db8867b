"""Query latency benchmark: ours against SQLite FTS5 trigram (see ``__main__``)."""
