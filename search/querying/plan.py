"""The query plan: a parsed query → the Whoosh queries of every escalation step
(:class:`QueryPlan`): strict (every word), relaxed (the content words ORed, ranked by how many
match: :class:`RelaxedWeights`), a kana word read as the start of a longer one, and the patterns
that highlight what matched. Runs of words that together are a synonym are joined here
(:func:`_join_synonym_phrases`); each word's variants (synonyms and the registered kinds) come
from :func:`search.analysis.query_analysis.word_variants`, its clause from
:mod:`search.querying.clauses`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

from whoosh import query as wq

from search.querying.nodes import AdjacentTerms
from search.analysis.ngrams import ngrams
from search.analysis.analyzers import query_terms
from search.analysis.morphemes import NAME_POS
from search.querying.nodes import CoordinatedOr
from search.querying.highlight import Pattern
from search.analysis.normalize import fold_term, normalize_query
from search.querying.parser import And, Node, Not, Or, Word, parse_query, words_of
from search.analysis.synonyms import Synonyms
from search.indexing.schema import (NGRAM_FIELDS, READING_FIELDS, WORD_FIELDS)

from search.analysis.expansions import Variant
from search.analysis.loanwords import written_in_katakana
from search.analysis.name_variants import written_together
from search.analysis.query_analysis import first_segmentation, is_kana_text, is_katakana_name, word_variants
from search.querying.reading_lexicon import ReadingLexicon
from search.querying.clauses import (READING_WEIGHT, WordClause, build_clause, one_phrase, or_query,
                                     reading_pieces)


@dataclass(frozen=True)
class RelaxedWeights:
    """How a relaxed (ranked OR) query scores a post besides its words' BM25F.

    :ivar grams: weight of the query's character bigrams (0: left out).
    :ivar coordination: power of the share of the query's words a post has, scaling its score
        (0: off).
    :ivar pairs: weight of two query words found next to each other, as in the query.
    """

    grams: float
    coordination: float
    pairs: float


#: Relaxed step weights, chosen on the first 600 JSQuAD questions (``bench/relevance``):
#: MRR@10 0.893 -> 0.933 with the steps in README "Which design choices moved which number".
RELAXED = RelaxedWeights(grams=1.5, coordination=1.0, pairs=2.0)

#: A long query with fewer than FILL_BELOW exact hits and at least TOPICAL_MIN_TERMS content terms
#: (numbers aside) ranks its exact hits among the other posts by TOPICAL weights: the few posts
#: holding a long title word for word are mostly other posts quoting or linking it, and they are
#: the ones that coordination and word pairs reward, while the post meant is the one most about
#: the words (BM25F and bigrams summed). Known-item MRR@10 (``bench/relevance``, titles withheld):
#: mamezou 0.617 -> 0.697, ruby-lang 0.811 -> 0.814; the first 600 JSQuAD questions unchanged.
TOPICAL = RelaxedWeights(grams=3.0, coordination=0.0, pairs=0.5)

TOPICAL_MIN_TERMS = 5

#: Terms a question is made of that say nothing about its topic (interrogatives, light verbs,
#: formal nouns); a relaxed query leaves them out. Folded forms, as in the index.
RELAXED_SKIP_TERMS = frozenset(fold_term(t) for t in (
    "何", "なに", "なん", "どこ", "誰", "だれ", "いつ", "どの", "どれ", "なぜ", "どう", "どんな", "いくつ", "どちら",
    "どうして", "いくら", "する", "ある", "いる", "なる", "ない", "いう", "こと", "もの", "の", "よう", "ため",
    "それ", "これ", "あれ", "その", "この", "とき",
    # auxiliary verbs and endings a sentence carries (れる of 開かれる, ます, た, …)
    "れる", "られる", "せる", "させる", "ます", "です", "た", "だ", "う", "よう", "たい", "ぬ", "ん", "てる"))


@dataclass
class QueryPlan:
    """The Whoosh queries of every escalation step for one parsed query."""

    tree: Node | None
    clauses: dict[int, WordClause]
    normalized: str
    dictionary: str | None = None
    lexicon: ReadingLexicon | None = None
    #: Latin words typed apart that posts also write as one word (Ruby on Rails, RubyOnRails):
    #: ``id(first word) → (the run of words, the clause of them written together)``.
    together: dict[int, tuple[tuple[Word, ...], WordClause]] = field(default_factory=dict)

    @classmethod
    def from_string(cls, q: str, dictionary: str | None = None, synonyms: Synonyms | None = None,
                    lexicon: Callable[[str], bool] | None = None) -> "QueryPlan":
        """Parse ``q`` and build every word's clause, segmenting with the index's user dictionary
        and expanding words found in ``synonyms`` (quoted phrases and field values excepted);
        ``lexicon`` tells the index's readings (see :func:`build_clause`)."""
        tree = parse_query(q)
        if synonyms is not None:
            tree = _join_synonym_phrases(tree, synonyms)
        joined: dict[int, tuple[tuple[Word, ...], Word]] = {}
        if isinstance(lexicon, ReadingLexicon):  # Ruby on Rails, also where posts write RubyOnRails
            one_word: dict[str, str] = {}  # each run's text looked up once (Janome, the index)

            def held_as_one_word(text: str) -> bool:
                if text not in one_word:
                    one_word[text] = _one_word(text, dictionary, lexicon)
                return bool(one_word[text])

            for run, text in _runs(tree, held_as_one_word):
                joined[id(run[0])] = (run, Word(one_word[text]))
        clauses = {}
        for group, word in enumerate(words_of(tree, negated=True)):
            clause = build_clause(word, dictionary=dictionary, lexicon=lexicon)
            if not word.phrase and word.field in (None, "title"):
                variants = word_variants(word.text, synonyms, lexicon if isinstance(lexicon, ReadingLexicon) else None)
                clause.alternatives = [_variant_clause(v, word, dictionary, lexicon) for v in variants]
                english = [alt for alt, v in zip(clause.alternatives, variants) if v.kind == "english"]
                merged = one_phrase(english)
                if merged is not None:  # one phrase with choices per position, not one per translation
                    clause.alternatives = [alt for alt, v in zip(clause.alternatives, variants)
                                           if v.kind != "english"] + [merged]
                clause.patterns += [p for alt in clause.alternatives for p in alt.patterns]
                if any(v.kind == "synonym" for v in variants):
                    clause.analysis["synonyms"] = [v.text for v in variants if v.kind == "synonym"]
                if any(v.kind != "synonym" for v in variants):
                    clause.analysis["variants"] = [{"text": v.text, "kind": v.kind} for v in variants
                                                   if v.kind != "synonym"]
            clause.patterns = [replace(p, group=group) for p in clause.patterns]
            clauses[id(word)] = clause
        together = {}
        for first, (run, word) in joined.items():
            clause = build_clause(word, dictionary=dictionary, lexicon=lexicon)
            together[first] = (run, replace(clause, weight=1.0, respelling=True))
            clauses[first].patterns += clause.patterns
            clauses[first].analysis.setdefault("variants", []).append({"text": word.text, "kind": "name"})
        return cls(tree, clauses, normalize_query(q), dictionary, lexicon if isinstance(lexicon, ReadingLexicon) else None,
                   together)

    def strict(self, *, fragments: bool = True, readings: bool = True, kana_spellings: bool = True) -> wq.Query | None:
        """Every word must match (the query tree with AND/OR/NOT as written).

        :param kana_spellings: a kana word's kanji spellings count without ``readings`` too (see
            :meth:`WordClause.query`); False tells the posts found by them apart, as by reading."""
        return self._build(self.tree, fragments=fragments, readings=readings, kana_spellings=kana_spellings)

    def _build(self, node: Node | None, *, fragments: bool, readings: bool, kana_spellings: bool = True
               ) -> wq.Query | None:
        if node is None:
            return None
        if isinstance(node, Word):
            return self.clauses[id(node)].query(fragments=fragments, readings=readings, kana_spellings=kana_spellings)
        if isinstance(node, Not):
            return None  # handled by the And/top level via exclusions()
        children = [c for c in node.children if not isinstance(c, Not)]
        built = []
        i = 0
        while i < len(children):
            run, together = self.together.get(id(children[i]), ((children[i],), None))
            parts = [self._build(c, fragments=fragments, readings=readings, kana_spellings=kana_spellings) for c in run]
            parts = [p for p in parts if p is not None]
            apart = (wq.And(parts) if len(parts) > 1 else parts[0]) if parts else None
            joined = together.query(fragments=fragments, readings=readings) if together is not None else None
            # written together, it counts for the posts that lack the words apart (not twice)
            built.append(or_query([apart, wq.AndNot(joined, apart)]) if apart is not None and joined is not None
                         else apart or joined)
            i += len(run)
        built = [b for b in built if b is not None]
        if isinstance(node, Or):
            return or_query(built) if len(built) > 1 else (built[0] if built else None)
        if not built:
            return None
        positive = wq.And(built) if len(built) > 1 else built[0]
        excluded = [self.clauses[id(w)].query(readings=False) for c in node.children if isinstance(c, Not)
                    for w in words_of(c.child)]
        excluded = [e for e in excluded if e is not None]
        if excluded:
            return wq.AndNot(positive, or_query(excluded))
        return positive

    def exclusions(self) -> wq.Query | None:
        """Words the query excludes with ``-`` at its top level (kept in every step)."""
        if isinstance(self.tree, Not):
            nots = [self.tree]
        elif isinstance(self.tree, And):
            nots = [c for c in self.tree.children if isinstance(c, Not)]
        else:
            nots = []
        excluded = [self.clauses[id(w)].query(readings=False) for n in nots for w in words_of(n.child)]
        excluded = [e for e in excluded if e is not None]
        return or_query(excluded) if excluded else None

    def relaxed(self, *, fragments: bool = True, weights: RelaxedWeights | None = None
                ) -> tuple[wq.Query | None, list[Pattern]]:
        """Any content word of the query, ranked (BM25F sums what matched).

        Each Janome term of each positive word counts as a whole word (BM25F across the word
        fields); two words that stood together count again where they do in a post
        (``weights.pairs``); with ``fragments``, every character bigram of the query counts too
        (``weights.grams``) — credit where a word is written or cut differently in the post; the
        sum is scaled by the share of the words a post has (``weights.coordination``), so most
        words beat one rare word.

        :param weights: :data:`RELAXED` unless given (:data:`TOPICAL` for a long query's fill).
        """
        weights = weights or RELAXED
        words: list[wq.Query] = []  # one per content word: the coordination factor counts them
        parts: list[wq.Query] = []
        patterns: list[Pattern] = []
        seen: set[str] = set()
        grams: dict[str, None] = {}
        for word in words_of(self.tree):
            pieces = reading_pieces(self.clauses[id(word)]) if fragments else []
            if len(pieces) > 1:
                # A kana word read as several words (かいはつしゃかいぎ: 開発 者 会議): each counts
                # on its own, like the words of a word typed in kanji.
                clause = self.clauses[id(word)]
                words += [or_query([wq.Term(f, piece, boost=READING_WEIGHT * w) for f, w in READING_FIELDS.items()])
                          for piece in pieces]
                whole = clause.query(fragments=True, readings=True)
                parts += [whole] if whole is not None else []  # the word as typed counts too
                patterns += clause.patterns
                continue
            if word.field in ("tag", "category", "author") or is_kana_text(word.text) or is_katakana_name(word.text):
                clause = self.clauses[id(word)]
                query = clause.query(fragments=fragments, readings=fragments)
                if query is not None:
                    words.append(query)
                    patterns += clause.patterns
                continue
            word_fields = {"title": WORD_FIELDS["title"]} if word.field == "title" else WORD_FIELDS
            analyzed = query_terms(word.text, self.dictionary)
            content = [m for m in first_segmentation(analyzed) if m.term not in RELAXED_SKIP_TERMS]
            # A name's parts count as words here (CI/CD: ci, cd), as a post may write them apart.
            name_pieces = [m for m in analyzed if m.piece and m.pos == NAME_POS]
            # The word's other spellings (keys, variants, synonyms) count as its first word: a
            # post that writes 引落 has the word of 引き落とし as much as one that writes it so.
            respelled = _respellings(self.clauses[id(word)], fragments)
            if id(word) in self.together:  # the run written together: another spelling of its first word
                joined = self.together[id(word)][1].query(fragments=False, readings=False)
                respelled += [joined] if joined is not None else []
            for morpheme in content + name_pieces:
                if morpheme.term in seen:
                    continue
                seen.add(morpheme.term)
                as_typed = or_query([wq.Term(f, morpheme.term, boost=w) for f, w in word_fields.items()])
                if respelled:  # only for the posts without the word as typed, which it scores already
                    as_typed = or_query([as_typed, wq.AndNot(or_query(respelled), as_typed)])
                words.append(as_typed)
                respelled = []
                sub = build_clause(Word(morpheme.surface, field=word.field), readings=False, dictionary=self.dictionary)
                patterns += [replace(p, group=len(seen)) for p in sub.patterns]
            # Sequential dependence (Metzler & Croft 2005): two query words that stood together
            # (a particle between them allowed, as in the query) score again where they do in a post.
            for first, second in zip(content, content[1:]):
                offsets = [0, second.position - first.position]
                parts += [AdjacentTerms(f, [first.term, second.term], offsets, boost=weights.pairs * w)
                          for f, w in word_fields.items() if f in ("title", "anchors", "body")]
            if fragments:
                grams.update((g.text, None) for g in ngrams(word.text, query=True) if len(g.text) > 1)
        if grams and weights.grams > 0:
            parts.append(or_query([wq.Term(f, g, boost=w) for g in grams for f, w in NGRAM_FIELDS.items()],
                             boost=weights.grams))
        if not words and not parts:
            return None, []
        relaxed: wq.Query = CoordinatedOr(words + parts, coordinated=len(words), power=weights.coordination)
        excluded = self.exclusions()
        if excluded is not None:
            relaxed = wq.AndNot(relaxed, excluded)
        return relaxed, patterns

    def patterns(self) -> list[Pattern]:
        """Highlight patterns of every positive word."""
        return [p for w in words_of(self.tree) for p in self.clauses[id(w)].patterns]

    def analysis(self) -> dict:
        """``query_analysis`` for the JSON API."""
        positive = {id(w) for w in words_of(self.tree)}
        return {
            "normalized": self.normalized,
            "words": [{**self.clauses[id(w)].analysis, **({} if id(w) in positive else {"negated": True})}
                      for w in words_of(self.tree, negated=True)],
        }


