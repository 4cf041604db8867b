"""The benchmark's data: documents, queries and relevance judgements, read from ``../shared``.

Nothing here is copied into the repository: every set is read at run time from the shared folder
beside the repository (``--shared`` overrides it). A *set* is a :class:`QuerySet`: the documents
to index, the queries, and for each query the ids of the relevant documents.

- ``jsquad``: JSQuAD v1.3 test questions against all 2,304 Wikipedia paragraphs (title as its own
  field).
- ``known-ruby`` / ``known-mamezou``: known-item search; each title that is unique in its blog and
  at least 4 characters long is a query, and the posts are indexed without titles.
- ``tags-mamezou``: every tag carried by 5 to 60 mamezou posts is a query; posts are indexed with
  titles but without tags; the relevant posts are those carrying the tag.

Blog bodies go through the project's own cleaner (``search.posts.markdown.clean_markdown``) when it can be
imported, else through :func:`crude_clean`, a stand-in that only exists so the harness runs before
the cleaner lands. Which one was used is recorded in the results.
"""

from __future__ import annotations

import collections
import hashlib
import inspect
import json
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter

SET_NAMES = ("jsquad", "known-ruby", "known-mamezou", "tags-mamezou")

BLOGS = {
    "ruby": "ruby__www.ruby-lang.org",
    "mamezou": "mamezou-tech__mamezou-tech-site",
}
#: Each blog's own address, as its owner would give it to a search (``kensaku reindex --base-url``):
#: a system that resolves links between posts (anchor text) may use it to tell the site's own
#: full URLs from links to other sites.
BASE_URLS = {
    "ruby": "https://www.ruby-lang.org",
    "mamezou": "https://developer.mamezou-tech.com",
}

MIN_TITLE_CHARS = 4
TAG_MIN_POSTS = 5
TAG_MAX_POSTS = 60


def default_shared_dir() -> Path:
    """``shared/`` beside the repository root (``/work/main`` -> ``/work/shared``)."""
    return Path(__file__).resolve().parents[2].parent / "shared"


@dataclass(frozen=True)
class Doc:
    """One document as every system sees it.

    ``body`` is the cleaned prose, ``code`` the text of code blocks (empty for JSQuAD). ``title`` is
    empty when the set withholds titles. ``tags`` are never indexed; they only define relevance.
    ``links`` are the ``(target, text)`` Markdown links of a blog post (their text is in ``body``):
    a system that credits link text to the post linked to (anchor text) may use them.
    """

    id: str
    title: str
    body: str
    code: str = ""
    tags: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()

    def text(self, with_code: bool = True) -> str:
        """The body text the baselines index: prose, then code blocks (as a rendered page has them)."""
        if with_code and self.code:
            return f"{self.body}\n\n{self.code}"
        return self.body


@dataclass
class QuerySet:
    name: str
    docs: list[Doc]
    query_ids: list[str]
    queries: list[str]
    qrels: list[frozenset[str]]
    metrics: tuple[str, ...]
    notes: dict = field(default_factory=dict)

    def limit(self, n: int | None) -> "QuerySet":
        """The first ``n`` queries (all documents are still indexed)."""
        if not n:
            return self
        return QuerySet(self.name, self.docs, self.query_ids[:n], self.queries[:n], self.qrels[:n],
                        self.metrics, dict(self.notes, limit=n))


# --- JSQuAD -----------------------------------------------------------------------------------

