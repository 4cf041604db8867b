"""Searching: a query string → ranked, highlighted hits, with match escalation.

Data flow: ``q`` --:func:`search.querying.parser.parse_query`--> query tree --:class:`QueryPlan`-->
Whoosh queries, one per escalation step --:mod:`search.querying.evaluation`--> :class:`Hit` list in a
:class:`ResultPage`.

Each query word matches a post when its terms stand next to each other in a word field (Janome
terms: ``投資した`` finds ``投資する``), *or* its character bigrams stand next to each other in an
n-gram field (``キャプチャ`` inside ``キャプチャツール``, ``東京都`` inside ``東京都庁``), *or* — for a
word in kana — its reading matches (``とうし`` → 投資), as one word's reading or several words' in
a row (``とうきょうと`` → 東京 都). Word matches weigh most, fragments less,
readings least (BM25F, Robertson & Zaragoza 2009, title weighted). Escalation, reported as
``match_mode``:

1. ``exact`` / ``fragment`` / ``reading`` — every word matched (AND); the mode names the weakest
   kind of match any hit needed. Readings are consulted only when a kana query's spelling found
   fewer than :data:`READING_STEP_BELOW` posts (matching by reading is the costly step);
2. ``relaxed`` — nothing matched every word: the content words of the whole query are ORed and
   ranked, so a question typed as a sentence still finds its post (best-matching first);
3. ``reading`` — a single kana word that matched nothing, read as the start of a longer word
   (``とうきょ`` → 東京: half a word typed before converting it), like a completion;
4. ``none`` — nothing at all.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime

from whoosh import query as wq

from search.analysis.analyzers import unique
from search.errors import QueryError, QueryErrorReason
from search.querying.evaluation import Evaluator, Matches, SearchCache, evaluator_for
from search.querying.facets import Filters, facet_counts
from search.querying.highlight import (Pattern, load_occurrences, make_snippet, mark_html, match_spans, merge_spans,
                                      snippet_window)
from search.indexing.index import SearchIndex
from search.analysis.numerals import is_number_term, outside_numbers
from search.analysis.query_analysis import word_morphemes
from search.querying.clauses import reading_pieces
from search.querying.prefix_steps import reading_prefix, word_prefix
from search.querying.reading_lexicon import reading_lexicon
from search.querying.sections import SectionHit, section_hits, stored_sections
from search.querying.plan import RELAXED_SKIP_TERMS, TOPICAL, TOPICAL_MIN_TERMS, QueryPlan
from search.querying.parser import And, Node, Word, words_of
from search.analysis.synonyms import Synonyms
from search.indexing.schema import (SNIPPET_FIELD, SNIPPET_SOURCE_FIELDS,
                           TITLE_SOURCE_FIELDS, stored_date)

#: Largest page size a caller may ask for.
MAX_PER_PAGE = 50
#: Largest 1-based page number a caller may ask for.
MAX_PAGE = 1000
#: A plain query (no operators) of at least FILL_MIN_WORDS words typed apart, or as many content
#: terms other than numbers typed together, that matched fewer than FILL_BELOW posts word for word
#: is followed by the posts with most of its words (a title typed whole, where the post meant may
#: word one of them differently). Known-item MRR@10 (``bench/relevance``, titles withheld), words
#: typed apart only -> typed together too: mamezou 0.543 -> 0.617, ruby-lang 0.806 -> 0.811.
FILL_BELOW = 10
FILL_MIN_WORDS = 3
#: A name of code typed as one run: Latin letters and digits in parts joined by ``_ - . /``.
_CODE_NAME = re.compile(r"[0-9A-Za-z]+(?:[._/-][0-9A-Za-z]+)+")
#: A kana query is also matched by reading when its spelling alone matched fewer posts than this.
READING_STEP_BELOW = 10


SORTS = {"relevance": None, "newest": ("date", True), "oldest": ("date", False)}


@dataclass(frozen=True)
class Hit:
    """One matching post, copied out of the searcher.

    :ivar date: timezone-aware, in the offset written in the post (as Jekyll shows it).
    :ivar score: BM25F score (higher is better; 0 when sorted by date).
    :ivar title_html: the title, HTML-escaped, matches in ``<mark>``.
    :ivar snippet_html: up to ``SNIPPET_MAX_CHARS`` characters of the body, HTML-escaped,
        matches in ``<mark>``.
    :ivar sections: the sections of the post the query matched, the snippet's first
        (:func:`search.querying.sections.section_hits`); empty for a post without headings.
    :ivar match_level: ``full`` (every word of the query matched, in some form: as typed, as
        fragments, by reading or as a variant) or ``partial`` (a relaxed hit, or one that fills a
        page after the full ones, or a kana word read as the start of a longer one).
    """

    post_id: str
    url: str
    title: str
    title_html: str
    date: datetime | None
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    author: str
    excerpt: str
    score: float
    snippet_html: str
    match_level: str = "full"
    sections: tuple[SectionHit, ...] = ()

    @property
    def anchor_url(self) -> str:
        """The URL of the heading nearest before the snippet's passage (``url#見出し``), else ``url``."""
        return self.sections[0].url if self.sections else self.url

    def to_json(self) -> dict:
        """The hit as the JSON API returns it (``date`` in ISO 8601 with the post's own offset)."""
        return {
            "id": self.post_id,
            "url": self.url,
            "title": self.title,
            "title_html": self.title_html,
            "date": self.date.isoformat() if self.date else None,
            "tags": list(self.tags),
            "categories": list(self.categories),
            "author": self.author,
            "score": round(self.score, 4),
            "snippet_html": self.snippet_html,
            "match_level": self.match_level,
            "anchor_url": self.anchor_url,
            "sections": [section.to_json() for section in self.sections],
        }


