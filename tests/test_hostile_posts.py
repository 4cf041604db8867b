"""Hostile and odd posts (issue 13): a post cannot stall, crash or read outside the blog, and what
it says cannot reach pages, JSON or terminals as markup, controls or off-site links.

Each kind has its reproduction from the issue and cases of our own; property tests generate more.
Slow kinds (alias bombs) run under an alarm, so a regression fails in seconds instead of hanging.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import search.indexing.pipeline as pipeline
import search.posts.reader as reader
from search.errors import PostFormatError
from search.indexing.rebuild import rebuild_index
from search.indexing.update import update_index
from search.posts.dates import parse_date
from search.posts.frontmatter import CONTROL_CHARACTERS, MAX_FRONT_MATTER_NODES, load_yaml
from search.posts.permalinks import permalink_problem, post_url
from search.posts.reader import Post, SkippedPost, find_post_files, load_posts, read_or_skip, read_post
from web.cli import cli, escaped

KENSAKU = str(Path(sys.executable).with_name("kensaku"))
#: Seconds a hostile post may take to be refused before the test fails instead of hanging.
ALARM_S = 20


@contextmanager
def within(seconds: int = ALARM_S):
    """Fail the test (TimeoutError) if the block takes longer than ``seconds``."""
    def expired(signum, frame):
        raise TimeoutError(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _plain_post(folder: Path, name: str, title: str = "普通の記事", body: str = "猫と犬の話。") -> Path:
    return _write(folder, name, f"---\ntitle: {title}\n---\n{body}\n")


# --------------------------------------------------------------------------------------------
# YAML alias bombs

def _list_bomb(levels: int = 7, width: int = 9, key: str = "title") -> str:
    """The issue's shape: ``a: &a [...]``, ``b: [*a, *a, …]`` … ``title: *g`` (width**levels values)."""
    lines = ['a: &a [' + ", ".join(['"lol"'] * width) + "]"]
    names = "abcdefghijklmnop"
    for level in range(1, levels):
        name, previous = names[level], names[level - 1]
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * width) + "]")
    lines.append(f"{key}: *{names[levels - 1]}")
    return "---\n" + "\n".join(lines) + "\n---\n本文。\n"


def _mapping_bomb(levels: int = 8) -> str:
    """The same with mappings: each level a mapping of 10 keys all aliasing the level below."""
    lines = ["l0: &l0 {x: lol, y: lol}"]
    for level in range(1, levels):
        keys = ", ".join(f"k{i}: *l{level - 1}" for i in range(10))
        lines.append(f"l{level}: &l{level} {{{keys}}}")
    lines.append(f"author: *l{levels - 1}")
    return "---\ntitle: 地図\n" + "\n".join(lines) + "\n---\n本文。\n"


@pytest.mark.parametrize("text", [
    _list_bomb(),                       # the 294-byte bomb: 9**7 values as the title
    _list_bomb(levels=12, width=2, key="tags"),
    _list_bomb(levels=5, width=30, key="excerpt"),
    _mapping_bomb(),
], ids=["issue-title", "deep-tags", "wide-excerpt", "mapping-author"])
def test_alias_bombs_are_skipped_quickly_with_their_reason(tmp_path, text):
    path = _write(tmp_path, "2024-04-01-bomb.md", text)
    with within():
        skipped = read_or_skip(path, tmp_path)
    assert isinstance(skipped, SkippedPost)
    assert "front matter refused" in skipped.reason and f"{MAX_FRONT_MATTER_NODES:,}" in skipped.reason


@pytest.mark.parametrize("text", [
    "a: &a [*a]\ntitle: x",              # a list holding itself
    "a: &a {b: *a}\ntitle: x",            # a mapping holding itself
    "a: &a [x, [y, *a]]\ntitle: *a",      # deeper
])
def test_recursive_aliases_are_refused(tmp_path, text):
    path = _write(tmp_path, "rec.md", f"---\n{text}\n---\n本文。\n")
    with within():
        skipped = read_or_skip(path, tmp_path)
    assert isinstance(skipped, SkippedPost) and "refers to a value that holds it" in skipped.reason


