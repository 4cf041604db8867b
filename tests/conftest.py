"""Shared fixtures: a small folder of Japanese posts, its index, the Flask app and a CLI runner.

The posts and their index are session-scoped (Janome makes indexing the slow part); tests that
write an index of their own use ``tmp_path`` and never touch these.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

#: Post files of the test site: file name → content. One case per post.
POSTS = {
    "2024-01-05-tokyo-tower.md": """\
---
title: 東京タワーに登った
date: 2024-01-05 10:00:00 +0900
tags: [旅行, 東京]
categories: [diary]
author: 山田
---
冬晴れの日に東京タワーへ行きました。展望台からは富士山まで見えました。

帰りに芝公園を散歩しました。
""",
    "2024-02-10-keitaiso.md": """\
---
title: 形態素解析の入門
date: 2024-02-10
tags: [Python, 自然言語処理]
categories: [tech]
---
Janome を使うと、Python だけで日本語の形態素解析ができます。

全文検索では、文章を単語に分けてから索引を作ります。
""",
    "2024-03-15-escape.md": """\
---
title: "<script>alert(1)</script>"
date: 2024-03-15
tags: ["<b>タグ</b>"]
---
エスケープの確認用の記事です。`<img src=x onerror=alert(1)>` という文字列と、
&lt;b&gt;実体参照&lt;/b&gt; も本文に含みます。
""",
    "2024-04-01-ramen.md": """\
---
title: 札幌でラーメン屋巡り
date: 2024-04-01
tags: [食べ物]
---
札幌の味噌ラーメンを三軒食べ比べました。どの店のスープも濃厚でした。
""",
    "2024-05-20-python-tips.md": """\
---
title: Python の小技
date: 2024-05-20
tags: [Python]
---
内包表記とジェネレーターで、Python のコードは短く書けます。
""",
    "drafts/2024-06-01-draft.md": """\
---
title: 下書きの記事
published: false
---
まだ公開していない下書きです。
""",
    "broken.md": """\
---
title: [閉じていない
---
本文
""",
}

#: Posts that are indexed (not the draft, not the broken file).
INDEXED_POSTS = 5


def _write_posts(directory: Path) -> Path:
    for name, text in POSTS.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return directory


@pytest.fixture(autouse=True)
def _no_kensaku_environment(monkeypatch):
    """Keep the developer's ``KENSAKU_*`` settings out of the tests."""
    for name in ("KENSAKU_POSTS_DIR", "KENSAKU_INDEX_DIR", "KENSAKU_BASE_URL", "KENSAKU_FUTURE",
                 "KENSAKU_FOLLOW_LINKS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def posts_dir(tmp_path_factory) -> Path:
    """A folder holding :data:`POSTS` (read-only: copy it to change it)."""
    return _write_posts(tmp_path_factory.mktemp("posts"))


@pytest.fixture
def make_posts_dir():
    """``make_posts_dir(directory) -> directory``: a fresh copy of :data:`POSTS` that a test may change."""
    return _write_posts


@pytest.fixture
def indexed_posts() -> int:
    """How many of :data:`POSTS` are indexed (the draft and the broken file are skipped)."""
    return INDEXED_POSTS


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory, posts_dir) -> Path:
    """The index of :func:`posts_dir`, built once per session (read-only)."""
    from search.indexing.rebuild import rebuild_index  # imported here so a broken module fails only its users

    directory = tmp_path_factory.mktemp("index")
    rebuild_index(posts_dir, directory)
    return directory


@pytest.fixture
def app(posts_dir, index_dir):
    """The web app over the session's index."""
    from web import create_app

    return create_app({"TESTING": True, "POSTS_DIR": str(posts_dir), "INDEX_DIR": str(index_dir)})


@pytest.fixture
def client(app):
    """Flask test client of :func:`app`."""
    return app.test_client()


@pytest.fixture
def runner() -> CliRunner:
    """Runs ``web.cli.cli`` commands in-process: ``runner.invoke(cli, [...])``."""
    return CliRunner()