@dataclass(frozen=True)
class ResultPage:
    """One page of results for a query.

    :ivar page: 1-based page number; ``per_page`` hits per page; ``total`` hits in all.
    :ivar took_ms: time spent in :func:`search_posts`, milliseconds.
    :ivar match_mode: ``exact``, ``fragment``, ``reading``, ``relaxed`` or ``none``.
    :ivar query_analysis: how the query was understood (normalized text, terms per field).
    :ivar limited: the query met its cost bound: a word of one kana stood for more terms than
        a search reads (:data:`search.querying.postings.MAX_PREFIX_EXPANSIONS`,
        :data:`~search.querying.postings.MAX_EXPANDED_TERMS`), and only its commonest were
        searched, so posts may be missing.
    """

    q: str
    total: int
    page: int
    per_page: int
    took_ms: float
    match_mode: str
    hits: list[Hit]
    query_analysis: dict = field(default_factory=dict)
    sort: str = "relevance"
    facets: dict = field(default_factory=dict)
    filters: Filters = field(default_factory=Filters)
    limited: bool = False

    @property
    def page_count(self) -> int:
        """Number of pages (0 when there are no hits)."""
        return (self.total + self.per_page - 1) // self.per_page

    def to_json(self) -> dict:
        """The page as the JSON API returns it."""
        return {
            "query": self.q,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "page_count": self.page_count,
            "sort": self.sort,
            "took_ms": round(self.took_ms, 2),
            "match_mode": self.match_mode,
            "limited": self.limited,
            "query_analysis": self.query_analysis,
            "filters": self.filters.to_json(),
            "facets": self.facets,
            "hits": [hit.to_json() for hit in self.hits],
        }


def _check_paging(page: int, per_page: int, sort: str) -> None:
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}.", QueryErrorReason.PER_PAGE, MAX_PER_PAGE)
    if page < 1:
        raise QueryError(f"page must be between 1 and {MAX_PAGE}.", QueryErrorReason.PAGE_TOO_SMALL, 1)
    if page > MAX_PAGE:
        raise QueryError(f"page must be between 1 and {MAX_PAGE}.", QueryErrorReason.PAGE_TOO_LARGE, MAX_PAGE)
    if sort not in SORTS:
        raise QueryError(f"sort must be one of: {', '.join(SORTS)}.", QueryErrorReason.SORT)