def test_ordinary_aliases_still_work(tmp_path):
    text = "---\ndefaults: &d [旅行, 東京]\ntags: *d\ncategories: *d\nauthor: &who 山田\nauthor2: *who\ntitle: 旅\n---\n本文。\n"
    post = read_post(_write(tmp_path, "ok.md", text), tmp_path)
    assert post.tags == ("旅行", "東京") and post.categories == ("旅行", "東京") and post.author == "山田"


def test_a_bound_sized_document_is_allowed_and_one_past_it_refused():
    items = ", ".join(["x"] * (MAX_FRONT_MATTER_NODES - 3))  # + the list, its key and the mapping
    assert len(load_yaml("k: [" + items + "]")["k"]) == MAX_FRONT_MATTER_NODES - 3
    with pytest.raises(ValueError, match="alias bomb"):
        load_yaml("k: [" + items + ", y]")


def test_a_reindex_with_an_alias_bomb_indexes_the_rest_in_normal_time(tmp_path):
    """The issue's reproduction, as a real `kensaku reindex` process, bounded."""
    posts, index = tmp_path / "posts", tmp_path / "index"
    _write(posts, "2024-04-01-bomb.md", _list_bomb())
    for number in range(3):
        _plain_post(posts, f"2024-04-0{number + 2}-ok.md", title=f"普通{number}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENSAKU_")}
    done = subprocess.run([KENSAKU, "reindex", "--posts", str(posts), "--index", str(index)],
                          capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    assert "Indexed 3 posts, skipped 1" in done.stdout
    assert "2024-04-01-bomb.md: front matter refused" in done.stdout


def test_a_file_too_large_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "MAX_POST_BYTES", 1000)
    big = _write(tmp_path, "big.md", "---\ntitle: 大きい\n---\n" + "あ" * 1000)
    assert "file too large" in read_or_skip(big, tmp_path).reason
    monkeypatch.setattr(reader, "MAX_POST_BYTES", 10_000)
    monkeypatch.setattr(reader, "MAX_POST_CHARS", 500)
    assert "too much text" in read_or_skip(big, tmp_path).reason


# --------------------------------------------------------------------------------------------
# Dates out of range, and any exception while reading a post

@pytest.mark.parametrize("date", ["0001-01-01 00:00:00 +1400", "9999-12-31 23:59:59 -1200",
                                  "0001-01-01T05:00:00+06:00", "9999-12-31 23:00 -01:00"])
def test_out_of_range_dates_skip_the_post_not_the_reindex(tmp_path, date):
    posts = tmp_path / "posts"
    _write(posts, "2024-01-01-edge.md", f"---\ntitle: 端\ndate: {date}\n---\n本文。\n")
    _plain_post(posts, "2024-01-02-ok.md")
    stats = rebuild_index(posts, tmp_path / "index", future=True)
    assert stats.indexed == 1
    [skipped] = stats.skipped
    assert skipped.path.name == "2024-01-01-edge.md" and "out of range" in skipped.reason


