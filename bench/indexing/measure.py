"""One measurement of ``python -m bench.indexing``, run in a fresh process; prints one JSON line.

``janome POSTS_DIR``: a single process runs Janome (with the user dictionary the index would
get) over exactly the text the index's Janome fields are given, cut into the lines the analyzer
hands Janome; only the tokenization is timed.

``rebuild POSTS_DIR INDEX_DIR JOBS [cold]``: a full :func:`search.indexing.rebuild.rebuild_index`, timed
whole (reading the posts, the user dictionary, analysis, writing, switching), with the CPU time of
this process and of its workers, the lines Janome analyzed and those the morpheme cache gave, and
the sizes of the new generation and of the cache; ``cold`` deletes the morpheme cache first.

``update POSTS_DIR INDEX_DIR``: one :func:`search.indexing.update.update_index` (library call only).
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def janome_only(posts_dir: Path) -> dict:
    from janome.tokenizer import Tokenizer

    from search.analysis.morphemes import JANOME_CHUNK_CHARS
    from search.analysis.analyzers import WordTokenizer
    from search.analysis.dictionary import dictionary_entries, write_dictionary
    from search.analysis.normalize import normalize_with_offsets
    from search.indexing.pipeline import read_item
    from search.posts.reader import Post, find_post_files
    from search.indexing.schema import build_schema, post_to_document

    posts = [read_item(path, posts_dir) for path in find_post_files(posts_dir)]
    posts = [post for post in posts if isinstance(post, Post)]
    dictionary = Path(tempfile.mkdtemp()) / "userdic.csv"
    write_dictionary(dictionary_entries([k for p in posts for k in (*p.tags, *p.categories)]), dictionary)
    schema = build_schema(str(dictionary))
    texts = []
    for post in posts:
        for name, value in post_to_document(post).items():
            # Each distinct text of the Janome (word and reading) fields, as morphemes() caches it.
            if isinstance(getattr(schema[name], "analyzer", None), WordTokenizer) and value not in texts[-4:]:
                texts.append(value)
    chunks = []
    for text in texts:
        for line in normalize_with_offsets(text).text.split("\n"):
            for start in range(0, len(line), JANOME_CHUNK_CHARS):
                chunk = line[start:start + JANOME_CHUNK_CHARS]
                if chunk.strip():
                    chunks.append(chunk)
    tokenizer = Tokenizer(str(dictionary), udic_enc="utf8", udic_type="simpledic")
    tokens = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    for chunk in chunks:
        for _ in tokenizer.tokenize(chunk):
            tokens += 1
    return {"wall_s": time.perf_counter() - started, "cpu_s": time.process_time() - cpu_started,
            "posts": len(posts), "chars": sum(len(t) for t in texts),
            "unique_chunk_chars": sum(len(c) for c in set(chunks)), "tokens": tokens}


def rebuild(posts_dir: Path, index_dir: Path, jobs: int, cold: bool = False) -> dict:
    from search.analysis.morpheme_cache import CACHE_FILE
    from search.indexing.rebuild import rebuild_index
    from search.posts.markdown_cache import CACHE_FILE as MARKDOWN_CACHE_FILE

    caches = [index_dir / CACHE_FILE, index_dir / MARKDOWN_CACHE_FILE]
    if cold:
        for cache in caches:
            cache.unlink(missing_ok=True)
    started = time.perf_counter()
    stats = rebuild_index(posts_dir, index_dir, jobs=jobs)
    wall_s = time.perf_counter() - started
    return {"wall_s": wall_s, "cpu_self_s": _cpu(resource.RUSAGE_SELF),
            "cpu_workers_s": _cpu(resource.RUSAGE_CHILDREN), "posts": stats.indexed,
            "skipped": len(stats.skipped), "jobs": jobs, "janome_chunks": stats.janome_chunks,
            "cached_chunks": stats.cached_chunks, "cached_markdown": stats.cached_markdown,
            "cache_bytes": sum(cache.stat().st_size for cache in caches if cache.exists()),
            "index_bytes": sum(p.stat().st_size for p in stats.index_dir.iterdir() if p.is_file())}


def update(posts_dir: Path, index_dir: Path) -> dict:
    from search.indexing.update import update_index

    started = time.perf_counter()
    stats = update_index(posts_dir, index_dir)
    return {"wall_s": time.perf_counter() - started, "incremental": stats.incremental,
            "indexed": stats.indexed, "summary": stats.summary()}


def main(argv: list[str]) -> None:
    kind, args = argv[0], argv[1:]
    if kind == "janome":
        result = janome_only(Path(args[0]))
    elif kind == "rebuild":
        result = rebuild(Path(args[0]), Path(args[1]), int(args[2]), args[3:] == ["cold"])
    elif kind == "update":
        result = update(Path(args[0]), Path(args[1]))
    else:
        raise SystemExit(f"unknown measurement {kind!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