def load_jsquad(shared: Path, split: str = "test") -> QuerySet:
    base = shared / "relevance" / "jsquad" / "beir_format"
    docs = []
    with open(base / "corpus.jsonl", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            docs.append(Doc(id=d["_id"], title=d.get("title") or "", body=d["text"]))
    qrels: dict[str, set[str]] = collections.defaultdict(set)
    with open(base / "qrels" / f"{split}.tsv", encoding="utf-8") as f:
        next(f)  # header
        for line in f:
            qid, did, score = line.rstrip("\n").split("\t")
            if int(score) > 0:
                qrels[qid].add(did)
    qids, texts, rels = [], [], []
    with open(base / "queries.jsonl", encoding="utf-8") as f:
        for line in f:
            q = json.loads(line)
            if q.get("split") != split or q["_id"] not in qrels:
                continue
            qids.append(q["_id"])
            texts.append(q["text"])
            rels.append(frozenset(qrels[q["_id"]]))
    return QuerySet("jsquad", docs, qids, texts, rels, ("mrr@10", "r@1", "r@10", "zero"),
                    {"split": split, "docs": len(docs)})


# --- Blogs ------------------------------------------------------------------------------------

_FENCE = re.compile(r"^(?P<ind>[ \t]{0,3})(?P<f>`{3,}|~{3,})[^\n]*\n(?P<code>.*?)(?:^(?P=ind)?[ \t]{0,3}(?P=f)[ \t]*$|\Z)",
                    re.M | re.S)
_LIQUID_HL = re.compile(r"{%-?\s*highlight[^%]*%}(?P<code>.*?){%-?\s*endhighlight\s*-?%}", re.S)
_LIQUID = re.compile(r"{%.*?%}|{{.*?}}", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\[[^\]]*\]")
_REFDEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+.*$", re.M)
_LINE_MARK = re.compile(r"^[ \t]*(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+\.\s+|:::\s*\w*|\|)", re.M)
_EMPH = re.compile(r"(\*\*|__|\*|~~|`)")


def crude_clean(markdown: str) -> tuple[str, str, tuple]:
    """A stand-in for ``search.posts.markdown.clean_markdown``: ``(prose, code, ())`` with Markdown mostly removed."""
    text = markdown.replace("\r\n", "\n")
    code: list[str] = []

    def keep_code(m: re.Match) -> str:
        code.append(m.group("code"))
        return "\n"

    text = _LIQUID_HL.sub(keep_code, text)
    text = _FENCE.sub(keep_code, text)
    text = _COMMENT.sub(" ", text)
    text = _LIQUID.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(lambda m: m.group(1) or m.group(2) or "", text)
    text = _REFDEF.sub("", text)
    text = _LINE_MARK.sub("", text)
    text = _EMPH.sub("", text)
    text = text.replace("|", " ")
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip(), "\n".join(c.strip("\n") for c in code), ()


_CLEANER: tuple | None = None


def get_cleaner():
    """``(name, fn)``: the project's cleaner if importable, else the crude stand-in.

    ``fn(markdown) -> (body, code, links)``. ``name`` also fingerprints the cleaner's source, so the
    on-disk cache is rebuilt whenever the cleaner changes.
    """
    global _CLEANER
    if _CLEANER is None:  # decided once per run, so all sets see the same cleaner
        _CLEANER = _find_cleaner()
    return _CLEANER


def _find_cleaner():
    try:
        from search.posts.markdown import clean_markdown  # type: ignore[import-not-found]
    except Exception as exc:  # ImportError, or an error inside a half-written module
        fingerprint = hashlib.sha1(inspect.getsource(crude_clean).encode()).hexdigest()[:10]
        return f"crude_clean ({type(exc).__name__}: {exc}) #{fingerprint}", crude_clean

    def project_clean(markdown: str) -> tuple[str, str, tuple]:
        cleaned = clean_markdown(markdown)
        return cleaned.body, cleaned.code, getattr(cleaned, "links", ())

    try:
        src = Path(inspect.getsourcefile(clean_markdown) or "").read_bytes()
    except (OSError, TypeError):
        src = b""
    fingerprint = hashlib.sha1(src).hexdigest()[:10]
    return f"search.posts.markdown.clean_markdown #{fingerprint}", project_clean


@dataclass(frozen=True)
class BlogPost:
    id: str  # path relative to the blog folder
    title: str
    tags: tuple[str, ...]
    body: str
    code: str
    links: tuple[tuple[str, str], ...] = ()


def _tags(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        value = [value]
    out = []
    for t in value:
        if t is None:
            continue
        t = str(t).strip()
        if t and t not in out:
            out.append(t)
    return tuple(out)


def blog_files(shared: Path, blog: str) -> list[Path]:
    root = shared / "corpus" / BLOGS[blog]
    return sorted(p for p in root.rglob("*.md") if "_licenses" not in p.relative_to(root).parts)


def _load_blog_uncached(shared: Path, blog: str, clean) -> list[BlogPost]:
    root = shared / "corpus" / BLOGS[blog]
    posts = []
    for path in blog_files(shared, blog):
        raw = path.read_text(encoding="utf-8", errors="replace")
        try:
            fm = frontmatter.loads(raw)
            meta, content = fm.metadata, fm.content
        except Exception:  # broken YAML: index the whole file as body, no title
            meta, content = {}, raw
        title = meta.get("title")
        body, code, links = clean(content)
        posts.append(BlogPost(id=path.relative_to(root).as_posix(),
                              title="" if title is None else str(title).strip(),
                              tags=_tags(meta.get("tags")), body=body, code=code, links=links))
    return posts


_MEMO: dict[tuple, list[BlogPost]] = {}


def load_blog(shared: Path, blog: str, cache_dir: Path | None = None) -> tuple[list[BlogPost], dict]:
    """All posts of one blog, cleaned; cached in memory and (if ``cache_dir``) on disk.

    The disk cache key covers the cleaner's source and every file's path, size and mtime.
    """
    cleaner_name, clean = get_cleaner()
    files = blog_files(shared, blog)
    h = hashlib.sha1(cleaner_name.encode())
    for p in files:
        st = p.stat()
        h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    key = (blog, h.hexdigest())
    info = {"cleaner": cleaner_name, "files": len(files), "cache": "memory"}
    if key in _MEMO:
        return _MEMO[key], info
    cache_file = cache_dir / f"blog-{blog}-{key[1][:16]}.pickle" if cache_dir else None
    if cache_file and cache_file.exists():
        with open(cache_file, "rb") as f:
            posts = pickle.load(f)
        info["cache"] = "disk"
    else:
        posts = _load_blog_uncached(shared, blog, clean)
        info["cache"] = "none"
        if cache_file:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            for old in cache_file.parent.glob(f"blog-{blog}-*.pickle"):
                old.unlink()
            tmp = cache_file.with_suffix(".tmp")
            with open(tmp, "wb") as f:
                pickle.dump(posts, f, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(cache_file)
    _MEMO[key] = posts
    return posts, info


def load_known_item(shared: Path, blog: str, cache_dir: Path | None = None) -> QuerySet:
    posts, info = load_blog(shared, blog, cache_dir)
    counts = collections.Counter(p.title for p in posts if p.title)
    docs = [Doc(id=p.id, title="", body=p.body, code=p.code, links=p.links) for p in posts]
    qids, queries, rels = [], [], []
    for p in posts:
        if p.title and counts[p.title] == 1 and len(p.title) >= MIN_TITLE_CHARS:
            qids.append(p.id)
            queries.append(p.title)
            rels.append(frozenset([p.id]))
    return QuerySet(f"known-{blog}", docs, qids, queries, rels, ("mrr@10", "r@10", "zero"),
                    dict(info, docs=len(docs), base_url=BASE_URLS[blog]))


def load_tags(shared: Path, blog: str, cache_dir: Path | None = None) -> QuerySet:
    posts, info = load_blog(shared, blog, cache_dir)
    by_tag: dict[str, set[str]] = collections.defaultdict(set)
    for p in posts:
        for t in p.tags:
            by_tag[t].add(p.id)
    docs = [Doc(id=p.id, title=p.title, body=p.body, code=p.code, links=p.links) for p in posts]  # tags withheld
    tags = sorted(t for t, ids in by_tag.items() if TAG_MIN_POSTS <= len(ids) <= TAG_MAX_POSTS)
    return QuerySet(f"tags-{blog}", docs, [f"tag:{t}" for t in tags], tags,
                    [frozenset(by_tag[t]) for t in tags], ("p@10", "zero"),
                    dict(info, docs=len(docs), base_url=BASE_URLS[blog]))


def load_set(name: str, shared: Path, cache_dir: Path | None = None) -> QuerySet:
    if name == "jsquad":
        return load_jsquad(shared)
    kind, _, blog = name.partition("-")
    if blog not in BLOGS:
        raise ValueError(f"unknown set {name!r}; choose from {', '.join(SET_NAMES)}")
    if kind == "known":
        return load_known_item(shared, blog, cache_dir)
    if kind == "tags":
        return load_tags(shared, blog, cache_dir)
    raise ValueError(f"unknown set {name!r}; choose from {', '.join(SET_NAMES)}")