def test_the_cli_reports_out_of_range_dates_and_watch_goes_on(tmp_path, runner):
    posts = tmp_path / "posts"
    _write(posts, "2024-01-01-a.md", "---\ntitle: a\ndate: 0001-01-01 00:00:00 +1400\n---\n本文。\n")
    _write(posts, "2024-01-01-b.md", "---\ntitle: b\ndate: 9999-12-31 23:59:59 -1200\n---\n本文。\n")
    _plain_post(posts, "2024-01-02-ok.md")
    result = runner.invoke(cli, ["reindex", "--posts", str(posts), "--index", str(tmp_path / "i"), "--future"])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 posts, skipped 2" in result.output and "Traceback" not in result.output
    again = runner.invoke(cli, ["reindex", "--posts", str(posts), "--index", str(tmp_path / "i"), "--future"])
    assert again.exit_code == 0 and "Index up to date" in again.output  # later reindexes are not blocked


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(
    st.text(max_size=40),
    st.builds(lambda y, m, d, h, z: f"{y:04d}-{m:02d}-{d:02d} {h:02d}:00:00 {z}",
              st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32), st.integers(0, 25),
              st.sampled_from(["+1400", "-1200", "+0000", "Z", "+9999", "-23:59", "JST", ""])),
))
def test_no_date_string_makes_reading_raise(tmp_path, value):
    path = _write(tmp_path, "x.md", "---\ntitle: x\ndate: " + json.dumps(value) + "\n---\n本文。\n")
    item = read_or_skip(path, tmp_path, future=True)  # never raises
    if isinstance(item, Post) and item.date is not None:
        item.date.timestamp()  # and a date read is usable


