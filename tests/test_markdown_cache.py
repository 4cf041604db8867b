"""The Markdown cache (issue 14): a full rebuild reads each post's cleaned text from it instead of
parsing the Markdown again, and the index is the same; a corrupt, foreign or other reader's cache
is ignored; a post with Liquid is always parsed."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import search.posts.markdown_cache as markdown_cache
from search.indexing.rebuild import rebuild_index
from search.posts.markdown import clean_markdown
from search.posts.markdown_cache import CACHE_FILE, MAGIC, MarkdownCache, cacheable
from tests.test_indexing import index_contents
from tests.test_morpheme_cache import _header_change, _rewrite, damage_bytes

#: Blocks of Markdown the posts are made of: every field of the cleaned text gets something.
BLOCKS = (
    "## 形態素解析の基本 {#basics}",
    "### Setext でない見出し",
    "東京都の{漢字|かんじ}と<ruby>検索<rt>けんさく</rt></ruby>の話。",
    "[前の記事](/2020/01/01/first.html)と[リンク](https://example.com/a?b=c)を参照。",
    "| 列A | 列B |\n|---|---|\n| 生成AI | クラウド |",
    "```python\nprint('こんにちは')\n```",
    "    インデントされたコード",
    "- 箇条書き一\n- 箇条書き二\n  - 入れ子",
    "> 引用された文章です。",
    "脚注つきの文[^1]。\n\n[^1]: 脚注の本文。",
    "<div class=\"note\">HTMLの中の<strong>強調</strong></div>",
    "数式 $x^2$ を含む文と\n\n$$\ny = ax + b\n$$",
    "::: tip\nコンテナの中身\n:::",
    "ＡＢＣ　ｶﾞｷﾞ　全角と半角",
    "---END---",
    "同じ段落の繰り返し。同じ段落の繰り返し。",
)


def _write_posts(folder: Path, count: int, *, liquid: bool = False) -> list[Path]:
    paths = []
    for number in range(count):
        blocks = [BLOCKS[(number * 7 + k) % len(BLOCKS)] for k in range(6)]
        if liquid and number % 2 == 0:
            blocks.append("{{ page.title }} と {% raw %}{{ 生 }}{% endraw %}")
        path = folder / f"2021-02-{number + 1:02d}-post{number}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: 記事{number}\ntags: [検索, 記事{number % 3}]\n---\n\n" + "\n\n".join(blocks) + "\n",
                        encoding="utf-8")
        paths.append(path)
    return paths


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(BLOCKS), min_size=1, max_size=8),
       st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_a_record_gives_back_the_cleaned_text_it_was_made_of(blocks, extra):
    document = "\n\n".join([*blocks, extra])
    cleaned = clean_markdown(document)
    assert markdown_cache._decode(markdown_cache._encode(cleaned)) == cleaned


def test_a_warm_rebuild_reads_the_markdown_from_the_cache_and_writes_the_same_index(tmp_path):
    posts = tmp_path / "posts"
    _write_posts(posts, 12)
    cold = rebuild_index(posts, tmp_path / "cached", jobs=1)
    assert cold.cached_markdown == 0 and (tmp_path / "cached" / CACHE_FILE).stat().st_size > 0
    warm = rebuild_index(posts, tmp_path / "cached", jobs=1)
    assert warm.cached_markdown == 12
    plain = rebuild_index(posts, tmp_path / "plain", jobs=1)
    assert plain.cached_markdown == 0
    assert index_contents(tmp_path / "cached") == index_contents(tmp_path / "plain")


def test_parallel_workers_use_and_fill_the_markdown_cache(tmp_path, monkeypatch):
    import search.indexing.pipeline as pipeline

    posts = tmp_path / "posts"
    _write_posts(posts, 12)
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_CHARS", 0)
    rebuild_index(posts, tmp_path / "index", jobs=2)
    warm = rebuild_index(posts, tmp_path / "index", jobs=2)
    assert warm.cached_markdown == 12
    rebuild_index(posts, tmp_path / "serial", jobs=1)
    assert index_contents(tmp_path / "index") == index_contents(tmp_path / "serial")


def test_a_post_with_liquid_is_always_parsed(tmp_path):
    posts = tmp_path / "posts"
    paths = _write_posts(posts, 6, liquid=True)
    rebuild_index(posts, tmp_path / "index", jobs=1)
    warm = rebuild_index(posts, tmp_path / "index", jobs=1)
    with_liquid = sum(not cacheable(path.read_text(encoding="utf-8")) for path in paths)
    assert with_liquid == 3 and warm.cached_markdown == 6 - with_liquid


def test_an_edited_post_is_parsed_again(tmp_path):
    posts = tmp_path / "posts"
    paths = _write_posts(posts, 4)
    rebuild_index(posts, tmp_path / "index", jobs=1)
    paths[1].write_text(paths[1].read_text(encoding="utf-8") + "\n追記された段落。\n", encoding="utf-8")
    warm = rebuild_index(posts, tmp_path / "index", jobs=1)
    assert warm.cached_markdown == 3
    rebuild_index(posts, tmp_path / "plain", jobs=1)
    assert index_contents(tmp_path / "index") == index_contents(tmp_path / "plain")


def _scramble_records(body: bytearray) -> None:
    """Replace each record's data with valid zlib of JSON that is not a cleaned text."""
    import zlib

    head_length = struct.unpack_from("<I", body, len(MAGIC))[0]
    at = len(MAGIC) + 4 + head_length
    (count,) = struct.unpack_from("<I", body, at)
    at += 4
    out = bytes(body[:at])
    for _ in range(count):
        key, used, length = struct.unpack_from("<16sII", body, at)
        data = zlib.compress(json.dumps([1, 2, 3, 4, 5, 6, 7]).encode())
        out += struct.pack("<16sII", key, used, len(data)) + data
        at += 24 + length
    body[:] = out


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "garbage", "empty", "another reader",
                                    "another format", "records not cleaned texts"])
