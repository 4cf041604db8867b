"""The OpenAPI 3.1 document of the JSON API, served at ``/api/openapi.json``.

Written as Python data so the limits it states are the code's own constants. Response objects
forbid keys they do not list (``additionalProperties: false``), so ``tests/test_openapi.py``, which
validates real answers against this document, fails as soon as an answer and the document part.
"""

from __future__ import annotations

from search.querying.facets import MAX_FACET_VALUES
from search.querying.parser import MAX_QUERY_CHARS
from search.assist.related import MAX_RELATED, DEFAULT_RELATED
from search.querying.searcher import MAX_PAGE, MAX_PER_PAGE, SORTS
from search.querying.sections import MAX_SECTIONS
from search.indexing.vocabulary import DEFAULT_SUGGESTIONS
from search.assist.suggest import MAX_SUGGEST_CHARS, MAX_SUGGESTIONS
from web.params import MAX_FILTER_VALUE_CHARS, MAX_FILTER_VALUES

#: ``match_mode`` values an answer may carry (:mod:`search.querying.searcher`).
MATCH_MODES = ["exact", "fragment", "reading", "prefix", "relaxed", "browse", "none"]
#: Kinds of suggestion (:class:`search.assist.suggest.Suggestion`).
SUGGESTION_KINDS = ["tag", "category", "term", "title"]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, required: list[str] | None = None, **extra) -> dict:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required,
            "additionalProperties": False, **extra}


def _strings(description: str = "") -> dict:
    schema: dict = {"type": "array", "items": {"type": "string"}}
    if description:
        schema["description"] = description
    return schema


def _param(name: str, description: str, schema: dict, *, required: bool = False, many: bool = False) -> dict:
    if many:
        schema = {"type": "array", "items": schema, "maxItems": MAX_FILTER_VALUES}
    param = {"name": name, "in": "query", "description": description, "required": required, "schema": schema}
    if many:
        param.update(style="form", explode=True)
    return param


def _integer(minimum: int, maximum: int, default: int) -> dict:
    """A whole number from ``minimum`` to ``maximum``; empty (``limit=``, as a form sends an
    empty field) means ``default``, as the server reads it (:func:`web.params.int_arg`)."""
    return {"anyOf": [{"type": "integer", "minimum": minimum, "maximum": maximum}, {"const": ""}],
            "default": default}


#: Text the server reads as given: at least one character that is neither a space nor a control
#: character (:func:`web.params.text_arg` drops controls and strips spaces).
NOT_BLANK = "[^\\s\\x00-\\x1f\\x7f-\\x9f]"


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "503": {"$ref": "#/components/responses/Unavailable"},
}


