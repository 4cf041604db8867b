"""Index the posts of the variant groups and query every spelling through the product's real path.

One Markdown post per spelling that is written in posts (its group's sentence around it), plus
filler posts, go into a temporary folder; :func:`search.indexing.rebuild.rebuild_index` indexes
them as ``kensaku reindex`` does, and :func:`search.querying.searcher.search_posts` answers each
query as ``kensaku query`` does. Only the hits among the queried group's own posts count.

* **recall**: over the pairs (query spelling, post of another positive spelling of the group),
  the share of pairs whose post the query found;
* **self**: the share of positive queries that found the post written in their own spelling;
* **false matches**: over the pairs (positive query, negative's post) and (negative query,
  positive's post), the share whose post was found (and how many of those the searcher
  labelled a partial match, where its hits carry ``match_level``);
* **snippet faults** (kinds 6, 7, 9): over the positive posts found, the share whose snippet
  breaks the spelling with a highlight tag or shows a furigana reading inline
  (:meth:`bench.variants.data.Group.snippet_fault`).
"""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench.variants.data import FILLER, SNIPPET_KINDS, Group, Spelling

#: Hits looked at per query, at most (pages of the searcher's largest page size).
MAX_PAGES = 10


@dataclass
class KindResult:
    """Counts of one kind (or of all): pairs tried and found, and the failing pairs."""

    groups: int = 0
    queries: int = 0
    recall_pairs: int = 0
    recall_found: int = 0
    self_pairs: int = 0
    self_found: int = 0
    false_pairs: int = 0
    false_found: int = 0
    false_partial: int = 0
    snippet_pairs: int = 0
    snippet_faults: int = 0
    missed: list[tuple[str, str, str]] = field(default_factory=list)  # (group, query, post spelling)
    false: list[tuple[str, str, str]] = field(default_factory=list)
    snippets: list[tuple[str, str, str, str]] = field(default_factory=list)  # (group, query, post, fault)

    def add(self, other: KindResult) -> None:
        for name in ("groups", "queries", "recall_pairs", "recall_found", "self_pairs", "self_found",
                     "false_pairs", "false_found", "false_partial", "snippet_pairs", "snippet_faults"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def recall(self) -> float:
        return self.recall_found / self.recall_pairs if self.recall_pairs else 1.0

    @property
    def self_rate(self) -> float:
        return self.self_found / self.self_pairs if self.self_pairs else 1.0

    @property
    def snippet_rate(self) -> float:
        return self.snippet_faults / self.snippet_pairs if self.snippet_pairs else 0.0

    @property
    def false_rate(self) -> float:
        return self.false_found / self.false_pairs if self.false_pairs else 0.0


def post_markdown(title: str, text: str) -> str:
    return f"---\ntitle: {title}\ndate: 2024-03-01 09:00:00 +0900\n---\n\n{text}\n"


def write_posts(groups: list[Group], folder: Path) -> dict[str, tuple[Group, Spelling]]:
    """Write one post per spelling used in posts, and the filler posts; return post id → spelling."""
    folder.mkdir(parents=True, exist_ok=True)
    by_post: dict[str, tuple[Group, Spelling]] = {}
    for group in groups:
        for number, spelling in enumerate(group.spellings):
            if not spelling.in_posts:
                continue
            name = f"{group.group_id}-{number}.md"
            (folder / name).write_text(post_markdown("覚え書き", group.post_text(spelling)), encoding="utf-8")
            by_post[name] = (group, spelling)
    for number in range(max(60, len(by_post) // 5)):
        lines = [FILLER[(number * 7 + k) % len(FILLER)] for k in range(3)]
        (folder / f"filler-{number:03d}.md").write_text(post_markdown("日々のこと", "\n\n".join(lines)), encoding="utf-8")
    return by_post


def found_posts(index, query: str, wanted: set[str]) -> tuple[dict, str]:
    """The hits among the posts ``wanted`` that ``query`` finds (any page), by post id, and the match mode."""
    from search.errors import QueryError
    from search.querying.searcher import MAX_PER_PAGE, search_posts

    found: dict = {}
    mode = "none"
    for page in range(1, MAX_PAGES + 1):
        try:
            result = search_posts(index, query, page=page, per_page=MAX_PER_PAGE, facets=False)
        except QueryError as exc:
            return found, f"error: {exc}"
        mode = result.match_mode if page == 1 else mode
        found.update({hit.post_id: hit for hit in result.hits if hit.post_id in wanted})
        if len(found) == len(wanted) or page >= result.page_count:
            break
    return found, mode


def _partial(hit) -> str:
    """`` [partial]`` for a hit the searcher marks as a partial match (``match_level``, where it has one)."""
    return " [partial]" if getattr(hit, "match_level", "full") == "partial" else ""


def measure(groups: list[Group], workdir: Path | None = None) -> tuple[dict[int, KindResult], dict]:
    """Index the groups' posts, run every query; return the results per kind and timings."""
    from search.indexing.index import open_index
    from search.indexing.rebuild import rebuild_index

    with tempfile.TemporaryDirectory(prefix="variants-", dir=workdir) as tmp:
        posts_dir, index_root = Path(tmp) / "posts", Path(tmp) / "index"
        by_post = write_posts(groups, posts_dir)
        started = time.perf_counter()
        rebuild_index(posts_dir, index_root, jobs=1)
        index_s = time.perf_counter() - started
        index = open_index(index_root)
        post_of: dict[tuple[str, int], str] = {}
        for post_id, (group, spelling) in by_post.items():
            post_of[(group.group_id, group.spellings.index(spelling))] = post_id
        results: dict[int, KindResult] = defaultdict(KindResult)
        modes: dict[str, int] = defaultdict(int)
        started = time.perf_counter()
        for group in groups:
            kind = results[group.kind]
            kind.groups += 1
            own = {post_of[(group.group_id, i)]: s for i, s in enumerate(group.spellings) if s.in_posts}
            for query in (s for s in group.spellings if s.as_query):
                kind.queries += 1
                found, mode = found_posts(index, query.text, set(own))
                modes[mode] += 1
                for post_id, post in own.items():
                    hit = post_id in found
                    if hit and query.positive and post.positive and group.kind in SNIPPET_KINDS:
                        kind.snippet_pairs += 1
                        fault = group.snippet_fault(post, found[post_id].snippet_html)
                        if fault:
                            kind.snippet_faults += 1
                            kind.snippets.append((group.group_id, query.text, post.text, fault))
                    if query.positive and post.positive:
                        if post.text == query.text:
                            kind.self_pairs += 1
                            kind.self_found += hit
                            if not hit:
                                kind.missed.append((group.group_id, query.text, post.text + " (itself)"))
                        else:
                            kind.recall_pairs += 1
                            kind.recall_found += hit
                            if not hit:
                                kind.missed.append((group.group_id, query.text, post.text))
                    elif query.positive != post.positive:
                        kind.false_pairs += 1
                        kind.false_found += hit
                        if hit:
                            partial = _partial(found[post_id])
                            kind.false_partial += bool(partial)
                            kind.false.append((group.group_id, query.text, post.text + partial))
        query_s = time.perf_counter() - started
    return dict(sorted(results.items())), {"posts": len(list(by_post)), "index_s": index_s, "query_s": query_s,
                                           "modes": dict(modes)}