def test_a_corrupt_or_foreign_markdown_cache_is_ignored_and_rebuilt(tmp_path, damage):
    posts = tmp_path / "posts"
    _write_posts(posts, 6)
    root = tmp_path / "index"
    rebuild_index(posts, root, jobs=1)
    expected = index_contents(root)
    cache = root / CACHE_FILE
    if damage_bytes(cache, damage):
        pass
    elif damage == "another reader":  # the reading code changed: its records are not this one's
        _rewrite(cache, _header_change(lambda header: {**header, "reader": "0" * 64}, MAGIC))
    elif damage == "another format":
        _rewrite(cache, _header_change(lambda header: {**header, "format": 0}, MAGIC))
    else:  # passes the checksum: each record must still decode to a cleaned text
        _rewrite(cache, _scramble_records)
    stats = rebuild_index(posts, root, jobs=1)
    assert stats.cached_markdown == 0  # nothing trusted
    assert index_contents(root) == expected
    assert rebuild_index(posts, root, jobs=1).cached_markdown == 6  # and written anew


def test_records_unused_for_two_rebuilds_are_dropped(tmp_path):
    posts = tmp_path / "posts"
    paths = _write_posts(posts, 3)
    root = tmp_path / "index"
    rebuild_index(posts, root, jobs=1)
    keys = set(MarkdownCache(root / CACHE_FILE)._records)
    assert len(keys) == 3
    paths[0].write_text(paths[0].read_text(encoding="utf-8") + "\n書き換え。\n", encoding="utf-8")
    rebuild_index(posts, root, jobs=1)
    assert len(MarkdownCache(root / CACHE_FILE)._records) == 4  # the old version kept one rebuild more
    rebuild_index(posts, root, jobs=1)
    assert len(set(MarkdownCache(root / CACHE_FILE)._records) & keys) == 2


def test_the_cache_is_bounded(tmp_path, monkeypatch):
    posts = tmp_path / "posts"
    _write_posts(posts, 8)
    root = tmp_path / "index"
    rebuild_index(posts, root, jobs=1)
    sizes = sorted(len(data) for _, data in MarkdownCache(root / CACHE_FILE)._records.values())
    monkeypatch.setattr(markdown_cache, "MAX_BYTES", sum(sizes[:3]))
    rebuild_index(posts, root, jobs=1)
    assert 0 < len(MarkdownCache(root / CACHE_FILE)._records) <= 3
