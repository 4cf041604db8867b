"""Query parser: the reader's query string → a small query tree, before any Whoosh query exists.

Syntax (operators off except these, as in Datasette's escaped-by-default full-text search):

* words separated by spaces — ASCII or ideographic U+3000, any width — must all match (AND);
  an upper-case ``AND`` between them (``ＡＮＤ`` too), as other search boxes take it, is dropped;
* ``"…"`` an exact phrase (an unbalanced ``"`` is closed at the end of the query);
* ``OR`` between two words or groups (upper case, full-width ``ＯＲ`` too), ``|`` likewise (the
  full-width ``｜`` of Japanese titles is a separator, not an operator);
* ``-word`` or ``-"phrase"`` excludes posts that match it, as does ``NOT`` before a word, phrase or
  group (upper case, full-width ``ＮＯＴ`` too; at the end or before another operator it is a
  word); so does ``ー``, ``−``, ``‐`` or ``‑``
  (:data:`EXCLUSION_MARKS`, what ``-`` types in a Japanese input mode) at the start of a word
  and followed by more of it (``東京都 ー猫``), when the query has a word to search for besides;
  ``ー`` alone, inside a word (``サーバー``) or starting the only word (``ーロッパ外交``: a
  katakana word cut short, not "everything but") is text;
* ``( … )`` groups (unbalanced parentheses are closed or ignored);
* ``field:value`` for the fields in :data:`FIELD_ALIASES` only (``tag:AWS``, ``title:検索``);
  any other ``xxx:`` is searched as plain text.

The string is NFKC-normalized first (:func:`search.analysis.normalize.normalize_query`), so full-width
operators, quotes and spaces work. Limits (:data:`MAX_QUERY_CHARS`, :data:`MAX_QUERY_WORDS`)
are checked before Janome ever sees the query and raise :class:`search.errors.QueryError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from search.errors import QueryError, QueryErrorReason
from search.analysis.normalize import normalize_query

#: Longest query accepted, in characters as typed (before normalization).
MAX_QUERY_CHARS = 200
#: Most words, phrases and field terms a query may hold.
MAX_QUERY_WORDS = 24
#: Deepest nesting of parentheses accepted.
MAX_QUERY_DEPTH = 8
#: Field names a reader may use with ``field:value``, mapped to the field they search.
FIELD_ALIASES = {
    "title": "title", "タイトル": "title",
    "tag": "tag", "tags": "tag", "タグ": "tag",
    "category": "category", "categories": "category", "カテゴリ": "category", "カテゴリー": "category",
    "author": "author", "著者": "author",
}


@dataclass(frozen=True)
class Word:
    """One query word (``phrase`` when it was quoted); ``field`` limits it to one field."""

    text: str
    phrase: bool = False
    field: str | None = None


@dataclass(frozen=True)
class Not:
    """Posts matching ``child`` are excluded."""

    child: "Node"


@dataclass(frozen=True)
class And:
    """All children must match."""

    children: tuple["Node", ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Or:
    """At least one child must match."""

    children: tuple["Node", ...] = field(default_factory=tuple)


Node = Word | Not | And | Or

#: What a Japanese input mode types for ``-``: the long-vowel mark ー (no Japanese word begins with
#: it), the minus sign − and the hyphens ‐ and ‑. At the start of a word, they exclude it as ``-`` does.
EXCLUSION_MARKS = "ー−‐‑"
_FIELD_NAMES = "|".join(re.escape(name) for name in sorted(FIELD_ALIASES, key=len, reverse=True))
# a field name's quoted value (title:"生成 AI") is one token, else the space inside it would split it
_TOKEN = re.compile(rf'[{EXCLUSION_MARKS}-]?(?i:{_FIELD_NAMES}):"[^"]*"?|'
                    rf'[{EXCLUSION_MARKS}]?"[^"]*"?|\(|\)|\||[^\s"()|]+')
_FIELD = re.compile(r"^([^\s:]+):(.+)$")
_OPERATORS = ("(", ")", "|", "OR", "AND")
# what cannot follow NOT for it to be the operator (then NOT is a word)
_NOT_OPERANDS = (")", "|", "OR", "AND", "NOT")


def parse_query(q: str) -> Node | None:
    """Parse a raw query string.

    :param q: what the reader typed, any width, any kind of space.
    :returns: the query tree, or None when nothing searchable is left (empty, only operators).
    :raises QueryError: the query is longer than :data:`MAX_QUERY_CHARS` (as typed) or has more than
        :data:`MAX_QUERY_WORDS` words or deeper groups than :data:`MAX_QUERY_DEPTH`.
    """
    # Counted as typed, as the API document states it (maxLength), not after NFKC: one character
    # can normalize to several (㍻ → 平成, U+FDFA → 18), so a query within the documented limit
    # could otherwise be refused. Words stay bounded by MAX_QUERY_WORDS either way.
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError(f"The query is too long ({len(q)} characters): at most {MAX_QUERY_CHARS}.",
                         QueryErrorReason.QUERY_TOO_LONG, MAX_QUERY_CHARS, len(q))
    text = normalize_query(q)
    tokens = _TOKEN.findall(text)
    if any(token not in _OPERATORS and token[0] not in EXCLUSION_MARKS + "-" for token in tokens):
        tokens = [_exclusion_as_minus(token) for token in tokens]  # else nothing to exclude from: text
    words = sum(1 for t in tokens if t not in _OPERATORS)
    if words > MAX_QUERY_WORDS:
        raise QueryError(f"The query has too many words ({words}): at most {MAX_QUERY_WORDS}.",
                         QueryErrorReason.TOO_MANY_WORDS, MAX_QUERY_WORDS, words)
    parser = _Parser(tokens)
    return parser.parse()


class _Parser:
    """Recursive descent: or := and (OR and)* ; and := unary+ ; unary := ('-' | NOT)? atom ;
    atom := '(' or ')' | phrase | field:value | word."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def parse(self) -> Node | None:
        node = self._or()
        while self.i < len(self.tokens):  # stray ')' at top level: skip it and go on
            self.i += 1
            more = self._or()
            node = _and(node, more)
        return node

    def _peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _or(self) -> Node | None:
        children = [self._and()]
        while self._peek() in ("OR", "|"):
            self.i += 1
            children.append(self._and())
        kept = tuple(c for c in children if c is not None)
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else Or(kept)

    def _and(self) -> Node | None:
        children: list[Node] = []
        while (token := self._peek()) is not None and token not in (")", "OR", "|"):
            if token == "AND":  # what the space means already
                self.i += 1
                continue
            node = self._unary()
            if node is not None:
                children.append(node)
        if not children:
            return None
        return children[0] if len(children) == 1 else And(tuple(children))

    def _unary(self) -> Node | None:
        token = self.tokens[self.i]
        if _is_long_option(token):
            self.i += 1
            return Word(token)  # text: a command's option quoted in a pasted title
        if token.startswith("-") and len(token) > 1 and not token[1:].lstrip("-") == "":
            self.tokens[self.i] = token[1:]
            child = self._atom()
            return Not(child) if child is not None else None
        if token == "NOT" and self.i + 1 < len(self.tokens) and self.tokens[self.i + 1] not in _NOT_OPERANDS:
            self.i += 1
            child = self._atom()
            return Not(child) if child is not None else None
        if token == "-" and self.i + 1 < len(self.tokens) and self.tokens[self.i + 1].startswith('"'):
            self.i += 1
            child = self._atom()
            return Not(child) if child is not None else None
        return self._atom()

    def _atom(self) -> Node | None:
        token = self.tokens[self.i]
        self.i += 1
        if token == "(":
            self.depth += 1
            if self.depth > MAX_QUERY_DEPTH:
                raise QueryError(f"The query nests parentheses too deeply: at most {MAX_QUERY_DEPTH}.",
                                 QueryErrorReason.TOO_DEEP, MAX_QUERY_DEPTH)
            node = self._or()
            if self._peek() == ")":
                self.i += 1
            self.depth -= 1
            return node
        if token.startswith('"'):
            inner = token[1:-1] if len(token) > 1 and token.endswith('"') else token[1:]
            inner = inner.strip()
            return Word(inner, phrase=True) if inner else None
        name = token[:-1].casefold() if token.endswith(":") else None
        if name in FIELD_ALIASES:  # title:(a OR b) limits the group; a bare title: holds no word
            if self._peek() != "(":
                return None
            return _in_field(self._atom(), FIELD_ALIASES[name])
        match = _FIELD.match(token)
        if match and match.group(1).casefold() in FIELD_ALIASES:
            value = match.group(2)
            phrase = value.startswith('"')
            value = value.strip('"').strip()
            return Word(value, phrase=phrase, field=FIELD_ALIASES[match.group(1).casefold()]) if value else None
        if token.startswith("-") and not token.strip("-"):
            return None  # a lone '-' or '--' is punctuation, not an operator
        return Word(token)


