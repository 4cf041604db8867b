"""kensaku's search library: Japanese posts → Whoosh index → ranked, highlighted hits.

Knows nothing of Flask, environment variables or configuration files: callers pass paths and
values. The subpackages are the pipeline's stages, in order; a stage imports only from the
stages before it (and :mod:`search.errors`, which every stage uses):

1. :mod:`search.posts` — post files → :class:`~search.posts.reader.Post` (front matter,
   Markdown and Liquid to text, link texts).
2. :mod:`search.analysis` — text → terms: normalization, Janome, words, n-grams, readings,
   the user dictionary, synonyms. The same analysis serves the index and the query.
3. :mod:`search.indexing` — the schema, building and updating index generations, opening them
   (:func:`~search.indexing.index.open_index`), the suggestion vocabulary mined from them.
4. :mod:`search.querying` — query parser, plan and escalation, evaluation on the postings,
   ranking, highlighting, facets: :func:`~search.querying.searcher.search_posts`.
5. :mod:`search.assist` — what is built around the hits: suggestions, "did you mean", related
   posts, search analytics.

Main entry points: :func:`search.posts.reader.load_posts`,
:func:`search.indexing.rebuild.rebuild_index`, :func:`search.indexing.index.open_index`,
:func:`search.querying.searcher.search_posts`.
"""