def test_any_exception_while_reading_one_post_skips_only_that_post(tmp_path, monkeypatch):
    original = reader.clean_markdown_cached  # (what reads a post's body)

    def flaky(text, *args, **kwargs):
        if "爆発" in text:
            raise KeyError("a bug in one post's Markdown")
        return original(text, *args, **kwargs)

    monkeypatch.setattr(reader, "clean_markdown_cached", flaky)
    posts = tmp_path / "posts"
    _plain_post(posts, "2024-01-01-boom.md", body="爆発する本文。")
    for number in range(3):
        _plain_post(posts, f"2024-01-0{number + 2}-ok.md")
    items = list(load_posts(posts))
    [skipped] = [item for item in items if isinstance(item, SkippedPost)]
    assert skipped.path.name == "2024-01-01-boom.md" and "KeyError" in skipped.reason
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_CHARS", 0)  # the same in forked worker processes
    monkeypatch.setattr(pipeline, "_start_context", lambda: multiprocessing.get_context("fork"))
    stats = rebuild_index(posts, tmp_path / "index", jobs=2)
    assert stats.indexed == 3 and [s.path.name for s in stats.skipped] == ["2024-01-01-boom.md"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_exception_while_analyzing_one_post_skips_only_that_post(tmp_path, monkeypatch, jobs):
    original = pipeline._postings

    def flaky(post, schema):
        if "爆発" in post.body:
            raise RecursionError("the analyzer gave up")
        return original(post, schema)

    monkeypatch.setattr(pipeline, "_postings", flaky)
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(pipeline, "_start_context", lambda: multiprocessing.get_context("fork"))  # workers see the patch
    posts = tmp_path / "posts"
    _plain_post(posts, "2024-01-01-boom.md", body="爆発する本文。")
    for number in range(3):
        _plain_post(posts, f"2024-01-0{number + 2}-ok.md")
    stats = rebuild_index(posts, tmp_path / "index", jobs=jobs)
    assert stats.indexed == 3
    assert [(s.path.name, s.reason) for s in stats.skipped] == [("2024-01-01-boom.md", "could not be analyzed: nested too deeply")]
    _plain_post(posts, "2024-01-01-boom.md", body="爆発、もう一度。")  # and in an update
    stats = update_index(posts, tmp_path / "index", jobs=jobs)
    assert stats.incremental and [s.path.name for s in stats.skipped] == ["2024-01-01-boom.md"]


# --------------------------------------------------------------------------------------------
# Files outside the posts folder

def test_a_symlink_to_a_file_outside_is_skipped_unless_allowed(tmp_path):
    posts, outside = tmp_path / "posts", tmp_path / "secret"
    _plain_post(posts, "2024-01-01-ok.md")
    _write(outside, "shadow.md", "---\ntitle: 秘密\n---\nroot:x:0:0 秘密の本文。\n")
    os.symlink("/etc/passwd", posts / "2024-04-02-passwd.md")  # the reproduction
    os.symlink(outside / "shadow.md", posts / "2024-04-03-shadow.md")
    os.symlink(posts / "2024-01-01-ok.md", posts / "2024-04-04-alias.md")  # inside: fine
    items = {Path(i.path).name: i for i in load_posts(posts)}
    for name, target in (("2024-04-02-passwd.md", "/etc/passwd"), ("2024-04-03-shadow.md", "shadow.md")):
        assert isinstance(items[name], SkippedPost)
        assert "outside the posts folder" in items[name].reason and target in items[name].reason
    assert isinstance(items["2024-04-04-alias.md"], Post)
    followed = {Path(i.path).name: i for i in load_posts(posts, follow_links=True)}
    assert isinstance(followed["2024-04-03-shadow.md"], Post) and "秘密の本文" in followed["2024-04-03-shadow.md"].body


def test_a_symlinked_folder_outside_is_reported_not_entered(tmp_path):
    posts, outside = tmp_path / "posts", tmp_path / "elsewhere"
    _plain_post(posts, "2024-01-01-ok.md")
    _plain_post(outside, "2024-02-02-linked.md", title="外の記事")
    os.symlink(outside, posts / "linked")
    assert [p.name for p in find_post_files(posts)] == ["2024-01-01-ok.md", "linked"]
    skipped = read_or_skip(posts / "linked", posts)
    assert isinstance(skipped, SkippedPost) and "folder outside the posts folder" in skipped.reason
    names = [p.name for p in find_post_files(posts, follow_links=True)]
    assert names == ["2024-01-01-ok.md", "2024-02-02-linked.md"]


def test_follow_links_on_the_cli_and_in_the_environment(tmp_path, runner, monkeypatch):
    posts, outside, index = tmp_path / "posts", tmp_path / "elsewhere", tmp_path / "index"
    _plain_post(posts, "2024-01-01-ok.md")
    _plain_post(outside, "2024-02-02-linked.md", title="外の記事")
    os.symlink(outside / "2024-02-02-linked.md", posts / "2024-02-02-linked.md")
    result = runner.invoke(cli, ["reindex", "--posts", str(posts), "--index", str(index)])
    assert "Indexed 1 posts, skipped 1" in result.output and "--follow-links" in result.output
    result = runner.invoke(cli, ["reindex", "--posts", str(posts), "--index", str(index), "--follow-links"])
    assert result.exit_code == 0 and "Indexed 2 posts" in result.output
    assert "because --follow-links was turned on or off" in result.output
    monkeypatch.setenv("KENSAKU_FOLLOW_LINKS", "1")
    result = runner.invoke(cli, ["reindex", "--posts", str(posts), "--index", str(index)])
    assert result.exit_code == 0 and "Index up to date (2 posts)" in result.output


def test_an_update_rereads_posts_when_follow_links_changes(tmp_path):
    posts, outside, index = tmp_path / "posts", tmp_path / "elsewhere", tmp_path / "index"
    _plain_post(posts, "2024-01-01-ok.md")
    _plain_post(outside, "x.md", title="外の記事")
    os.symlink(outside / "x.md", posts / "2024-02-02-linked.md")
    assert rebuild_index(posts, index).indexed == 1
    stats = update_index(posts, index, follow_links=True)
    assert not stats.incremental and stats.indexed == 2
    assert update_index(posts, index, follow_links=True).unchanged == 2


# --------------------------------------------------------------------------------------------
# URLs: every URL is a path on the site

SITE = "https://blog.example.com"
HOSTILE_PERMALINKS = [
    "javascript://x%0Aalert(1)",          # the issue's
    "https://evil.example/phish",         # the issue's
    "JavaScript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)", "\x01javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "mailto:a@evil.example",
    "http://blog.example.com.evil.example/x", "https://blog.example.com@evil.example/x",
    "https://user@blog.example.com/x", "ftp://blog.example.com/x", "https://blog.example.com:8443/x",
]
SAFE_PATHS = ["//evil.example/x", "/\\evil.example/x", "\\\\evil.example\\x", "/%2F%2Fevil.example",
              "/\t/evil.example", "/ /evil.example", "/\x00/evil.example", "/:year/:title/"]


def site_url(url: str, base_url: str) -> bool:
    """Whether ``url`` is a path on the site (or an http(s) URL on the base URL's host), as a browser reads it."""
    if CONTROL_CHARACTERS.search(url) or "\\" in url or re.search(r"\s", url):
        return False
    page = (base_url or "https://site.invalid").rstrip("/") + "/page/"
    target, base = urlsplit(urljoin(page, url)), urlsplit(page)
    return target.scheme in ("http", "https") and target.netloc == base.netloc


@pytest.mark.parametrize("base_url", ["", SITE, SITE + "/blog"])
@pytest.mark.parametrize("permalink", HOSTILE_PERMALINKS)
def test_hostile_permalinks_are_reported_and_the_default_url_used(base_url, permalink):
    url = post_url("2024-01-05-hello.md", datetime(2024, 1, 5, tzinfo=timezone.utc), (), permalink, base_url)
    assert url == base_url + "/2024/01/05/hello.html"
    assert "not a path on" in permalink_problem(permalink, base_url)


@pytest.mark.parametrize("permalink", SAFE_PATHS)
def test_path_permalinks_stay_on_the_site(permalink):
    for base_url in ("", SITE):
        url = post_url("x.md", datetime(2024, 1, 5, tzinfo=timezone.utc), (), permalink, base_url)
        assert site_url(url, base_url), url


def test_a_permalink_on_the_site_s_own_host_is_kept():
    assert post_url("x.md", None, (), SITE + "/about/", SITE) == SITE + "/about/"
    assert permalink_problem(SITE + "/about/", SITE) is None
    assert permalink_problem(SITE + "/about/", "") is not None  # no base URL: no host is ours


@settings(max_examples=500, deadline=None)
@given(permalink=st.one_of(
    st.text(max_size=40),
    st.builds(lambda scheme, sep, rest: scheme + sep + rest,
              st.sampled_from(["javascript", "JAVASCRIPT", "data", "http", "https", "vbscript", "file", "", " ", "\t"]),
              st.sampled_from([":", "://", ":/", ":\\\\", "\n:", "://\t"]), st.text(max_size=20)),
    st.builds(lambda a, b: a + b, st.sampled_from(["/", "//", "\\", "/\\", "\\/", "%2F", " /"]), st.text(max_size=20)),
), base_url=st.sampled_from(["", SITE, SITE + "/blog/"]))
def test_no_permalink_yields_a_url_off_the_site(permalink, base_url):
    url = post_url("2024-01-05-hello.md", datetime(2024, 1, 5, tzinfo=timezone.utc), ("cat",), permalink, base_url)
    assert site_url(url, base_url), (permalink, url)


def test_the_api_and_page_return_only_site_urls(tmp_path):
    from web import create_app

    posts, index = tmp_path / "posts", tmp_path / "index"
    for number, permalink in enumerate(HOSTILE_PERMALINKS[:6] + SAFE_PATHS[:3]):
        _write(posts, f"2024-01-{number + 1:02d}-p{number}.md",
               f"---\ntitle: 猫の記事{number}\npermalink: {json.dumps(permalink)}\ntags: [猫]\n---\n"
               f"猫が好きです。猫と暮らす。{'犬鳥魚虫馬'[number // 2]}も少し。\n")
    stats = rebuild_index(posts, index, base_url=SITE)
    warned = {path.name for path, message in stats.warnings if "permalink" in message}
    assert warned == {f"2024-01-{n + 1:02d}-p{n}.md" for n in range(6)}
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    hits = client.get("/api/search", query_string={"q": "猫", "per_page": 50}).get_json()["hits"]
    assert len(hits) == 9 and all(site_url(hit["url"], SITE) for hit in hits)
    related = client.get("/api/related", query_string={"id": hits[0]["id"]}).get_json()["related"]
    assert related and all(site_url(post["url"], SITE) for post in related)
    suggestions = client.get("/api/suggest", query_string={"q": "猫の"}).get_json()["suggestions"]
    assert all(site_url(s["url"], SITE) for s in suggestions if "url" in s)
    page = client.get("/search", query_string={"q": "猫"}).get_data(as_text=True)
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(site_url(href.replace("&amp;", "&"), SITE) for href in hrefs), hrefs


# --------------------------------------------------------------------------------------------
# Jekyll's other date forms

@pytest.mark.parametrize("text, expected", [
    ("Jan 5, 2024", datetime(2024, 1, 5, tzinfo=timezone.utc)),
    ("05 Jan 2024", datetime(2024, 1, 5, tzinfo=timezone.utc)),
    ("January 5 2024 10:30", datetime(2024, 1, 5, 10, 30, tzinfo=timezone.utc)),
    ("5 January 2024 9:30pm", datetime(2024, 1, 5, 21, 30, tzinfo=timezone.utc)),
    ("Fri, 05 Jan 2024 10:00:00 JST", datetime(2024, 1, 5, 10, tzinfo=timezone(timedelta(hours=9)))),
    ("Sat Jan 6 10:00:00 +0900 2024", datetime(2024, 1, 6, 10, tzinfo=timezone(timedelta(hours=9)))),
    ("2024-01-05 10:00 PST", datetime(2024, 1, 5, 10, tzinfo=timezone(timedelta(hours=-8)))),
    ("10/11/2012", datetime(2012, 11, 10, tzinfo=timezone.utc)),  # Ruby: day first
    ("2024/1/5", datetime(2024, 1, 5, tzinfo=timezone.utc)),
    ("2024.01.05", datetime(2024, 1, 5, tzinfo=timezone.utc)),
])
def test_jekyll_date_forms(text, expected):
    assert parse_date(text) == expected and parse_date(text).utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("text, reason", [("January 2024", "incomplete"), ("Jan 5", "incomplete"),
                                          ("someday", "not a recognised"), ("Feb 30, 2024", "not a recognised")])
def test_dates_jekyll_would_read_differently_by_build_day_are_refused(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_date(text)


# --------------------------------------------------------------------------------------------
# Encodings

@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_read(tmp_path, encoding):
    text = "---\ntitle: 猫の記事\ntags: [猫]\n---\r\n吾輩は猫である。\n"
    bom = {"utf-16-le": "\ufeff", "utf-16-be": "\ufeff"}.get(encoding, "")
    post = read_post(_write(tmp_path, "x.md", (bom + text).encode(encoding)), tmp_path)
    assert (post.title, post.tags, post.body) == ("猫の記事", ("猫",), "吾輩は猫である。")


@pytest.mark.parametrize("encoding, order", [("utf-16-le", "little"), ("utf-16-be", "big")])
def test_utf16_without_a_byte_order_mark_is_named(tmp_path, encoding, order):
    path = _write(tmp_path, "x.md", "---\ntitle: cat\n---\nbody text\n".encode(encoding))
    with pytest.raises(PostFormatError, match=f"UTF-16 text \\({order}-endian\\) without a byte order mark"):
        read_post(path, tmp_path)


# --------------------------------------------------------------------------------------------
# Duplicate URLs

def test_two_posts_with_one_url_are_reported_with_both_files(tmp_path):
    posts, index = tmp_path / "posts", tmp_path / "index"
    _write(posts, "2024-01-01-a.md", "---\ntitle: A\npermalink: /same/\n---\n本文。\n")
    _write(posts, "2024-01-02-b.md", "---\ntitle: B\npermalink: /same/\n---\n本文。\n")
    _plain_post(posts, "2024-01-03-c.md")
    stats = rebuild_index(posts, index)
    [(path, message)] = stats.warnings
    assert path.name == "2024-01-01-a.md" and "/same/" in message and "2024-01-02-b.md" in message
    _write(posts, "2024-01-03-c.md", "---\ntitle: C\npermalink: /same/\n---\n本文。\n")  # an update too
    stats = update_index(posts, index)
    assert stats.incremental
    [(path, message)] = stats.warnings
    assert path.name == "2024-01-03-c.md" and "2024-01-01-a.md" in message and "2024-01-02-b.md" in message


# --------------------------------------------------------------------------------------------
# Controls and structures in the front matter

BIDI_AND_CONTROLS = "\u202e\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\x00\x01\x07\x1b\x7f\x85\x9b"


def test_bidi_and_control_characters_never_reach_posts(tmp_path):
    evil = "\u202eevil\x1b[31m\x07"
    text = (f"---\ntitle: {json.dumps('猫' + evil)}\ntags: [{json.dumps('タグ' + evil)}]\n"
            f"categories: {json.dumps('分類' + evil)}\nauthor: {{name: {json.dumps('山田' + evil)}}}\n"
            f"excerpt: {json.dumps('抜粋' + evil)}\n---\n本文{evil}です。\n")
    post = read_post(_write(tmp_path, "x.md", text), tmp_path)
    assert post.title == "猫evil[31m" and post.tags == ("タグevil[31m",)
    for value in (post.title, *post.tags, *post.categories, post.author, post.excerpt, post.body):
        assert not CONTROL_CHARACTERS.search(value), repr(value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.sampled_from(BIDI_AND_CONTROLS), st.characters(codec="utf-8"),
                          st.sampled_from("猫 a")), min_size=1, max_size=30).map("".join))
