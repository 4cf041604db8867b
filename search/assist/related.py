"""Related posts ("more like this") from the index's own term statistics.

Each post is described by a sparse vector of its most characteristic terms: its tags and
categories, the words of its title, and its body words, each weighted by tf-idf
(``(1 + ln tf) · ln(N / df)``, times the field's weight in :data:`FIELD_WEIGHTS`), keeping the
:data:`TERMS_PER_POST` heaviest and scaling the vector to length 1. Two posts are as related as
the cosine of their vectors. Terms in more than :data:`MAX_DF_RATIO` of the posts, or in only one
post, or in every post, say nothing about relatedness and are left out.

The vectors are read from the postings (term frequencies Whoosh already stores), so no post is
analyzed again: Janome never runs here, unlike Whoosh's ``more_like``, which re-analyzes the
stored body of the post (seconds for a long post). They are built once per index version
(:class:`search.indexing.version_cache.VersionCache`); a lookup then costs a few dictionary walks.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field, replace
from datetime import datetime

from whoosh.searching import Searcher

from search.errors import SearchError
from search.indexing.index import SearchIndex
from search.indexing.schema import stored_date
from search.indexing.version_cache import VersionCache

#: Fields describing a post, with the weight of a term in each.
FIELD_WEIGHTS = {"tag": 3.0, "category": 2.0, "title": 2.0, "body": 1.0}
#: Terms kept per post (the heaviest by tf-idf).
TERMS_PER_POST = 40
#: Terms in more than this share of the posts (and more than :data:`MIN_MAX_DF` posts) are left
#: out: they relate everything.
MAX_DF_RATIO = 0.2
MIN_MAX_DF = 10
#: Default and largest number of related posts returned.
DEFAULT_RELATED = 5
MAX_RELATED = 20


class UnknownPostError(SearchError, LookupError):
    """No post with the given id is in the index."""


@dataclass(frozen=True)
class RelatedPost:
    """A post related to another one.

    :ivar score: cosine similarity of the two posts' term vectors, 0 to 1.
    """

    post_id: str
    url: str
    title: str
    date: datetime | None
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    author: str
    score: float

    def to_json(self) -> dict:
        """``{"id", "url", "title", "date" (ISO 8601 or null), "tags", "categories", "author", "score"}``."""
        return {
            "id": self.post_id, "url": self.url, "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "tags": list(self.tags), "categories": list(self.categories), "author": self.author,
            "score": round(self.score, 4),
        }


@dataclass
class PostVectors:
    """The term vectors of one index version.

    :ivar vectors: document number → {term id: weight}; each vector has length 1.
    :ivar postings: term id → [(document number, weight)] for the kept terms.
    :ivar docnums: post id → document number.
    :ivar posts: document number → the post as :func:`related_posts` returns it (score 0), or
        None for a deleted document; kept here so that vectors of an index version that is being
        replaced still name the right posts.
    """

    vectors: list[dict[int, float]]
    postings: dict[int, list[tuple[int, float]]] = field(default_factory=dict)
    docnums: dict[str, int] = field(default_factory=dict)
    posts: list[RelatedPost | None] = field(default_factory=list)

    def similar(self, docnum: int, limit: int) -> list[tuple[int, float]]:
        """``(document number, cosine)`` of the ``limit`` posts nearest ``docnum``, itself excluded."""
        scores: dict[int, float] = {}
        for term_id, weight in self.vectors[docnum].items():
            for other, other_weight in self.postings.get(term_id, ()):
                if other != docnum:
                    scores[other] = scores.get(other, 0.0) + weight * other_weight
        nearest = heapq.nlargest(limit, scores.items(), key=lambda item: (item[1], -item[0]))
        return [(other, min(score, 1.0)) for other, score in nearest]


def build_vectors(searcher: Searcher) -> PostVectors:
    """Read every post's term vector from the postings (see the module docstring)."""
    reader = searcher.reader()
    schema = searcher.schema
    doc_count = reader.doc_count_all()
    max_df = max(MIN_MAX_DF, int(doc_count * MAX_DF_RATIO))
    # Per post, a min-heap of its TERMS_PER_POST heaviest terms so far, (weight, -term id): a
    # post's terms are met in increasing id order, so ties keep the earlier term, as
    # heapq.nlargest over all of them would; holding every term of every post took ~17 MB more.
    heaviest: list[list[tuple[float, int]]] = [[] for _ in range(doc_count)]
    posts: list[RelatedPost | None] = [None] * doc_count
    docnums: dict[str, int] = {}
    for docnum in reader.all_doc_ids():
        post = _post(reader.stored_fields(docnum))
        posts[docnum] = post
        docnums[post.post_id] = docnum
    term_ids: dict[tuple[str, bytes], int] = {}
    for fieldname, field_weight in FIELD_WEIGHTS.items():
        if fieldname not in schema:
            continue
        for btext, info in reader.iter_field(fieldname):
            df = info.doc_frequency()
            if df < 2 or df > max_df or df == doc_count:
                continue
            idf = math.log(doc_count / df) * field_weight
            term_id = term_ids.setdefault((fieldname, btext), len(term_ids))
            for docnum, tf in reader.postings(fieldname, btext).items_as("weight"):
                if posts[docnum] is not None:
                    item = ((1.0 + math.log(max(tf, 1.0))) * idf, -term_id)
                    heap = heaviest[docnum]
                    if len(heap) < TERMS_PER_POST:
                        heapq.heappush(heap, item)
                    elif item > heap[0]:
                        heapq.heapreplace(heap, item)
    vectors: list[dict[int, float]] = []
    postings: dict[int, list[tuple[int, float]]] = {}
    for docnum, heap in enumerate(heaviest):
        top = [(-negative_id, w) for w, negative_id in sorted(heap, key=lambda item: (-item[0], -item[1]))]
        norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
        vector = {term_id: w / norm for term_id, w in top}
        vectors.append(vector)
        for term_id, weight in vector.items():
            postings.setdefault(term_id, []).append((docnum, weight))
    return PostVectors(vectors, postings, docnums, posts)