def _schemas() -> dict:
    facet_values = {"type": "array", "maxItems": MAX_FACET_VALUES, "items": _ref("FacetValue")}
    nullable_datetime = {"type": ["string", "null"], "format": "date-time",
                         "description": "The post's date with the offset written in the post "
                                        "(2025-01-01T07:00:00+09:00; +00:00 when it gives none)."}
    return {
        "Error": _object({
            "ok": {"const": False},
            "error": {"type": "string", "description": "What went wrong, in Japanese, for the reader."},
            "status": {"type": "integer", "description": "The HTTP status, repeated."},
        }),
        "Hit": _object({
            "id": {"type": "string", "description": "Post id (for /api/related)."},
            "url": {"type": "string", "description": "The post's URL (relative unless BASE_URL is set)."},
            "title": {"type": "string"},
            "title_html": {"type": "string", "description": "The title, HTML-escaped, matches in <mark>."},
            "date": nullable_datetime,
            "tags": _strings(), "categories": _strings(),
            "author": {"type": "string"},
            "score": {"type": "number", "description": "Relevance (0 when sorted by date)."},
            "snippet_html": {"type": "string",
                             "description": "Up to 160 characters of the body, HTML-escaped, matches in <mark>; "
                                            "a line break shows as ' / ' unless it follows a sentence end."},
            "match_level": {"enum": ["full", "partial"],
                            "description": "full: every word of the query matched, in some form (as typed, "
                                           "as fragments, by reading, as another spelling); partial: a hit "
                                           "with only some of them (relaxed, or filling the page)."},
            "anchor_url": {"type": "string", "description":
                           "The URL of the heading nearest before the snippet's passage (url#見出し, the id "
                           "Jekyll's kramdown gives it); url itself when the post has no headings. Link here "
                           "to land the reader on the passage; url stays the post's identity."},
            "sections": {"type": "array", "items": _ref("Section"), "maxItems": MAX_SECTIONS,
                         "description": "The sections of the post the query matched (as Pagefind's "
                                        "sub_results): the snippet's section first, then by words and "
                                        "matches; empty for a post without headings or a match outside the body."},
        }),
        "Section": _object({
            "heading": {"type": "string", "description": "The heading's text; empty for the post's opening."},
            "anchor": {"type": "string", "description": "The heading's id on the post's page (empty: none)."},
            "url": {"type": "string", "description": "The post's URL with #anchor (without when anchor is empty)."},
            "snippet_html": {"type": "string", "description": "Up to 160 characters of the section, "
                                                              "HTML-escaped, matches in <mark>."},
        }),
        "FacetValue": _object({"value": {"type": "string"}, "count": {"type": "integer", "minimum": 1}}),
        "Facets": _object({"tags": facet_values, "categories": facet_values, "authors": facet_values,
                           "years": facet_values}, required=[],
                          description="Posts per front-matter value among all hits of the query and "
                                      "filters, most frequent first."),
        "Filters": _object({
            "tags": _strings(), "categories": _strings(), "authors": _strings(), "years": _strings(),
            "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
        }, required=[], description="The filters in force (only those set)."),
        "SearchResponse": _object({
            "ok": {"const": True},
            "query": {"type": "string", "description": "q as given."},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "page_count": {"type": "integer", "minimum": 0},
            "sort": {"enum": list(SORTS)},
            "took_ms": {"type": "number", "minimum": 0},
            "limited": {"type": "boolean", "description":
                        "true: the query met its cost bound: a word of one kana stood for more terms "
                        "than a search reads, and only the commonest were searched, so posts may be "
                        "missing (docs/robustness-serving.md)."},
            "match_mode": {"enum": MATCH_MODES, "description":
                           "exact: every word matched as a word; fragment: some only inside longer words; "
                           "reading: some only by reading; prefix: one Latin word that matched nothing, "
                           "read as the start of longer words (lara: Laravel); "
                           "relaxed: no post had every word, posts with any "
                           "are shown; browse: no query, the filters' posts are listed; none: no hit."},
            "query_analysis": {"type": "object", "description": "How the query was understood "
                               "(normalized text, terms per field); informative, may change."},
            "filters": _ref("Filters"),
            "facets": _ref("Facets"),
            "hits": {"type": "array", "items": _ref("Hit"), "maxItems": MAX_PER_PAGE},
            "did_you_mean": {"type": ["string", "null"],
                             "description": "A corrected query that finds posts, when this one found none."},
        }),
        "Suggestion": _object({
            "text": {"type": "string", "description": "The word, tag or title as the posts write it."},
            "query": {"type": "string", "description": "The whole query to search when it is chosen."},
            "kind": {"enum": SUGGESTION_KINDS},
            "reading": {"type": "string", "description": "Reading in katakana, Latin letters as they are (empty when none)."},
            "posts": {"type": "integer", "minimum": 0, "description": "Posts carrying it."},
            "url": {"type": "string", "description": "The post's URL (titles only)."},
        }, required=["text", "query", "kind", "reading", "posts"]),
        "SuggestResponse": _object({
            "ok": {"const": True},
            "query": {"type": "string"},
            "suggestions": {"type": "array", "items": _ref("Suggestion"), "maxItems": MAX_SUGGESTIONS},
        }),
        "OpenSearchSuggestions": {
            "type": "array", "minItems": 2, "maxItems": 2,
            "prefixItems": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            "description": "OpenSearch suggestions format: [input, [completion, ...]].",
        },
        "RelatedPost": _object({
            "id": {"type": "string"}, "url": {"type": "string"}, "title": {"type": "string"},
            "date": nullable_datetime, "tags": _strings(), "categories": _strings(),
            "author": {"type": "string"},
            "score": {"type": "number", "minimum": 0, "maximum": 1.0001, "description": "Cosine similarity."},
        }),
        "RelatedResponse": _object({
            "ok": {"const": True},
            "id": {"type": "string"},
            "related": {"type": "array", "items": _ref("RelatedPost"), "maxItems": MAX_RELATED},
        }),
    }