def test_random_controls_in_front_matter_never_reach_a_post(tmp_path, value):
    text = (f"---\ntitle: {json.dumps(value)}\ntags: [{json.dumps(value)}, x]\n"
            f"author: {json.dumps(value)}\nexcerpt: {json.dumps(value)}\n---\n本文{value}\n")
    item = read_or_skip(_write(tmp_path, "x.md", text), tmp_path)
    if isinstance(item, Post):
        for field in (item.title, *item.tags, *item.categories, item.author, item.excerpt, item.body):
            assert not CONTROL_CHARACTERS.search(field), repr(field)


def test_controls_never_reach_the_json_or_the_page(tmp_path):
    from web import create_app

    posts, index = tmp_path / "posts", tmp_path / "index"
    evil = BIDI_AND_CONTROLS.replace("\x00", "")
    _write(posts, "2024-01-01-x.md", f"---\ntitle: {json.dumps('猫の' + evil + '記事')}\n"
                                     f"tags: [{json.dumps('猫' + evil)}]\nauthor: {json.dumps('山' + evil)}\n"
                                     f"excerpt: {json.dumps('抜' + evil)}\n---\n猫{evil}が好き。\n")
    rebuild_index(posts, index)
    client = create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
    answer = client.get("/api/search", query_string={"q": "猫"}).get_data(as_text=True)
    assert json.loads(answer)["total"] == 1
    page = client.get("/search", query_string={"q": "猫"}).get_data(as_text=True)
    for text in (json.dumps(json.loads(answer), ensure_ascii=False), page):
        assert not CONTROL_CHARACTERS.search(text.replace("\t", "").replace("\n", ""))