def _split_keywords(value: str | None) -> tuple[str, ...]:
    return tuple(v for v in (value or "").split(",") if v)


def _to_hit(docnum: int, score: float, stored: dict, occurrences, patterns: list[Pattern],
            sorted_by_date: bool, match_level: str = "full") -> Hit:
    body = stored.get(SNIPPET_FIELD, "")
    title = stored.get("title", "")
    body_patterns = [p for p in patterns if p.field in SNIPPET_SOURCE_FIELDS]
    title_patterns = [p for p in patterns if p.field in TITLE_SOURCE_FIELDS]
    body_spans = match_spans(occurrences, docnum, body_patterns) if body else []
    title_spans = match_spans(occurrences, docnum, title_patterns) if title else []
    date = stored_date(stored)
    snippet_source = body or stored.get("excerpt", "")
    url = stored.get("url", "")
    window = snippet_window(body, body_spans) if body else None  # the hit's snippet and its section's
    sections = section_hits(body, body_spans, stored_sections(stored.get("sections")), url, window=window)
    return Hit(
        post_id=stored["post_id"],
        url=url,
        title=title,
        title_html=mark_html(title, merge_spans(title_spans)),
        date=date,
        tags=_split_keywords(stored.get("tag")),
        categories=_split_keywords(stored.get("category")),
        author=stored.get("author", ""),
        excerpt=stored.get("excerpt", ""),
        score=0.0 if sorted_by_date else score,
        snippet_html=make_snippet(snippet_source, body_spans if body else [], window=window),
        match_level=match_level,
        sections=tuple(sections),
    )


def search_posts(index: SearchIndex, q: str, *, page: int = 1, per_page: int = 10,
                 sort: str = "relevance", filters: Filters | None = None, facets: bool = True,
                 synonyms: Synonyms | None = None, fields: str = "all") -> ResultPage:
    """Run a query and return one page of highlighted hits.

    :param index: an open index (:func:`search.indexing.index.open_index`).
    :param q: the query as typed (see :mod:`search.querying.parser` for the syntax). An empty ``q`` with
        ``filters`` lists the posts the filters select (``match_mode`` ``browse``), as a reader who
        clicks a tag with an empty search box expects.
    :param page: 1-based page number, at most :data:`MAX_PAGE`.
    :param per_page: hits per page, 1 to :data:`MAX_PER_PAGE`.
    :param sort: ``relevance``, ``newest`` or ``oldest``.
    :param filters: restrict hits to posts with these tags, categories, authors, years or dates.
    :param facets: count tags, categories, authors and years among all hits (``ResultPage.facets``).
    :param synonyms: query-time synonyms (:mod:`search.analysis.synonyms`); None: none.
    :param fields: ``all``, or ``words`` to match whole words only (no n-gram fragments, no
        readings) — the ablation the relevance benchmark reports as ``ours-words``.
    :raises QueryError: bad paging or sort, or a query over the limits of :mod:`search.querying.parser`.
    :raises IndexNotBuiltError, StaleIndexError, DamagedIndexError: the index cannot be used.
    """
    started = time.perf_counter()
    _check_paging(page, per_page, sort)
    if fields not in ("all", "words"):
        raise QueryError("fields must be 'all' or 'words'.")
    extra = fields == "all"
    sortedby = SORTS[sort]
    filters = filters or Filters()
    hits: list[Hit] = []
    total = 0
    mode = "none"
    counts: dict = {}
    with index.searcher() as searcher:
        plan = QueryPlan.from_string(q, index.dictionary, synonyms, reading_lexicon(searcher.reader()))
        evaluator = evaluator_for(searcher)
        cache = SearchCache()  # shared by the steps, the match-mode check and the highlights
        allowed = evaluator.evaluate(filters.query(), cache).mask if not filters.is_empty() else None
        step, matches, patterns = _escalate(evaluator, cache, plan, allowed, extra)
        if matches is not None:
            total = matches.count()
            if facets:
                counts = facet_counts(searcher, index.cache_key, matches.docnums())
            shown = matches.page(page, per_page, evaluator.sort_keys(*sortedby) if sortedby else None)
            docnums = [docnum for docnum, _ in shown]
            # only what a snippet or a title shows is highlighted (tags and link text are not)
            patterns = [p for p in patterns if p.field in SNIPPET_SOURCE_FIELDS or p.field in TITLE_SOURCE_FIELDS]
            occurrences = load_occurrences(searcher, docnums, patterns, cache.postings, cache.expansions)
            full = ({d for d in docnums if matches.first[d]} if step == "filled"
                    else set(docnums) if step == "strict" else set())
            hits = [_to_hit(docnum, score, searcher.stored_fields(docnum), occurrences, patterns, bool(sortedby),
                            "full" if docnum in full else "partial")
                    for docnum, score in shown]
            if step == "filled":  # name the mode by the best hits shown: the ones that match every word
                step = "strict" if full else "relaxed"
            mode = _strict_mode(evaluator, cache, plan, [d for d in docnums if d in full]) if step == "strict" else step
    return ResultPage(
        q=q, total=total, page=page, per_page=per_page, took_ms=(time.perf_counter() - started) * 1000,
        match_mode=mode, hits=hits, query_analysis=plan.analysis(), sort=sort, facets=counts, filters=filters,
        limited=cache.limited if plan.tree is not None else False,
    )