def _search_parameters(per_page: int) -> list[dict]:
    word = {"type": "string", "maxLength": MAX_FILTER_VALUE_CHARS}
    return [
        _param("q", "The query: words (AND), \"phrase\", OR, -exclusion or NOT, (groups), and field:value for "
               "title, tag, category, author. May be empty when a filter is given.",
               {"type": "string", "maxLength": MAX_QUERY_CHARS}),
        _param("page", "1-based page number.", _integer(1, MAX_PAGE, 1)),
        _param("per_page", "Hits per page.", _integer(1, MAX_PER_PAGE, per_page)),
        _param("sort", "Order of hits; relevance by default with a query, newest without one (or empty).",
               {"enum": [*SORTS, ""]}),
        _param("tag", "Only posts with this tag (repeat for several: all must hold).", word, many=True),
        _param("category", "Only posts in this category (repeatable).", word, many=True),
        _param("author", "Only posts by this author (repeatable).", word, many=True),
        _param("year", "Only posts of this year (repeatable; by the post's own calendar date).",
               {"type": "string", "pattern": "^[0-9]{4}$"}, many=True),
        _param("from", "Only posts dated on or after this day (the post's own calendar date); empty: none. The "
                       "search page's forms also send 2024年5月20日, 2024/5/20, a month (2024-05, 2024年5月: its "
                       "first day) or a year (its first day).",
               {"anyOf": [{"type": "string", "format": "date"}, {"const": ""}]}),
        _param("to", "Only posts dated on or before this day (the post's own calendar date); empty: none. A "
                     "month or year as for from, read as its last day.",
               {"anyOf": [{"type": "string", "format": "date"}, {"const": ""}]}),
        _param("analytics", "false: leave this search out of the search counts (search as you type).",
               {"anyOf": [{"type": "boolean"}, {"enum": ["0", "1", "on", "off", "yes", "no", ""]}],
                "default": True}),
    ]


def document(per_page: int = 10) -> dict:
    """The OpenAPI document.

    :param per_page: the app's default ``per_page`` (``PER_PAGE``), stated as the default.
    """
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kensaku JSON API",
            "version": "1",
            "description": "Japanese full-text search of a blog: results with highlights, facets and "
                           "filters, suggestions as you type, related posts. Every error is "
                           "{ok: false, error, status}. Searches are counted per normalized query "
                           "(no IP address, user agent or cookie is stored).",
        },
        "paths": {
            "/api/search": {"get": {
                "summary": "Search the posts",
                "operationId": "search",
                "parameters": _search_parameters(per_page),
                "responses": {"200": _json(_ref("SearchResponse"), "One page of results."), **ERRORS},
            }},
            "/api/suggest": {"get": {
                "summary": "Complete what the reader is typing",
                "operationId": "suggest",
                "parameters": [
                    _param("q", "The input so far; hiragana completes katakana and kanji words by reading. "
                           f"Empty or longer than {MAX_SUGGEST_CHARS} characters: no suggestions.",
                           {"type": "string"}),
                    _param("limit", "Most suggestions.", _integer(1, MAX_SUGGESTIONS, DEFAULT_SUGGESTIONS)),
                    _param("format", "json (default) or opensearch ([q, [completions]]).",
                           {"enum": ["json", "opensearch", ""], "default": "json"}),
                ],
                "responses": {"200": _json({"oneOf": [_ref("SuggestResponse"), _ref("OpenSearchSuggestions")]},
                                           "Suggestions, best first."), **ERRORS},
            }},
            "/api/related": {"get": {
                "summary": "Posts related to a post",
                "operationId": "related",
                "parameters": [
                    _param("id", "The post's id (id of a hit); spaces around it are ignored.",
                           {"type": "string", "pattern": NOT_BLANK}, required=True),
                    _param("limit", "Most posts.", _integer(1, MAX_RELATED, DEFAULT_RELATED)),
                ],
                "responses": {"200": _json(_ref("RelatedResponse"), "Related posts, most related first."),
                              "404": {"$ref": "#/components/responses/NotFound"}, **ERRORS},
            }},
            "/api/openapi.json": {"get": {
                "summary": "This document",
                "operationId": "openapi",
                "responses": {"200": _json({"type": "object"}, "The OpenAPI document.")},
            }},
        },
        "components": {
            "schemas": _schemas(),
            "responses": {
                "BadRequest": _json(_ref("Error"), "A bad argument; the message names it and its limit."),
                "NotFound": _json(_ref("Error"), "No such post."),
                "Unavailable": _json(_ref("Error"), "There is no usable index: none built yet, of an "
                                     "older format, or damaged (run kensaku reindex)."),
            },
        },
    }
