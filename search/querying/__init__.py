"""Stage 4, querying: the query parser, the query plan and its escalation, evaluation on the
postings, ranking, highlighted snippets and facets."""