def _escalate(evaluator: Evaluator, cache: SearchCache, plan: QueryPlan, allowed, extra: bool
              ) -> tuple[str, Matches | None, list[Pattern]]:
    """The first escalation step with hits: ``(step, matches, highlight patterns)``, or
    ``("none", None, [])``. Steps: every word as a word or fragment; then, while that found fewer
    than :data:`READING_STEP_BELOW` posts, also by reading; then relaxed (any word, ranked). An
    empty query with filters lists what they select (``browse``)."""
    def run(query: wq.Query) -> Matches:
        matches = evaluator.evaluate(query, cache)
        if allowed is not None:
            matches.restrict(allowed)
        return matches

    if plan.tree is None:
        return ("browse", run(wq.Every()), []) if allowed is not None else ("none", None, [])
    matches = None
    strict = plan.strict(fragments=extra, readings=False)
    if strict is not None:
        matches = run(strict)
    with_readings = plan.strict(fragments=extra, readings=extra)
    if with_readings is not None and with_readings != strict and (matches is None or matches.count() < READING_STEP_BELOW):
        matches = run(with_readings)
    if matches is not None and matches.count():
        # the relaxed step is planned only where it may run (planning it runs Janome on each word)
        relaxed, relaxed_patterns = plan.relaxed(fragments=extra) if matches.count() < FILL_BELOW else (None, [])
        if relaxed is not None and _is_long_plain_query(plan, relaxed):
            # A long query (a title, a sentence) that few posts match word for word: the posts
            # with most of its words follow, as the post meant may word one of them differently.
            if len(_topic_terms(plan)) >= TOPICAL_MIN_TERMS:
                topical, topical_patterns = plan.relaxed(fragments=extra, weights=TOPICAL)
                if topical is not None:
                    return "filled", matches.ranked_by(run(topical)), plan.patterns() + topical_patterns
            filled = matches.followed_by(run(relaxed))
            if filled.count() > matches.count():
                return "filled", filled, plan.patterns() + relaxed_patterns
        return "strict", matches, plan.patterns()
    relaxed, relaxed_patterns = plan.relaxed(fragments=extra)
    if relaxed is not None and _has_several_terms(plan):
        matches = run(relaxed)
        if matches.count():
            return "relaxed", matches, relaxed_patterns
    if extra:
        for mode, (prefix, prefix_patterns) in (("reading", reading_prefix(plan)), ("prefix", word_prefix(plan))):
            if prefix is not None:
                matches = run(prefix)
                if matches.count():
                    return mode, matches, prefix_patterns
    return "none", None, []


