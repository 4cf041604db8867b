"""Property tests of the JSON API under bad queries: whatever a query string holds, every answer
is a documented status with a documented JSON body, and comes back quickly.

Query strings are built already percent-encoded, so they can carry what no text can: lone
surrogates as UTF-8 would spell them (``%ED%A0%80``), bytes that are never UTF-8 (``%FF``),
truncated sequences and malformed escapes. Values mix Japanese text (hiragana, katakana, kanji,
full- and half-width forms, U+3000), words of the test posts, query operators, control characters
and NUL, and come short, near the limits or far past them.
"""

from __future__ import annotations

import time
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.querying.searcher import SORTS
from tests.test_openapi import assert_valid
from tests.test_web import assert_error_shape
from web import openapi

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
#: Longest a request may take: generous (the machine is shared), it catches blowups, not slowness.
MAX_SECONDS = 2.0
DOCUMENT = openapi.document()


def _chars(first: int, last: int) -> st.SearchStrategy[str]:
    return st.characters(min_codepoint=first, max_codepoint=last)


JAPANESE = st.text(st.one_of(
    _chars(0x3041, 0x3096),  # hiragana
    _chars(0x30A1, 0x30FC),  # katakana and the long vowel mark
    _chars(0x4E00, 0x9FFF),  # kanji
    _chars(0xFF01, 0xFF5E),  # full-width ASCII
    _chars(0xFF61, 0xFF9F),  # half-width katakana
    st.just("\u3000"),  # ideographic space
), min_size=1, max_size=6)
WORDS = st.sampled_from(["東京", "東京都", "python", "ＰＹＴＨＯＮ", "ラーメン", "とう", "py", "の", "生成AI", "タグ"])
OPERATORS = st.sampled_from(['"', "(", ")", " OR ", "OR", "|", "-", " ", "tag:", "category:", "author:",
                             "title:", "タグ:", "*", "?", "~", "^", "\\", ":", "AND", "NOT"])
CONTROL = st.one_of(_chars(0x00, 0x1F), st.sampled_from(["\x00", "\x7f", "\x85", "\u2028", "\u202e", "\ufeff"]))
#: Already encoded: UTF-8 of lone surrogates, bytes never in UTF-8, cut sequences, malformed escapes.
INVALID_UTF8 = st.sampled_from(["%ED%A0%80", "%ED%B0%80", "%ED%A0%80%ED%B0%80", "%FF", "%FE%FF", "%C3",
                                "%C0%AF", "%E3%81", "%F4%90%80%80", "%80", "%", "%Z", "%E3%8", "%00"])
PIECE = st.one_of(
    st.one_of(JAPANESE, WORDS, OPERATORS, CONTROL, st.text(max_size=4)).map(lambda text: quote(text, safe="")),
    INVALID_UTF8,
)
#: One query-string value, encoded: a mix of pieces, or one piece repeated up to far past any limit.
VALUE = st.one_of(
    st.lists(PIECE, max_size=24).map("".join),
    st.tuples(PIECE, st.integers(20, 3000)).map(lambda repeated: repeated[0] * repeated[1]),
)
NUMBER = st.one_of(
    st.integers(-3, 60).map(str),
    st.integers(-10**30, 10**30).map(str),
    st.sampled_from(["", "abc", "1.5", "1e3", "0x10", "+1", "--1", "-", "²", "１", "٣", "0001", " 7 ",
                     "9" * 5000]).map(lambda text: quote(text, safe="")),
    VALUE,
)
DATE = st.one_of(
    st.dates().map(lambda day: day.isoformat()),
    st.sampled_from(["2024-02-30", "2024-13-01", "24-01-01", "２０２４-０１-０１", "2024/01/01", "0000-01-01"]).map(quote),
    VALUE,
)
SEARCH_FIELDS = {
    "q": VALUE, "page": NUMBER, "per_page": NUMBER, "sort": st.sampled_from([*SORTS, "random", ""]) | VALUE,
    "tag": WORDS.map(quote) | VALUE, "category": st.sampled_from(["tech", "diary"]) | VALUE,
    "author": st.just(quote("山田")) | VALUE, "year": st.integers(-1, 99999).map(str) | VALUE,
    "from": DATE, "to": DATE, "analytics": st.sampled_from(["false", "0", "yes"]) | VALUE,
}
SUGGEST_FIELDS = {"q": VALUE, "limit": NUMBER, "format": st.sampled_from(["json", "opensearch", "xml"]) | VALUE}
#: Ids of a post of the test index, of the draft and of the broken file (neither is indexed).
POST_IDS = ["2024-05-20-python-tips.md", "2024-01-05-tokyo-tower.md", "drafts/2024-06-01-draft.md", "broken.md"]
RELATED_FIELDS = {"id": st.sampled_from(POST_IDS).map(quote) | VALUE, "limit": NUMBER}


def query_string(fields: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[str]:
    """``name=value&…``: any of ``fields``, missing or repeated, and now and then a garbled name."""
    known = [st.tuples(st.just(name), values) for name, values in fields.items()]
    pairs = st.lists(st.one_of(*known, st.tuples(PIECE, VALUE)), max_size=25)
    return pairs.map(lambda drawn: "&".join(f"{name}={value}" for name, value in drawn))


def assert_answer(client, path: str, query: str, statuses: tuple[int, ...]) -> None:
    """GET ``path?query``: quick, one of ``statuses``, a body the OpenAPI document describes."""
    started = time.perf_counter()
    response = client.get(f"{path}?{query}")
    elapsed = time.perf_counter() - started
    assert elapsed < MAX_SECONDS, f"{path}?{query[:300]} took {elapsed:.2f} s"
    assert response.status_code in statuses, (query[:300], response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json"
    if response.status_code != 200:
        assert_error_shape(response, response.status_code)
    assert_valid(DOCUMENT, path, response.status_code, response.get_json())


@SETTINGS
@given(query=query_string(SEARCH_FIELDS))
def test_search_answers_any_query_string(client, query):
    assert_answer(client, "/api/search", query, (200, 400))


@SETTINGS
@given(q=VALUE, query=query_string(SEARCH_FIELDS))
def test_search_answers_any_query(client, q, query):
    """With a ``q`` always given, most requests get as far as parsing and searching."""
    assert_answer(client, "/api/search", f"q={q}&{query}", (200, 400))


@SETTINGS
@given(query=query_string(SUGGEST_FIELDS))
def test_suggest_answers_any_query_string(client, query):
    assert_answer(client, "/api/suggest", query, (200, 400))


@SETTINGS
@given(query=query_string(RELATED_FIELDS))
def test_related_answers_any_query_string(client, query):
    assert_answer(client, "/api/related", query, (200, 400, 404))
