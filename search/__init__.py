"""kensaku's search library: Japanese posts → Whoosh index → ranked, highlighted hits.

Knows nothing of Flask, environment variables or configuration files: callers pass paths and
values. Main entry points: :func:`search.posts.load_posts`, :func:`search.indexing.rebuild_index`,
:func:`search.index.open_index`, :func:`search.searching.search_posts`.
"""
