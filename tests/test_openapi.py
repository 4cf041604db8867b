"""The OpenAPI document is valid and true: real answers of every endpoint validate against it."""

from __future__ import annotations

import re

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from web import params

DOCUMENT_URI = "urn:kensaku:openapi"


@pytest.fixture
def served(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def response_schema(document: dict, path: str, status: str) -> dict:
    response = document["paths"][path]["get"]["responses"][status]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["schema"]


def assert_valid(document: dict, path: str, status: int, body) -> None:
    """Validate ``body`` against the document's schema for ``path`` and ``status``."""
    schema = _resolve_refs(response_schema(document, path, str(status)))
    registry = Registry().with_resource(DOCUMENT_URI, Resource(contents=document, specification=DRAFT202012))
    OAS31Validator(schema, registry=registry, format_checker=OAS31Validator.FORMAT_CHECKER).validate(body)


def _resolve_refs(node):
    """Point local ``#/components/...`` references at the document resource."""
    if isinstance(node, dict):
        return {key: (f"{DOCUMENT_URI}{value}" if key == "$ref" and value.startswith("#/") else _resolve_refs(value))
                for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve_refs(item) for item in node]
    return node


def test_document_is_valid_openapi(served):
    validate_spec(served)
    assert served["openapi"].startswith("3.1")
    assert set(served["paths"]) == {"/api/search", "/api/suggest", "/api/related", "/api/openapi.json"}


def test_documented_search_parameters_are_the_ones_read(served):
    documented = {p["name"] for p in served["paths"]["/api/search"]["get"]["parameters"]}
    read = {"q", "page", "per_page", "sort", "analytics", "from", "to", *params.FILTER_ARGS}
    assert documented == read


SEARCHES = [
    "q=東京", "q=python&per_page=1&page=2", "q=python&sort=newest", "q=量子コンピュータ", "q=pyhton",
    "q=東京+ラーメン", "q=python&tag=Python", "q=東京&year=2024&from=2024-01-01&to=2024-12-31",
    "q=エスケープ", "q=の", "q=東京&page=9", "tag=Python", "year=2024&sort=oldest",
]


@pytest.mark.parametrize("query_string", SEARCHES)
def test_search_answers_match(client, served, query_string):
    response = client.get(f"/api/search?{query_string}")
    assert response.status_code == 200
    assert_valid(served, "/api/search", 200, response.get_json())


@pytest.mark.parametrize("query_string", ["q=とう", "q=py", "q=", "q=zzzz", "q=東京&limit=1",
                                          "q=py&format=opensearch", "q=&format=opensearch"])
def test_suggest_answers_match(client, served, query_string):
    response = client.get(f"/api/suggest?{query_string}")
    assert response.status_code == 200
    assert_valid(served, "/api/suggest", 200, response.get_json())


def test_related_answers_match(client, served):
    response = client.get("/api/related?id=2024-05-20-python-tips.md")
    assert response.status_code == 200 and response.get_json()["related"]
    assert_valid(served, "/api/related", 200, response.get_json())


@pytest.mark.parametrize("path, status", [
    ("/api/search?q=東京&page=x", 400), ("/api/search?q=東京&per_page=999", 400), ("/api/search?q=東京&year=24", 400),
    ("/api/suggest?q=x&limit=0", 400), ("/api/related", 400), ("/api/related?id=nope", 404),
])
def test_error_answers_match(client, served, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert_valid(served, path.split("?")[0], status, response.get_json())


def test_unavailable_answer_matches(tmp_path, served):
    from web import create_app

    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "none")}).test_client()
    response = client.get("/api/search?q=東京")
    assert_valid(served, "/api/search", 503, response.get_json())


def test_the_check_can_fail(served):
    """A body that leaves the documented shape is caught (extra key, wrong type, missing key)."""
    from jsonschema.exceptions import ValidationError

    good = {"ok": True, "id": "a", "related": []}
    assert_valid(served, "/api/related", 200, good)
    for bad in ({**good, "extra": 1}, {**good, "related": "x"}, {"ok": True, "id": "a"}):
        with pytest.raises(ValidationError):
            assert_valid(served, "/api/related", 200, bad)


def test_limits_in_the_document_are_the_code_s(served):
    from search.querying.searcher import MAX_PER_PAGE

    per_page = next(p for p in served["paths"]["/api/search"]["get"]["parameters"] if p["name"] == "per_page")
    assert per_page["schema"]["anyOf"][0]["maximum"] == MAX_PER_PAGE
    assert re.fullmatch(r"\d+", str(per_page["schema"]["default"]))
