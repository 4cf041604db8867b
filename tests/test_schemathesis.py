"""Schemathesis fuzzes the operations of the app's own OpenAPI document (``/api/openapi.json``).

Requests are built from the documented parameters (valid and invalid ones) and sent through the
Flask test client to the app over the test index, with every check schemathesis has: no server
error; a documented status code, content type, headers and body schema; a request the document
allows is accepted and one it forbids is refused (400). Schemathesis leaves out the operation that serves the document itself
(``tests/test_openapi.py`` checks that one).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS as REGISTERED_CHECKS, load_all_checks

from search.assist import related
from web import create_app

load_all_checks()
#: Every check schemathesis has (issue 13): not only server errors and the documented shapes, but
#: ST201/ST202 too (a request the document forbids is refused, one it allows is accepted).
CHECKS = list(REGISTERED_CHECKS.get_all())

# The document is served without an index, so it is loaded once at import time (schemathesis's
# fixture loader, ``schemathesis.pytest.from_fixture``, fails under pytest 9.2: it sets
# ``Node._nodeid``, which pytest no longer has). Requests go to the ``app`` fixture.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", create_app({"TESTING": True, "ANALYTICS": False}))


@schema.parametrize()
@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_api_matches_its_openapi_document(case, app):
    case.call_and_validate(checks=CHECKS, app=app)


@pytest.mark.parametrize("related_posts, failure", [
    (lambda *args, **kwargs: 1 / 0, "Server error"),
    (lambda *args, **kwargs: [SimpleNamespace(to_json=lambda: {"id": 1})], "Response violates schema"),
])
def test_the_checks_can_fail(app, monkeypatch, related_posts, failure):
    """A server error and an answer the document does not describe are both caught."""
    monkeypatch.setattr(related, "related_posts", related_posts)
    case = schema["/api/related"]["GET"].Case(query={"id": "2024-05-20-python-tips.md"})
    with pytest.raises(BaseExceptionGroup) as caught:
        case.call_and_validate(checks=CHECKS, app=app)
    assert failure in [error.title for error in caught.value.exceptions]
