"""Tests for search.posts.reader: finding, reading and loading post files.

Valid posts for each real-corpus quirk live in ``tests/data/posts/``; broken files (bad bytes,
bad YAML, impossible dates) are written to ``tmp_path`` by the tests themselves so that the data
folder loads without a single skip.
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from search.errors import PostFormatError
from search.posts.reader import POST_SUFFIXES, Post, SkippedPost, find_post_files, load_posts, read_post
from search.posts.dates import parse_date
from search.posts.permalinks import post_url

DATA = Path(__file__).resolve().parent / "data" / "posts"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"
UTC = timezone.utc
JST = timezone(timedelta(hours=9))


def _read(post_id: str) -> Post:
    return read_post(DATA / post_id, DATA)


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --------------------------------------------------------------------------------------------
# Finding files


def test_find_post_files_is_recursive_sorted_and_skips_hidden(tmp_path: Path) -> None:
    for name in [
        "b.md",
        "a.markdown",
        "sub/2024-01-01-c.md",
        "sub/deeper/d.MD",
        ".hidden.md",
        ".git/e.md",
        "node_modules/pkg/README.md",
        "notes.txt",
        "_licenses/LICENSE.txt",
    ]:
        _write(tmp_path, name, "本文")
    found = [p.relative_to(tmp_path).as_posix() for p in find_post_files(tmp_path)]
    assert found == ["a.markdown", "b.md", "sub/2024-01-01-c.md", "sub/deeper/d.MD"]


def test_find_post_files_survives_a_symlink_loop(tmp_path: Path) -> None:
    _write(tmp_path, "posts/x.md", "本文")
    os.symlink(tmp_path / "posts", tmp_path / "posts" / "loop")
    assert [p.name for p in find_post_files(tmp_path / "posts")] == ["x.md"]


def test_a_broken_symlink_is_reported_as_such(tmp_path: Path) -> None:
    _write(tmp_path, "posts/x.md", "本文")
    os.symlink(tmp_path / "gone.md", tmp_path / "posts" / "dangling.md")
    found = find_post_files(tmp_path / "posts")
    assert [p.name for p in found] == ["dangling.md", "x.md"]
    skipped = [post for post in load_posts(tmp_path / "posts") if isinstance(post, SkippedPost)]
    assert [(s.path.name, s.reason) for s in skipped] == [("dangling.md", f"broken symbolic link (to {tmp_path / 'gone.md'})")]


def test_find_post_files_needs_a_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="posts folder not found"):
        find_post_files(tmp_path / "missing")


def test_post_suffixes() -> None:
    assert POST_SUFFIXES == (".md", ".markdown")


# --------------------------------------------------------------------------------------------
# Reading the data posts: one per real-corpus quirk


@pytest.mark.parametrize(
    ("post_id", "title", "date", "categories", "tags", "author"),
    [
        # ruby-lang: no `date` key, the date is only in the file name; `tags` a bare string
        ("ruby/2019-03-04-no-date-key.md", "セキュリティ修正版 9.9.1 を公開しました",
         datetime(2019, 3, 4, tzinfo=UTC), (), ("security",), "tester"),
        # ruby-lang: date string with a +0000 offset that YAML leaves as a string; empty `tags`
        ("ruby/2020-12-25-string-date.md", "テスト用クリスマスリリース",
         datetime(2020, 12, 25, tzinfo=UTC), (), (), "tester"),
        # ruby-lang: one-digit hour; duplicate titles; posts under 200 characters
        ("ruby/2021-01-01-same-title-one.md", "同じ題名のお知らせ",
         datetime(2021, 1, 1, 9, 5, tzinfo=UTC), (), (), "tester"),
        ("ruby/2021-01-02-same-title-two.md", "同じ題名のお知らせ",
         datetime(2021, 1, 2, 10, tzinfo=UTC), (), (), "tester"),
        # mamezou: blogs/<year>/MMDD_slug.md, YAML date, tag list, no author
        ("mamezou/blogs/2023/0412_container-directives.md", "コンテナ記法と脚注の確認",
         datetime(2023, 4, 12, tzinfo=UTC), (), ("k8s", "生成AI"), ""),
        # mamezou: bare-string tag with a trailing space, unclosed code fence
        ("mamezou/blogs/2022/0101_unclosed-fence.md", "閉じていないコードブロック",
         datetime(2022, 1, 1, tzinfo=UTC), (), ("AWS",), ""),
        # mamezou: series folder, no tags
        ("mamezou/llm/series-post.md", "シリーズ記事の一回目",
         datetime(2024, 6, 1, tzinfo=UTC), (), (), "series-author"),
        # the blog's own front matter (layout, categories, excerpt, reading_time)
        ("allforces/2025-11-01-end-defect.md", "テスト用：続きの生成で繰り返された記事",
         datetime(2025, 11, 1, 8, 38, 6, tzinfo=UTC), ("AI導入戦略",), ("AI", "テスト"), "テスト編集部"),
        ("2024-01-01-kana-and-width.md", "表記ゆれの確認",
         datetime(2024, 1, 1, tzinfo=UTC), ("テスト",), ("表記ゆれ",), ""),
        ("2024-02-02-front-matter-only.md", "本文のない記事",
         datetime(2024, 2, 2, tzinfo=UTC), (), (), ""),
        # no front matter: title from the first heading, no date
        ("no-front-matter.markdown", "見出しが題名になる記事", None, (), (), ""),
    ],
)  # fmt: skip
def test_read_post_metadata(
    post_id: str,
    title: str,
    date: datetime | None,
    categories: tuple[str, ...],
    tags: tuple[str, ...],
    author: str,
) -> None:
    post = _read(post_id)
    assert (post.post_id, post.title, post.date) == (post_id, title, date)
    assert (post.categories, post.tags, post.author) == (categories, tags, author)
    assert post.published and post.path == DATA / post_id
    if post.date is not None:
        assert post.date.tzinfo is not None


@pytest.mark.parametrize(
    ("post_id", "in_body", "not_in_body", "in_code"),
    [
        ("ruby/2019-03-04-no-date-key.md",
         ["前回のお知らせ", "変更履歴", "fixture_gem の脆弱性", "動画を再生できない"],
         ["{%", "{{", "<code>", "<video", "https://example.com/changelog", "<>"],
         ["FixtureGem.safe_load(input)", "SIZE: {{ release.size.gz }}"]),
        ("ruby/2020-12-25-string-date.md", ["クリスマス"], ["```", "puts"], ['puts "メリークリスマス"']),
        ("mamezou/blogs/2023/0412_container-directives.md",
         ["お知らせの中身は残ります。", "コラムの見出し", "改行を 含むセル", "詳細を開く",
          "折りたたまれた本文です。", "脚注の本文です。", "数式 a^2 + b^2 = c^2 も本文"],
         [":::", "{{", "<br>", "<details>", "[^1]", "| 説明 |", "$$"],
         ["tag: dev-${{ github.sha }}"]),
        ("mamezou/blogs/2022/0101_unclosed-fence.md", ["閉じ忘れた記事です。"], ["aws s3"], ["aws s3 ls"]),
        ("allforces/2025-11-01-end-defect.md", ["東京都の人口"], ["---END---", "reading_time"], []),
        ("2024-01-01-kana-and-width.md", ["ＵＳＢとUSB", "ﾘﾝｺﾞとリンゴとりんご", "人々"], [], []),
    ],
)  # fmt: skip
def test_read_post_body_and_code(
    post_id: str, in_body: list[str], not_in_body: list[str], in_code: list[str]
) -> None:
    post = _read(post_id)
    for text in in_body:
        assert text in post.body
    for text in not_in_body:
        assert text not in post.body
    for text in in_code:
        assert text in post.code


def test_end_defect_post_body_is_each_sentence_once() -> None:
    body = _read("allforces/2025-11-01-end-defect.md").body
    assert body.split("\n") == [
        "続きの生成で繰り返された記事",
        "最初の段落は猫の話から始まります。猫は一日の大半を眠って過ごします。",
        "二番目の段落ではりんごの収穫について書きます。秋になると、りんご農家は朝から晩まで忙しくなります。",
        "三番目の段落は東京都の話題です。東京都の人口は今も少しずつ増えています。",
    ]


def test_excerpt_is_plain_text() -> None:
    assert _read("allforces/2025-11-01-end-defect.md").excerpt == "繰り返しを含む記事の抜粋です。"


def test_empty_body_is_a_post() -> None:
    post = _read("2024-02-02-front-matter-only.md")
    assert (post.body, post.code) == ("", "")


def test_content_hash_is_sha256_of_the_bytes() -> None:
    import hashlib

    path = DATA / "2024-01-01-kana-and-width.md"
    assert _read("2024-01-01-kana-and-width.md").content_hash == hashlib.sha256(path.read_bytes()).hexdigest()


def test_load_posts_on_the_data_folder_skips_nothing() -> None:
    items = list(load_posts(DATA))
    assert [i for i in items if isinstance(i, SkippedPost)] == []
    assert [i.post_id for i in items] == sorted(i.post_id for i in items)  # type: ignore[union-attr]
    assert len(items) == len(find_post_files(DATA))


# --------------------------------------------------------------------------------------------
# Bytes, encodings and front matter that must be handled, or refused with a reason


def test_crlf_line_endings_become_lf(tmp_path: Path) -> None:
    source = (DATA / "mamezou/blogs/2023/0412_container-directives.md").read_bytes()
    crlf = _write(tmp_path, "crlf.md", source.replace(b"\n", b"\r\n"))
    post, original = read_post(crlf, tmp_path), _read("mamezou/blogs/2023/0412_container-directives.md")
    assert (post.title, post.tags, post.date) == (original.title, original.tags, original.date)
    # the post's text shows its own URL ({{ page.url }}), which its file name makes
    assert (post.body, post.code) == (original.body.replace(original.url, post.url), original.code)
    assert "\r" not in post.body + post.code


@pytest.mark.parametrize(
    ("data", "title", "body"),
    [
        ("\ufeff---\ntitle: BOM付き\n---\n本文です。".encode(), "BOM付き", "本文です。"),
        ("---\ntitle: シフトJISの記事\n---\n東京都の猫。".encode("cp932"), "シフトJISの記事", "東京都の猫。"),
        ("---\r\ntitle: 古いMac\r\n---\r\n本文".encode().replace(b"\r\n", b"\r"), "古いMac", "本文"),
        (b"\n\n---\ntitle: leading blank lines\n---\nbody", "leading blank lines", "body"),
        (b"---\ntitle: 2024\n---\nbody", "2024", "body"),
        (b"---\ntitle: [AWS, \xe5\x85\xa5\xe9\x96\x80]\n---\nbody", "AWS 入門", "body"),
        (b"---\ntitle:\n---\n## Heading title\n\nbody", "Heading title", "Heading title\nbody"),
        (b"---\n---\nno keys", "x", "no keys"),
        (b"---\n# only a comment\n---\nbody", "x", "body"),
        (b"plain text, no front matter\n\n---\n\nafter a rule", "x", "plain text, no front matter\nafter a rule"),
    ],
)
def test_bytes_and_front_matter_forms(tmp_path: Path, data: bytes, title: str, body: str) -> None:
    post = read_post(_write(tmp_path, "x.md", data), tmp_path)
    assert (post.title, post.body) == (title, body)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"\xef\xbb\xbf \n\n", "empty file"),
        (b"---\ntitle: x\n---\n\x00\x01binary", "binary file"),
        ("---\ntitle: x\n---\n".encode("utf-16"), "binary file"),
        (b"---\ntitle: x\n---\n\x80\xff\xfe\x81", "not UTF-8 or Shift_JIS text"),
        (b"---\ntitle: [unclosed\n---\nbody", "invalid YAML front matter"),
        (b"---\ntitle: x\n  bad: indent\n---\nbody",
         "invalid YAML front matter: mapping values are not allowed in this context (line 3)"),
        (b"\n\n---\ntitle: x\n  bad: indent\n---\nbody", "(line 5)"),
        (b"---\ntitle: x\nbody without closing line\n", "front matter has no closing '---' line"),
        (b"---\n- a\n- list\n---\nbody", "front matter is not a mapping"),
        (b"---\njust a string\n---\nbody", "front matter is not a mapping"),
        (b"---\ntitle: x\ndate: 2021-02-30\n---\nbody", "invalid date '2021-02-30' in front matter"),
        (b"---\ntitle: x\ndate: 2021-02-30 10:00:00 +0000\n---\nbody", "day is out of range"),
        (b"---\ntitle: x\ndate: someday\n---\nbody", "not a recognised date format"),
        (b"---\ntitle: x\ndate: 2021-01-01 10:00:00 +9900\n---\nbody", "time zone"),
    ],
)
def test_read_post_refuses_with_a_reason(tmp_path: Path, data: bytes, reason: str) -> None:
    path = _write(tmp_path, "broken.md", data)
    with pytest.raises(PostFormatError) as excinfo:
        read_post(path, tmp_path)
    assert reason in excinfo.value.reason
    assert excinfo.value.path == path
    assert str(path) in str(excinfo.value)


def test_impossible_date_in_file_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "2021-02-30-nope.md", "---\ntitle: x\n---\nbody")
    with pytest.raises(PostFormatError, match="in file name"):
        read_post(path, tmp_path)


def test_load_posts_reports_skips_and_keeps_going(tmp_path: Path) -> None:
    _write(tmp_path, "a-good.md", "---\ntitle: 良い記事\n---\n本文")
    _write(tmp_path, "b-draft.md", "---\ntitle: 下書き\npublished: false\n---\n本文")
    _write(tmp_path, "c-bad-yaml.md", "---\ntitle: [\n---\n本文")
    _write(tmp_path, "d-empty.md", "")
    _write(tmp_path, "e-good.md", "---\ntitle: もう一つ\npublished: true\n---\n本文")
    items = list(load_posts(tmp_path))
    assert [type(i).__name__ for i in items] == ["Post", "SkippedPost", "SkippedPost", "SkippedPost", "Post"]
    reasons = [i.reason for i in items if isinstance(i, SkippedPost)]
    assert reasons[0] == "published: false"
    assert reasons[1].startswith("invalid YAML front matter")
    assert reasons[2] == "empty file"


def test_read_post_can_return_an_unpublished_post(tmp_path: Path) -> None:
    path = _write(tmp_path, "draft.md", "---\ntitle: 下書き\npublished: false\n---\n本文")
    assert read_post(path, tmp_path).published is False


@pytest.mark.parametrize(
    ("front_matter", "categories", "tags"),
    [
        ("tags: [a, b]\ncategories: [X, Y]", ("X", "Y"), ("a", "b")),
        ("tags: security\ncategories: news", ("news",), ("security",)),
        ("tags: a b  c\ncategories: X Y", ("X", "Y"), ("a", "b", "c")),
        ("tags: 'AWS, Lambda ,生成AI'", (), ("AWS", "Lambda", "生成AI")),
        ("tags: 旅行、紅葉", (), ("旅行", "紅葉")),
        ("tags:\ncategories:", (), ()),
        ("tags: []\ncategories: ''", (), ()),
        ("tags: [2024, true, '', null, [nested, list]]", (), ("2024", "True", "nested", "list")),
        ("tags: [a, a, b]", (), ("a", "b")),
        ("category: Ruby on Rails", ("Ruby on Rails",), ()),
        ("tag: one tag", (), ("one tag",)),
    ],
)
def test_tags_and_categories_forms(
    tmp_path: Path, front_matter: str, categories: tuple[str, ...], tags: tuple[str, ...]
) -> None:
    post = read_post(_write(tmp_path, "x.md", f"---\n{front_matter}\n---\nbody"), tmp_path)
    assert (post.categories, post.tags) == (categories, tags)


@pytest.mark.parametrize(
    ("front_matter", "author", "excerpt"),
    [
        ("author: 山田", "山田", ""),
        ("author: [山田, 佐藤]", "山田, 佐藤", ""),
        ("author: {name: 伊藤, url: 'https://x'}", "伊藤", ""),
        ("excerpt: '<b>太字</b>と[リンク](https://x)'", "", "太字とリンク"),
        ("description: 説明文です", "", "説明文です"),
        ("excerpt: 抜粋\ndescription: 説明", "", "抜粋"),
    ],
)
def test_author_and_excerpt_forms(tmp_path: Path, front_matter: str, author: str, excerpt: str) -> None:
    post = read_post(_write(tmp_path, "x.md", f"---\n{front_matter}\n---\nbody"), tmp_path)
    assert (post.author, post.excerpt) == (author, excerpt)


def test_bc20_front_matter_with_japanese_tags_stays_out_of_the_body(tmp_path: Path) -> None:
    """BC20 (bugcases/README.md), on our own words: front matter never leaks into title or body."""
    text = "---\ntitle: 奈良旅行記\ntags:\n  - 旅行\n  - 鹿\ndate: 2023-10-01\n---\n\n奈良で鹿に会った。\n"
    post = read_post(_write(tmp_path, "nara.md", text), tmp_path)
    assert (post.title, post.tags, post.body) == ("奈良旅行記", ("旅行", "鹿"), "奈良で鹿に会った。")
    assert post.date == datetime(2023, 10, 1, tzinfo=UTC)


def test_bc20_case_from_shared_bugcases(tmp_path: Path) -> None:
    cases_file = SHARED / "bugcases" / "cases.json"
    if not cases_file.is_file():
        pytest.skip(f"{cases_file} is not available")
    case = next(c for c in json.loads(cases_file.read_text(encoding="utf-8")) if c["id"] == "BC20")
    for doc in case["docs"]:
        post = read_post(_write(tmp_path, f"{doc['id']}.md", doc["body"]), tmp_path)
        assert post.title == doc["title"]
        assert "---" not in post.body and "tags" not in post.body and "title:" not in post.body
        assert post.body


# --------------------------------------------------------------------------------------------
# Dates


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-12-25 00:00:00 +0000", datetime(2020, 12, 25, tzinfo=UTC)),
        ("2025-11-01 08:38:06 +0000", datetime(2025, 11, 1, 8, 38, 6, tzinfo=UTC)),
        ("2021-01-01 9:05:00 +0900", datetime(2021, 1, 1, 9, 5, tzinfo=JST)),
        ("2024-05-20T14:00:00+09:00", datetime(2024, 5, 20, 14, tzinfo=JST)),
        ("2024-05-20T05:00:00Z", datetime(2024, 5, 20, 5, tzinfo=UTC)),
        ("2024-05-20 05:00", datetime(2024, 5, 20, 5, tzinfo=UTC)),
        ("2024-05-20 05:00:00.250 -05:00",
         datetime(2024, 5, 20, 5, 0, 0, 250000, tzinfo=timezone(timedelta(hours=-5)))),
        ("2024/5/2", datetime(2024, 5, 2, tzinfo=UTC)),
        ("2024-05-02 10:00:00 JST", datetime(2024, 5, 2, 10, tzinfo=JST)),
        ("  2024-01-05  ", datetime(2024, 1, 5, tzinfo=UTC)),
        ("Mon, 21 Nov 2022 14:09:50 GMT", datetime(2022, 11, 21, 14, 9, 50, tzinfo=UTC)),
        (datetime(2024, 1, 5, 10, 0), datetime(2024, 1, 5, 10, 0, tzinfo=UTC)),
        (datetime(2024, 1, 5, 10, 0, tzinfo=JST), datetime(2024, 1, 5, 10, 0, tzinfo=JST)),
        (datetime(2024, 1, 5).date(), datetime(2024, 1, 5, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_parse_date(value: object, expected: datetime) -> None:
    parsed = parse_date(value)
    assert parsed == expected and parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("value", ["2021-02-30", "2021-13-01", "2021-01-01 25:00:00", "公開日付", "", "2021"])
def test_parse_date_rejects(value: str) -> None:
    with pytest.raises(ValueError):
        parse_date(value)


def test_front_matter_date_wins_over_file_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "2020-01-01-x.md", "---\ndate: 2021-06-07\n---\nbody")
    post = read_post(path, tmp_path)
    assert post.date == datetime(2021, 6, 7, tzinfo=UTC)
    assert post.url == "/2021/06/07/x.html"


# --------------------------------------------------------------------------------------------
# URLs


D = datetime(2024, 1, 5, 9, 30, tzinfo=UTC)
BASE = "https://example.com/blog"


@pytest.mark.parametrize(
    ("post_id", "date", "categories", "permalink", "base_url", "url"),
    [
        ("2024-01-05-hello.md", D, (), None, "", "/2024/01/05/hello.html"),
        ("2024/2024-01-05-hello.md", D, (), None, "", "/2024/01/05/hello.html"),
        ("2024-01-05-hello.md", D, ("AI", "News"), None, "", "/ai/news/2024/01/05/hello.html"),
        ("2024-01-05-hello.md", D, ("AI", "ai"), None, "", "/ai/2024/01/05/hello.html"),
        ("2024-01-05-hello.md", D, ("AI導入戦略",), None, "", "/ai導入戦略/2024/01/05/hello.html"),
        ("2024-01-05-hello.md", D, ("my cat",), None, "", "/my%20cat/2024/01/05/hello.html"),
        ("2024-01-05-hello world.md", D, (), None, "", "/2024/01/05/hello%20world.html"),
        ("2024-01-05-猫の話.md", D, (), None, "", "/2024/01/05/猫の話.html"),
        ("2024-01-05-hello.markdown", D, (), None, "", "/2024/01/05/hello.html"),
        ("2024-01-05-hello.md", D, (), None, "https://example.com/blog", "https://example.com/blog/2024/01/05/hello.html"),
        ("2024-01-05-hello.md", D, (), None, "https://example.com/blog/", "https://example.com/blog/2024/01/05/hello.html"),
        ("blogs/2023/0412_slug.md", D, (), None, "", "/blogs/2023/0412_slug/"),
        ("blogs/2023/0412_slug.md", None, (), None, "https://example.com", "https://example.com/blogs/2023/0412_slug/"),
        ("about.md", None, (), None, "", "/about/"),
        ("2024-01-05-hello.md", D, (), "/custom/path/", "", "/custom/path/"),
        ("2024-01-05-hello.md", D, ("Tech",), "/:categories/:year/:i_month/:title/", "", "/tech/2024/1/hello/"),
        ("2024-01-05-hello.md", D, (), "/:year/:month/:day/:title:output_ext", "", "/2024/01/05/hello.html"),
        ("x.md", None, (), "/:year/:title/", "", "/:year/x/"),
        ("x.md", None, (), "https://other.example/x", "https://example.com", "https://other.example/x"),
        ("blogs/x.md", D, (), "/blogs/{{ page.date | date: '%Y' }}/x/", "", "/blogs/x/"),
        ("a#b?.md", None, (), None, "", "/a%23b%3F/"),
        ("100%.md", None, (), None, "", "/100%25/"),
        ("x.md", None, (), "/already%20encoded/", "", "/already%20encoded/"),
    ],
)  # fmt: skip
def test_post_url(
    post_id: str,
    date: datetime | None,
    categories: tuple[str, ...],
    permalink: str | None,
    base_url: str,
    url: str,
) -> None:
    assert post_url(post_id, date, categories, permalink, base_url) == url


def test_base_url_is_used_by_load_posts() -> None:
    post = next(p for p in load_posts(DATA, "https://example.com/blog/") if isinstance(p, Post))
    assert post.url.startswith("https://example.com/blog/") and "//" not in post.url[8:]


# --------------------------------------------------------------------------------------------
# The two real corpora in ../shared/corpus (read at test time, never copied)

CORPUS_FOLDERS = ("ruby__www.ruby-lang.org", "mamezou-tech__mamezou-tech-site")


@pytest.fixture(scope="module")
def corpus() -> tuple[list[Post], list[SkippedPost], float]:
    if not all((CORPUS / folder).is_dir() for folder in CORPUS_FOLDERS):
        pytest.skip(f"{CORPUS} is not available")
    start = time.perf_counter()
    items = [item for folder in CORPUS_FOLDERS for item in load_posts(CORPUS / folder)]
    elapsed_s = time.perf_counter() - start
    posts = [i for i in items if isinstance(i, Post)]
    skipped = [i for i in items if isinstance(i, SkippedPost)]
    return posts, skipped, elapsed_s


def test_corpus_loads_every_post(corpus: tuple[list[Post], list[SkippedPost], float]) -> None:
    posts, skipped, elapsed_s = corpus
    assert skipped == []  # no post in either corpus is unpublished or broken
    assert len(posts) == 1406
    assert elapsed_s < 120, f"loading took {elapsed_s:.1f} s"


def test_corpus_posts_have_title_and_date(corpus: tuple[list[Post], list[SkippedPost], float]) -> None:
    posts, _, _ = corpus
    assert [p.post_id for p in posts if not p.title.strip()] == []
    assert [p.post_id for p in posts if p.date is None or p.date.tzinfo is None] == []


def test_corpus_bodies_are_clean(corpus: tuple[list[Post], list[SkippedPost], float]) -> None:
    posts, _, _ = corpus
    for post in posts:
        for marker in ("{%", "{{", "---END---"):
            assert marker not in post.body, (post.post_id, marker)
        assert not [line for line in post.body.split("\n") if line.startswith("```")], post.post_id
        assert "" not in post.body.split("\n") or post.body == "", post.post_id


def test_repository_documentation_files_are_not_posts(tmp_path):
    from search.posts.reader import find_post_files

    for name in ("README.md", "readme.markdown", "CHANGELOG.md", "LICENSE.md", "2024-01-01-readme-tips.md"):
        (tmp_path / name).write_text("---\ntitle: x\n---\n本文\n", encoding="utf-8")
    assert [p.name for p in find_post_files(tmp_path)] == ["2024-01-01-readme-tips.md"]