#: Most query words a synonym of several words (``Amazon Web Services``) is looked up across.
MAX_SYNONYM_WORDS = 4


def _respellings(clause: WordClause, fragments: bool) -> list[wq.Query]:
    """The queries of a word's other spellings: its spelling keys and its variants' and synonyms'
    clauses (by reading only with ``fragments``, as the word's own readings)."""
    found = [clause.spellings] if clause.spellings is not None else []
    found += [query for alt in clause.alternatives
              if (query := alt.query(fragments=fragments, readings=fragments)) is not None]
    return found


#: Fields whose patterns mark a clause's n-gram fragments.
NGRAM_PATTERN_FIELDS = frozenset({"title_ngram", "body_ngram", "anchors_ngram"})


def _variant_clause(variant: Variant, word: Word, dictionary: str | None, lexicon) -> WordClause:
    """The clause of a query word's variant, weighted, without the ways of matching the variant
    leaves out (:attr:`Variant.fragments`, :attr:`Variant.keys`)."""
    clause = replace(build_clause(Word(variant.text, field=word.field), dictionary=dictionary, lexicon=lexicon),
                     weight=variant.weight, respelling=variant.kind != "synonym")
    if not variant.fragments:
        clause.fragments = None
        clause.patterns = [p for p in clause.patterns if p.field not in NGRAM_PATTERN_FIELDS]
    if not variant.code and clause.words is not None:
        clause.words = or_query([q for q in getattr(clause.words, "subqueries", [clause.words])
                                 if getattr(q, "fieldname", None) != "code"])
    if not variant.keys:
        clause.readings = clause.spellings = None
        clause.patterns = [p for p in clause.patterns if p.field not in READING_FIELDS]
    return clause


