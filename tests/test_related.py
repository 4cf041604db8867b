"""Related posts: more-like-this from the index's term statistics, never the post itself."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from factories import build_index, make_post
from search.assist.related import (MAX_RELATED, UnknownPostError, build_vectors, related_posts)
from search.indexing.version_cache import VersionCache

POSTS = [
    make_post("aws-1", "AWS Lambda でサーバーレス", "Lambda 関数を API Gateway から呼ぶ。サーバーレスの構成。",
              tags=("AWS", "サーバーレス"), date=datetime(2024, 5, 1, tzinfo=timezone.utc)),
    make_post("aws-2", "Lambda のコールドスタート", "Lambda 関数のコールドスタートを測った。サーバーレスでも速い。",
              tags=("AWS", "サーバーレス")),
    make_post("aws-3", "S3 の料金", "S3 のストレージ料金を見直した。AWS の請求を減らす。", tags=("AWS",)),
    make_post("ramen-1", "札幌ラーメン", "札幌の味噌ラーメンを食べた。スープが濃い。", tags=("ラーメン", "札幌")),
    make_post("ramen-2", "旭川ラーメン", "旭川の醤油ラーメンを食べた。スープが熱い。", tags=("ラーメン",)),
    make_post("other-1", "庭の手入れ", "庭の芝を刈った。", tags=("庭",)),
    make_post("other-2", "読書メモ", "小説を読んだ。", tags=("本",)),
    make_post("other-3", "散歩", "川沿いを歩いた。", tags=("散歩",)),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("related"), POSTS)


@pytest.fixture
def cache():
    return VersionCache(build_vectors, "test-related")


def ids(posts):
    return [post.post_id for post in posts]


def test_related_posts_share_characteristic_terms(index, cache):
    found = related_posts(index, "aws-1", cache=cache)
    assert ids(found)[0] == "aws-2"
    assert set(ids(found)) <= {"aws-2", "aws-3"}
    assert found[0].score >= found[-1].score > 0
    assert ids(related_posts(index, "ramen-1", cache=cache)) == ["ramen-2"]


@pytest.mark.parametrize("post_id", [post.post_id for post in POSTS])
def test_never_the_post_itself(index, cache, post_id):
    assert post_id not in ids(related_posts(index, post_id, limit=MAX_RELATED, cache=cache))


def test_unrelated_post_has_none(index, cache):
    assert related_posts(index, "other-1", cache=cache) == []


def test_limit(index, cache):
    assert len(related_posts(index, "aws-1", limit=1, cache=cache)) == 1
    for bad in (0, MAX_RELATED + 1):
        with pytest.raises(ValueError):
            related_posts(index, "aws-1", limit=bad, cache=cache)


def test_unknown_post(index, cache):
    with pytest.raises(UnknownPostError, match="no-such-post"):
        related_posts(index, "no-such-post", cache=cache)
    assert issubclass(UnknownPostError, LookupError)


def test_json_shape(index, cache):
    [first] = related_posts(index, "aws-2", limit=1, cache=cache)
    body = first.to_json()
    assert set(body) == {"id", "url", "title", "date", "tags", "categories", "author", "score"}
    assert (body["id"], body["url"], body["tags"]) == ("aws-1", "/aws-1/", ["AWS", "サーバーレス"])
    assert datetime.fromisoformat(body["date"]) == datetime(2024, 5, 1, tzinfo=timezone.utc)


def test_vectors_name_their_own_posts(index):
    """Vectors of an index version being replaced still resolve to the right posts."""
    with index.searcher() as searcher:
        vectors = build_vectors(searcher)
    for post_id, docnum in vectors.docnums.items():
        assert vectors.posts[docnum].post_id == post_id
    assert all(abs(sum(w * w for w in v.values()) - 1) < 1e-9 for v in vectors.vectors if v)


def test_after_reindex_the_new_posts_are_used(tmp_path):
    first = build_index(tmp_path / "a", POSTS[:4])
    cache = VersionCache(build_vectors, "test")
    assert "aws-3" in ids(related_posts(first, "aws-1", cache=cache))
    second = build_index(tmp_path / "b", [POSTS[0], POSTS[1], POSTS[3]])
    related_posts(second, "aws-1", cache=cache)  # starts building the new version's vectors
    for _ in range(200):
        found = ids(related_posts(second, "aws-1", cache=cache))
        if "aws-3" not in found:
            break
        time.sleep(0.05)
    assert found == ["aws-2"]


def test_without_waiting_nothing_until_built(index):
    release = __import__("threading").Event()

    def slow_build(searcher):
        release.wait(10)
        return build_vectors(searcher)

    cache = VersionCache(slow_build, "test-slow")
    assert related_posts(index, "aws-1", cache=cache, wait=False) == []
    release.set()
    assert ids(related_posts(index, "aws-1", cache=cache))[0] == "aws-2"
