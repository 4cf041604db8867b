"""Every parameter of the pages and the API goes through the same validation (web/params.py):
whatever a query string holds — NUL and other controls, bidi marks, huge values, percent-escapes
that are not UTF-8, repeated or garbled names — no page or API answer is a server error
(issue 13: ``/search?q=猫&year=%00`` was a 500). The API's answers are checked in detail by
tests/test_api_properties.py; here every route is asked, the pages included."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_api_properties import DATE, NUMBER, POST_IDS, SETTINGS, VALUE, WORDS, query_string
from urllib.parse import quote

#: The page's arguments (``/search``): those of the API's search, plus ``partial``.
PAGE_FIELDS = {
    "q": VALUE, "page": NUMBER, "per_page": NUMBER, "sort": st.sampled_from(["relevance", "newest", "oldest"]) | VALUE,
    "tag": WORDS.map(quote) | VALUE, "category": VALUE, "author": VALUE,
    "year": st.sampled_from(["2024", "%00", "２０２４", "٢٠٢٤", "24"]) | VALUE,
    "from": DATE, "to": DATE, "partial": st.sampled_from(["1", "0", "true", "maybe", "%00"]) | VALUE,
}
#: Every route and every argument any of them reads.
ALL_FIELDS = {**PAGE_FIELDS, "id": st.sampled_from(POST_IDS).map(quote) | VALUE, "limit": NUMBER,
              "format": st.sampled_from(["json", "opensearch", ""]) | VALUE, "analytics": VALUE}
ROUTES = ["/", "/search", "/opensearch.xml", "/api/search", "/api/suggest", "/api/related", "/api/openapi.json"]


def assert_no_server_error(client, path: str, query: str) -> None:
    response = client.get(f"{path}?{query}")
    assert response.status_code < 500, (path, query[:300], response.get_data(as_text=True)[:300])
    assert response.status_code in (200, 400, 404), (path, query[:300], response.status_code)
    if response.status_code == 400 and not path.startswith("/api/"):
        assert response.mimetype == "text/html" and 'name="q"' in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["q=猫&year=%00", "year=%00", "q=%00", "q=猫&tag=%00&partial=1",
                                   "q=猫&from=%00&to=%FF", "q=%ED%A0%80", "q=猫&sort=%00", "q=猫&page=%00",
                                   "q=猫&year=2024%00", "q=" + "%00" * 5000, "q=猫&per_page=%EF%BC%95"])
def test_the_reproductions(client, query):
    for path in ROUTES:
        assert_no_server_error(client, path, query)


@SETTINGS
@given(query=query_string(PAGE_FIELDS))
def test_the_search_page_answers_any_query_string(client, query):
    assert_no_server_error(client, "/search", query)


@settings(SETTINGS, max_examples=60)
@given(path=st.sampled_from(ROUTES), query=query_string(ALL_FIELDS))
def test_every_route_answers_any_query_string(client, path, query):
    assert_no_server_error(client, path, query)