def _join_synonym_phrases(node: Node | None, synonyms: Synonyms) -> Node | None:
    """Runs of plain words that together are a synonym (``Amazon Web Services``) become one word,
    so the synonym applies (``AWS``) and the words must stand together; longest runs first."""
    return _join_runs(node, lambda text: bool(synonyms.alternatives(text)))


def _one_word(text: str, dictionary: str | None, lexicon: ReadingLexicon) -> str:
    """Words typed apart as the one word some post writes for them: Latin words together
    (``Ruby on Rails`` → ``RubyonRails``), or English and katakana as one katakana word
    (``Visual モード`` → ``ビジュアルモード``); ``""`` where no post holds such a word."""
    together = written_together(text)
    if together and lexicon.word_posts(together.casefold()) > 0:
        return together
    katakana = written_in_katakana(text)
    terms = [m.term for m in query_terms(katakana, dictionary)] if katakana else []
    return katakana if len(terms) == 1 and lexicon.word_posts(terms[0]) > 0 else ""


def _spans(children: tuple[Node, ...], accepts: Callable[[str], bool]) -> list[tuple[int, int, str]]:
    """``(i, j, text)`` of each run ``children[i:j]`` of plain words whose text (joined by spaces)
    ``accepts``, longest runs first (at most :data:`MAX_SYNONYM_WORDS` words), not overlapping."""
    found, i = [], 0
    while i < len(children):
        for j in range(min(len(children), i + MAX_SYNONYM_WORDS), i + 1, -1):
            run = children[i:j]
            if all(isinstance(c, Word) and not c.phrase and c.field is None for c in run):
                text = " ".join(c.text for c in run)
                if accepts(text):
                    found.append((i, j, text))
                    i = j
                    break
        else:
            i += 1
    return found


def _runs(node: Node | None, accepts: Callable[[str], bool]) -> list[tuple[tuple[Word, ...], str]]:
    """The runs of plain words in ``node``'s groups that :func:`_spans` finds, each with its text;
    the tree is left as it is."""
    if not isinstance(node, (And, Or)):
        return []
    found = [(node.children[i:j], text) for i, j, text in _spans(node.children, accepts)] if isinstance(node, And) else []
    return found + [run for child in node.children for run in _runs(child, accepts)]


def _join_runs(node: Node | None, accepts: Callable[[str], bool]) -> Node | None:
    """Runs of plain words whose text (joined by spaces) ``accepts`` (:func:`_spans`) become one word."""
    if isinstance(node, (And, Or)):
        children = [_join_runs(c, accepts) for c in node.children]
        if isinstance(node, And):
            joined, done = [], 0
            for i, j, text in _spans(tuple(children), accepts):
                joined += [*children[done:i], Word(text)]
                done = j
            children = joined + children[done:]
            if len(children) == 1:
                return children[0]
        return type(node)(tuple(children))
    if isinstance(node, Not):
        return Not(_join_runs(node.child, accepts))
    return node