def _is_long_plain_query(plan: QueryPlan, relaxed: wq.Query) -> bool:
    """No operator but groups (quotes, field, ``OR`` or ``-`` say exactly what to match), and either
    :data:`FILL_MIN_WORDS` words typed apart, each with a content term, or one word of as many
    content terms other than numbers (a title copied whole: ``東京都 猫`` is two words, not one
    query of three terms)."""
    words = _plain_words(plan.tree)
    if words is None:
        return False
    together = sum(len(run) - 1 for run, _ in plan.together.values())  # Ruby on Rails: one name
    if len(words) - together >= FILL_MIN_WORDS and getattr(relaxed, "coordinated", 0) - together >= FILL_MIN_WORDS:
        return True
    return _most_terms_typed_together(plan) >= FILL_MIN_WORDS


def _most_terms_typed_together(plan: QueryPlan) -> int:
    """The most distinct content terms other than numbers in one run of the query typed without
    a space (parentheses inside it included: ``Rubyの（新しいリリース）`` has three). A name of
    code, Latin parts joined by ``_ - . /`` (``ROLE_TO_ASSUME``, ``docker-entrypoint-initdb.d``),
    is one: its parts are no title's words, and posts with one of them do not fill its page."""
    most = 0
    for run in plan.normalized.split():
        if _CODE_NAME.fullmatch(run):
            most = max(most, 1)
            continue
        terms = [m.term for piece in re.split(r"[()]", run) if piece
                 for m in outside_numbers(word_morphemes(piece, plan.dictionary))]
        most = max(most, len(unique(t for t in terms if not is_number_term(t) and t not in RELAXED_SKIP_TERMS)))
    return most


def _plain_words(node: Node) -> list[Word] | None:
    """The words of a query made only of words and groups of them (``Deno 第4回 (FFI の利用)``,
    as a title copied whole often is), or None if it has an operator."""
    if isinstance(node, Word):
        return [node] if not node.phrase and node.field is None else None
    if isinstance(node, And):
        words = [_plain_words(child) for child in node.children]
        return None if None in words else [w for group in words for w in group]
    return None


def _topic_terms(plan: QueryPlan) -> list[str]:
    """The query's distinct content terms other than numbers (``Ruby 3.2.5 リリース`` has two);
    a name from the synonym file (``Amazon Web Services``) counts as one."""
    terms = []
    for word in words_of(plan.tree):
        if any(not alt.respelling for alt in plan.clauses[id(word)].alternatives):  # a synonym's name
            terms.append(word.text)
            continue
        terms += [m.term for m in outside_numbers(word_morphemes(word.text, plan.dictionary))
                  if not is_number_term(m.term) and m.term not in RELAXED_SKIP_TERMS]
    return unique(terms)


def _has_several_terms(plan: QueryPlan) -> bool:
    """Relaxing only helps when the query has more than one content term (a kana word read as
    several words counts as those). One number of several parts (``2024-04-05``, ``十一``,
    ``3.2.5``) is one number: posts holding one of its parts (``2024``, 一定) are not it."""
    terms = [m.term for w in words_of(plan.tree) for m in word_morphemes(w.text, plan.dictionary)]
    if len(words_of(plan.tree)) == 1 and terms and all(is_number_term(t) for t in terms):
        return False
    return (len(unique(terms)) > 1 or len(words_of(plan.tree)) > 1
            or any(len(reading_pieces(plan.clauses[id(w)])) > 1 for w in words_of(plan.tree)))


def _strict_mode(evaluator: Evaluator, cache: SearchCache, plan: QueryPlan, docnums: list[int]) -> str:
    """The weakest kind of match the given hits needed: ``exact``, ``fragment`` or ``reading``."""
    words_only = plan.strict(fragments=False, readings=False, kana_spellings=False)
    if words_only is not None and evaluator.evaluate(words_only, cache).mask[docnums].all():
        return "exact"
    no_readings = plan.strict(readings=False, kana_spellings=False)
    if no_readings is not None and evaluator.evaluate(no_readings, cache).mask[docnums].all():
        return "fragment"
    return "reading"