#: The process's vectors, shared by every caller of :func:`related_posts`.
default_cache: VersionCache[PostVectors] = VersionCache(build_vectors, "kensaku-related-build")


def _split_keywords(value: str | None) -> tuple[str, ...]:
    return tuple(v for v in (value or "").split(",") if v)


def _post(stored: dict) -> RelatedPost:
    return RelatedPost(
        post_id=stored.get("post_id", ""), url=stored.get("url", ""), title=stored.get("title", ""),
        date=stored_date(stored),
        tags=_split_keywords(stored.get("tag")), categories=_split_keywords(stored.get("category")),
        author=stored.get("author", ""), score=0.0,
    )


def related_posts(index: SearchIndex, post_id: str, *, limit: int = DEFAULT_RELATED,
                  cache: VersionCache[PostVectors] | None = None, wait: bool = True) -> list[RelatedPost]:
    """The posts most like ``post_id``, most related first, never the post itself.

    :param index: the open index.
    :param post_id: the post's id (``Hit.post_id``, ``id`` in the JSON API).
    :param limit: most posts returned, 1 to :data:`MAX_RELATED`.
    :param wait: wait for the vectors when none are built yet; if False, answer ``[]`` meanwhile.
    :returns: up to ``limit`` posts sharing characteristic terms with it (fewer, or none, when
        nothing is alike).
    :raises ValueError: ``limit`` out of range.
    :raises UnknownPostError: no post has that id.
    :raises IndexNotBuiltError, StaleIndexError, DamagedIndexError: the index cannot be used.
    """
    if not 1 <= limit <= MAX_RELATED:
        raise ValueError(f"limit must be between 1 and {MAX_RELATED}.")
    vectors = (cache or default_cache).get(index, wait=wait)
    if vectors is None:
        return []
    docnum = vectors.docnums.get(post_id)
    if docnum is None:
        raise UnknownPostError(f"There is no post with id {post_id!r} in the index.")
    return [replace(vectors.posts[other], score=score) for other, score in vectors.similar(docnum, limit)]
