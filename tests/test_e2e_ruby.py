"""End to end on real posts: the 510 ruby-lang.org news posts in ../shared/corpus, reindexed through
the ``kensaku reindex`` command and queried through ``kensaku query --json`` and ``/api/search``.

The expected posts were looked up by hand in the corpus (grep and reading the files).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "ruby__www.ruby-lang.org"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not available")


@pytest.fixture(scope="module")
def ruby_index(tmp_path_factory) -> Path:
    from web.cli import cli

    index_dir = tmp_path_factory.mktemp("ruby") / "index"
    result = CliRunner().invoke(cli, ["reindex", "--posts", str(CORPUS), "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    assert re.search(r"Indexed 510 posts, skipped 0, in [\d.]+ s\.", result.output), result.output
    return index_dir


def _query(index_dir: Path, q: str, *extra: str) -> dict:
    from web.cli import cli

    result = CliRunner().invoke(cli, ["query", q, "--index", str(index_dir), "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _ids(data: dict) -> list[str]:
    return [hit["id"] for hit in data["hits"]]


def test_cve_id_finds_its_advisory_first(ruby_index):
    data = _query(ruby_index, "CVE-2024-27280")
    assert _ids(data)[0] == "2024-03-21-buffer-overread-cve-2024-27280.md"
    # the two release announcements that fixed it mention it too, and nothing else does
    assert set(_ids(data)) == {"2024-03-21-buffer-overread-cve-2024-27280.md", "2024-04-23-ruby-3-1-5-released.md",
                               "2024-04-23-ruby-3-0-7-released.md"}
    assert "<mark>CVE-2024-27280</mark>" in data["hits"][0]["snippet_html"]


def test_common_japanese_word(ruby_index):
    data = _query(ruby_index, "脆弱性", "--per-page", "50")
    assert data["total"] > 150 and data["match_mode"] == "exact"
    assert all("<mark>脆弱性</mark>" in h["snippet_html"] or "<mark>脆弱性</mark>" in h["title_html"]
               for h in data["hits"])
    assert "2008-08-08-multiple-vulnerabilities-in-ruby.md" in _ids(data)


def test_release_version_finds_the_release_announcement_first(ruby_index):
    data = _query(ruby_index, "Ruby 3.3.0 リリース")
    assert _ids(data)[0] == "2023-12-25-ruby-3-3-0-released.md"
    assert "2023-05-12-ruby-3-3-0-preview1-released.md" in _ids(data)[:5]


@pytest.mark.parametrize("q, post_id", [
    ("パストラバーサル", "2021-04-05-tempfile-path-traversal-on-windows-cve-2021-28966.md"),
    ("セマンティックバージョニング", "2013-12-21-ruby-version-policy-changes-with-2-1-0.md"),
])
def test_words_only_in_a_title(ruby_index, q, post_id):
    data = _query(ruby_index, q)
    assert _ids(data) == [post_id]
    assert f"<mark>{q}</mark>" in data["hits"][0]["title_html"]
    assert data["hits"][0]["snippet_html"]  # the post's opening stands in for a snippet


def test_api_and_cli_answer_the_same(ruby_index):
    from web import create_app

    app = create_app({"TESTING": True, "INDEX_DIR": str(ruby_index), "POSTS_DIR": str(CORPUS)})
    api = app.test_client().get("/api/search", query_string={"q": "脆弱性 Windows"}).get_json()
    cli = _query(ruby_index, "脆弱性 Windows")
    for data in (api, cli):
        data.pop("took_ms")
    assert api == cli
    assert api["hits"] and all("tags" in hit and hit["date"] for hit in api["hits"])
