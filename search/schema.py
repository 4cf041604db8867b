"""Schema: the one place field names are spelled, and how a :class:`Post` becomes a document.

Fields (Whoosh terms): ``title``, ``body``, ``tags_text`` and ``code`` are word fields
(:func:`search.analysis.word_analyzer`); ``title_ngram`` and ``body_ngram`` hold character
n-grams of the same texts; ``body_reading`` holds readings. All text fields store character
offsets (``chars=True``) so snippets are highlighted from the index without running Janome again
(NOTES: re-analysis costs seconds per page of hits). ``tag``, ``category``, ``author`` and
``year`` are exact keyword fields for filters and facets.

:data:`INDEX_VERSION` is recorded beside every index; change it whenever fields or what an
analyzer emits change, because ``Schema.__eq__`` cannot see analyzer changes.
"""

from __future__ import annotations

from datetime import timezone

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from search.analysis import ngram_analyzer, reading_analyzer, word_analyzer
from search.posts import Post

#: On-disk format version: bump on any change to fields, analyzers or the normalization.
INDEX_VERSION = 4

#: Word fields searched for a query word, with the weight of each (a query-time boost).
WORD_FIELDS = {"title": 3.0, "tags_text": 2.0, "body": 1.0, "code": 0.5}
#: N-gram fields searched for a query word (adjacent fragments), with their weight.
NGRAM_FIELDS = {"title_ngram": 1.5, "body_ngram": 0.5}
#: Reading fields (hiragana/katakana queries finding kanji), with their weight.
READING_FIELDS = {"title_reading": 0.6, "body_reading": 0.3}
#: The field whose stored text snippets are cut from, and the fields highlighted in it.
SNIPPET_FIELD = "body"
SNIPPET_SOURCE_FIELDS = ("body", "body_ngram", "body_reading")
TITLE_SOURCE_FIELDS = ("title", "title_ngram", "title_reading")


def build_schema(dictionary: str | None = None) -> Schema:
    """The Whoosh schema of the index (see the module docstring for the fields).

    :param dictionary: path of the index's user dictionary (:mod:`search.dictionary`), or None.
    """
    words = word_analyzer(dictionary)
    grams = ngram_analyzer()
    return Schema(
        post_id=ID(stored=True, unique=True),
        url=STORED(),
        title=TEXT(analyzer=words, stored=True, chars=True),
        title_ngram=TEXT(analyzer=grams, chars=True),
        body=TEXT(analyzer=words, stored=True, chars=True),
        body_ngram=TEXT(analyzer=grams, chars=True),
        title_reading=TEXT(analyzer=reading_analyzer(dictionary), chars=True),
        body_reading=TEXT(analyzer=reading_analyzer(dictionary), chars=True),
        tags_text=TEXT(analyzer=words, chars=True),
        code=TEXT(analyzer=words),
        tag=KEYWORD(stored=True, commas=True, scorable=False),
        category=KEYWORD(stored=True, commas=True, scorable=False),
        author=ID(stored=True),
        year=ID(stored=True),
        date=DATETIME(stored=True, sortable=True),
        excerpt=STORED(),
        content_hash=STORED(),
    )


def _keywords(values: tuple[str, ...]) -> str:
    return ",".join(v.replace(",", " ").strip() for v in values if v.strip())


def post_to_document(post: Post) -> dict[str, object]:
    """The field values of one post, ready for ``writer.add_document(**document)``.

    Title, body and tags are handed to two or three fields each; the same ``str`` object goes to
    each, so Janome runs once per text (:func:`search.analysis.morphemes` caches by text).
    """
    document: dict[str, object] = {
        "post_id": post.post_id,
        "url": post.url,
        "title": post.title,
        "title_ngram": post.title,
        "body": post.body,
        "body_ngram": post.body,
        "title_reading": post.title,
        "body_reading": post.body,
        "tags_text": "\n".join(post.tags + post.categories),
        "code": post.code,
        "tag": _keywords(post.tags),
        "category": _keywords(post.categories),
        "author": post.author,
        "excerpt": post.excerpt,
        "content_hash": post.content_hash,
    }
    if post.date is not None:
        date = post.date if post.date.tzinfo is None else post.date.astimezone(timezone.utc)
        document["date"] = date.replace(tzinfo=None)
        document["year"] = str(date.year)
    return {name: value for name, value in document.items() if value != ""}
