"""Schema: the one place field names are spelled, and how a :class:`Post` becomes a document.

Fields (Whoosh terms): ``title``, ``body``, ``tags_text``, ``anchors`` (the texts of other posts'
links to the post: :mod:`search.posts.anchors`) and ``code`` are word fields
(:func:`search.analysis.analyzers.word_analyzer`); ``title_ngram``, ``body_ngram`` and ``anchors_ngram`` hold
character n-grams of the same texts; ``title_reading``, ``body_reading`` and ``anchors_reading`` the
katakana reading of each word (link text is searched every way body text is), and for the body
the furigana its author wrote (:mod:`search.posts.ruby`) at the annotated word's position. The fields shown
in results store character offsets (``chars=True``) so snippets are highlighted from the index
without running Janome again (NOTES: re-analysis costs seconds per page of hits).
``tag``, ``category``, ``author`` and ``year`` are exact keyword fields for filters and facets.
``sections`` stores the post's headings as ``(offset in body, level, heading, anchor)``
(:class:`search.posts.sections.Section`), so a hit's match offsets map to the heading before them
without reading the post again.

Dates: a post's date is kept as Jekyll shows it, in the offset written in the post. ``date`` is the
instant (naive UTC, sortable: "newest" and "oldest" order posts of different offsets truly);
``local_date`` is the post's own wall-clock time (naive), which the ``from``/``to`` filters compare
with; ``utc_offset`` is the post's offset in minutes east of UTC (540 for ``+0900``), from which
:func:`stored_date` rebuilds the date as written; ``year`` is the year of the post's own calendar date.

:data:`INDEX_VERSION` is recorded beside every index; change it whenever fields or what an
analyzer emits change, because ``Schema.__eq__`` cannot see analyzer changes.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from search.analysis.analyzers import ngram_analyzer, reading_analyzer, word_analyzer
from search.analysis.readings import AnnotatedText
from search.posts.reader import Post

#: On-disk format version: bump on any change to fields, analyzers or the normalization.
INDEX_VERSION = 19  # 12: sections (issue 15); post texts without controls, URLs only on the site (issue 13);
#                    spelling and number keys, katakana folding (issue 17). 13: names, emoji, furigana (issue 17).
#                    14: skeleton keys of words with okurigana between kanji, keys of お・ご + noun (issue 17)
#                    15: joined names, ♯ as #, number keys of dates, nouns, 万 and % (issue 17)
#                    16: loose keys of katakana runs, dashes as long vowels, ヴュ as ビュ (issue 17)
#                    17: a counter keyed by its reading as a counter (九十九章), numbers Janome joins to one (八章)
#                    18: the native counter つ (2つ, 二つ)
#                    19: n-grams stop where hiragana and katakana meet (アクセス|した)

#: Word fields searched for a query word, with the weight of each (a query-time boost).
WORD_FIELDS = {"title": 3.0, "tags_text": 2.0, "anchors": 2.0, "body": 1.0, "code": 0.5}
#: N-gram fields searched for a query word (adjacent fragments), with their weight.
NGRAM_FIELDS = {"title_ngram": 1.5, "anchors_ngram": 1.0, "body_ngram": 0.5}
#: Reading fields (hiragana/katakana queries finding kanji), with their weight.
READING_FIELDS = {"title_reading": 0.6, "anchors_reading": 0.4, "body_reading": 0.3}
#: Fields of few terms (a post's title and tags, the link texts pointing to it: 700–6,500 terms
#: each at 1,406 posts) whose whole lexicon a searcher keeps: a query term asked of every field
#: is mostly absent from these, and that is then known without reading the term table.
LEXICON_FIELDS = ("title", "title_ngram", "title_reading", "tags_text", "anchors", "anchors_ngram", "anchors_reading")
#: The field whose stored text snippets are cut from, and the fields highlighted in it.
SNIPPET_FIELD = "body"
SNIPPET_SOURCE_FIELDS = ("body", "body_ngram", "body_reading")
TITLE_SOURCE_FIELDS = ("title", "title_ngram", "title_reading")


def build_schema(dictionary: str | None = None) -> Schema:
    """The Whoosh schema of the index (see the module docstring for the fields).

    :param dictionary: path of the index's user dictionary (:mod:`search.analysis.dictionary`), or None.
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
        anchors=TEXT(analyzer=words),
        anchors_ngram=TEXT(analyzer=grams),
        anchors_reading=TEXT(analyzer=reading_analyzer(dictionary)),
        code=TEXT(analyzer=words),
        tag=KEYWORD(stored=True, commas=True, scorable=False),
        category=KEYWORD(stored=True, commas=True, scorable=False),
        author=ID(stored=True),
        year=ID(stored=True),
        date=DATETIME(stored=True, sortable=True),
        local_date=DATETIME(),
        utc_offset=STORED(),
        excerpt=STORED(),
        content_hash=STORED(),
        sections=STORED(),
    )


def _keywords(values: tuple[str, ...]) -> str:
    return ",".join(v.replace(",", " ").strip() for v in values if v.strip())


def post_to_document(post: Post) -> dict[str, object]:
    """The field values of one post, ready for ``writer.add_document(**document)``.

    Title, body and tags are handed to two or three fields each; the same ``str`` object goes to
    each, so Janome runs once per text (:func:`search.analysis.morphemes.morphemes` caches by text).
    """
    anchors = "\n".join(post.anchors)
    document: dict[str, object] = {
        "post_id": post.post_id,
        "url": post.url,
        "title": post.title,
        "title_ngram": post.title,
        "body": post.body,
        "body_ngram": post.body,
        "title_reading": post.title,
        "body_reading": AnnotatedText(post.body, post.ruby) if post.ruby else post.body,
        "tags_text": "\n".join(post.tags + post.categories),
        "anchors": anchors,
        "anchors_ngram": anchors,
        "anchors_reading": anchors,
        "code": post.code,
        "tag": _keywords(post.tags),
        "category": _keywords(post.categories),
        "author": post.author,
        "excerpt": post.excerpt,
        "content_hash": post.content_hash,
    }
    if post.sections:
        document["sections"] = [section.to_stored() for section in post.sections]
    if post.date is not None:
        date = post.date if post.date.tzinfo else post.date.replace(tzinfo=timezone.utc)  # Post's convention
        document["date"] = date.astimezone(timezone.utc).replace(tzinfo=None)
        document["local_date"] = date.replace(tzinfo=None)
        document["utc_offset"] = int(date.utcoffset().total_seconds()) // 60
        document["year"] = str(date.year)
    return {name: value for name, value in document.items() if value != ""}


def stored_date(stored: dict) -> datetime | None:
    """A post's date from its stored fields, timezone-aware in the post's own offset
    (``2025-01-01 07:00:00 +0900`` comes back as written, not as 2024-12-31 22:00 UTC), or None."""
    date = stored.get("date")
    if date is None:
        return None
    zone = timezone(timedelta(minutes=stored.get("utc_offset", 0)))
    return date.replace(tzinfo=timezone.utc).astimezone(zone)