def _in_field(node: Node | None, field_name: str) -> Node | None:
    """``node`` with every word that names no field limited to ``field_name`` (``title:(a OR -b)``)."""
    if node is None:
        return None
    if isinstance(node, Word):
        return node if node.field else replace(node, field=field_name)
    if isinstance(node, Not):
        return Not(_in_field(node.child, field_name))
    return type(node)(tuple(_in_field(child, field_name) for child in node.children))


def _is_long_option(token: str) -> bool:
    """``--cleanup``, ``--no-cache``: two hyphens and a letter, as a command-line option is written
    (GNU getopt_long); nobody excludes a word with two minus signs."""
    return token.startswith("--") and len(token) > 2 and token[2].isascii() and token[2].isalpha()


def _exclusion_as_minus(token: str) -> str:
    """``ー猫`` → ``-猫``: a token starting with one of :data:`EXCLUSION_MARKS` and followed by
    something other than marks; ``ー`` and ``ーー`` stay text."""
    if token[0] in EXCLUSION_MARKS and token.lstrip(EXCLUSION_MARKS + "-"):
        return "-" + token[1:]
    return token


def _and(left: Node | None, right: Node | None) -> Node | None:
    if left is None:
        return right
    if right is None:
        return left
    return And((left, right))


def words_of(node: Node | None, *, negated: bool = False) -> list[Word]:
    """The :class:`Word` leaves of a tree, those under :class:`Not` only when ``negated``."""
    if node is None:
        return []
    if isinstance(node, Word):
        return [node]
    if isinstance(node, Not):
        return words_of(node.child) if negated else []
    return [w for child in node.children for w in words_of(child, negated=negated)]