@pytest.mark.parametrize("front_matter, field, expected, warning", [
    ("title: {ja: 猫, en: cat}", "title", "Fallback heading", "title is a mapping"),
    ("title: [猫, 犬]", "title", "猫 犬", "title is a list"),
    ("title: x\ntags: [猫, {a: b}, [犬]]", "tags", ("猫", "犬"), "tags holds a mapping"),
    ("title: x\nauthor: {twitter: x}", "author", "", "author is a mapping without a name"),
    ("title: x\nauthor: [{name: 山田}, {url: x}]", "author", "山田", "author is a mapping without a name"),
    ("title: x\nexcerpt: {a: b}", "excerpt", "", "excerpt is a mapping"),
])
def test_structures_where_text_is_expected_are_reported_not_shown_as_repr(tmp_path, front_matter, field,
                                                                          expected, warning):
    post = read_post(_write(tmp_path, "x.md", f"---\n{front_matter}\n---\n# Fallback heading\n\n本文。\n"), tmp_path)
    assert getattr(post, field) == expected
    assert any(warning in message for message in post.warnings), post.warnings
    shown = " ".join([post.title, *post.tags, post.author, post.excerpt])
    assert "{" not in shown and "[" not in shown and "'" not in shown


def test_skipped_file_names_are_printed_with_controls_escaped(tmp_path, runner):
    posts = tmp_path / "posts"
    _plain_post(posts, "2024-01-01-ok.md")
    _write(posts, "evil\x1b]0;PWNED\x07.md", "---\ntitle: [閉じていない\n---\n本文\n")
    _write(posts, "rtl\u202egnp.md", "---\ntitle: ok\npermalink: javascript:alert(1)\n---\n本文\n")
    result = runner.invoke(cli, ["reindex", "--posts", str(posts), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    assert "evil\\x1b]0;PWNED\\x07.md: invalid YAML" in result.output
    assert "rtl\\u202egnp.md: permalink" in result.output
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", result.output)


def test_escaped_shows_every_unprintable_character():
    assert escaped("a\x1b]0;x\x07\u202eb\udcff\x85") == "a\\x1b]0;x\\x07\\u202eb\\udcff\\x85"
    assert escaped("普通の名前.md") == "普通の名前.md"


def test_a_file_too_large_is_never_read_whole_and_stays_skipped(tmp_path, monkeypatch):
    import search.indexing.manifest as manifest

    monkeypatch.setattr(reader, "MAX_POST_BYTES", 1000)
    monkeypatch.setattr(manifest, "MAX_POST_BYTES", 1000)
    posts, index = tmp_path / "posts", tmp_path / "index"
    _plain_post(posts, "2024-01-01-ok.md")
    _write(posts, "2024-01-02-big.md", "---\ntitle: 大きい\n---\n" + "あ" * 1000)
    assert [s.path.name for s in rebuild_index(posts, index).skipped] == ["2024-01-02-big.md"]
    read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes",
                        lambda self: pytest.fail(f"{self} read whole") if "big" in self.name else read_bytes(self))
    stats = update_index(posts, index)
    assert stats.incremental and stats.unchanged == 1 and [s.path.name for s in stats.skipped] == ["2024-01-02-big.md"]


@pytest.mark.parametrize("raw_name", [
    b"2024-01-20-\xff\xfe-bad.md",                     # bytes no encoding reads
    "2024-01-21-東京.md".encode("cp932"),              # a Shift_JIS name from a Windows zip
    b"2024-01-22-\xed\xa0\x80.md",                     # an encoded lone surrogate
], ids=["invalid-bytes", "shift-jis", "surrogate"])
def test_a_file_name_that_is_not_utf8_is_skipped_and_the_rest_indexed(tmp_path, raw_name):
    """A name os.walk returns with lone surrogates reached Whoosh and the manifest and crashed the reindex."""
    posts, index = tmp_path / "posts", tmp_path / "index"
    posts.mkdir()
    (Path(os.fsdecode(os.fsencode(posts) + b"/" + raw_name))).write_text("---\ntitle: t\n---\n本文。\n", encoding="utf-8")
    for number in range(2):
        _plain_post(posts, f"2024-04-0{number + 2}-ok.md", title=f"普通{number}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENSAKU_")}
    for run in ("rebuild", "update"):  # the update reads the manifest that records the skipped name
        done = subprocess.run([KENSAKU, "reindex", "--posts", str(posts), "--index", str(index)],
                              capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 0, (run, done.stderr)
        assert "skipped 1" in done.stdout, (run, done.stdout)
        assert "file name is not UTF-8" in done.stdout, (run, done.stdout)
    hits = [post.post_id for post in load_posts(posts) if isinstance(post, Post)]
    assert sorted(hits) == ["2024-04-02-ok.md", "2024-04-03-ok.md"]
