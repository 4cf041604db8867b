"""The blog's own post (../shared/seed): found by the words readers use, no passage shown twice."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seed" / "000_404c0bca200c4134.txt"

pytestmark = pytest.mark.skipif(not SEED.exists(), reason="../shared/seed is not available")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from search.indexing.rebuild import rebuild_index
    from web import create_app

    root = tmp_path_factory.mktemp("seed")
    posts = root / "posts"
    posts.mkdir()
    shutil.copy(SEED, posts / "2025-11-01-amazon-ai.md")  # a copy in a temporary folder, not in the repository
    rebuild_index(posts, root / "index")
    app = create_app({"TESTING": True, "POSTS_DIR": str(posts), "INDEX_DIR": str(root / "index")})
    return app.test_client()


@pytest.mark.parametrize("q", ["Trainium", "生成AI", "ジャシー", "ＡＷＳ", "aws", "アンディ・ジャシー", "投資した"])
def test_seed_is_found(client, q):
    data = client.get("/api/search", query_string={"q": q}).get_json()
    assert data["total"] == 1, data
    hit = data["hits"][0]
    assert hit["title"].startswith("AmazonのAI戦略")
    assert "<mark>" in hit["snippet_html"]


@pytest.mark.parametrize("q", ["Trainium", "生成AI", "ジャシー", "ＡＷＳ", "投資", "データセンター"])
def test_seed_snippets_show_no_passage_twice(client, q):
    snippet = client.get("/api/search", query_string={"q": q}).get_json()["hits"][0]["snippet_html"]
    text = re.sub(r"</?mark>", "", snippet).strip("…")
    sentences = [s for s in re.split(r"(?<=[。！？])", text) if len(s.strip()) >= 8]
    assert len(sentences) == len(set(sentences)), snippet
    assert "---END---" not in text
