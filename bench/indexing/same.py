"""``python -m bench.indexing.same``: does this tree index a sample of posts exactly as a baseline
tree does? (Issue 14: cutting the CPU outside Janome must not change the index.)

Copies every n-th post file of ``../shared/corpus`` (``--sample``) to a temporary folder, rebuilds
it with the baseline's code and with this tree's (serially, or ``--jobs`` processes), each in a
fresh process, cold and then warm (morpheme cache full), and compares the served generations: every file of the segment (the
segment id left out), field-length totals, document count, every other file of the generation
(the user dictionary, bigram filters, suggestion vocabulary, ...; ``kensaku.json``/``posts.json``
without their times). Exits 1 and names what differs.

    nice -n 10 python -m bench.indexing.same --baseline /work/main --sample 150
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.indexing.__main__ import CORPUS, REPO, SITES, _copy_corpus

#: Parts of JSON keys whose values hold times, absolute paths or segment file names and digests.
VOLATILE = ("built", "elapsed", "time", "created", "folder", "posts_dir", "files")


def build(tree: str, posts: str, root: str, jobs: str = "1") -> None:
    """A cold rebuild and a warm one with the code of ``tree`` (in this process), ``jobs`` processes."""
    sys.path.insert(0, tree)
    from search.indexing.rebuild import rebuild_index

    rebuild_index(Path(posts), Path(root), jobs=int(jobs))
    (Path(root) / "morphemes.cache").exists() or print("no morpheme cache", file=sys.stderr)
    rebuild_index(Path(posts), Path(root), jobs=int(jobs))


def contents(root: Path) -> dict[str, object]:
    """Everything the served generation of ``root`` holds, segment id left out."""
    from whoosh import index as whoosh_index

    generation = (root / "current").resolve()
    ix = whoosh_index.open_dir(str(generation))
    (segment,) = ix._segments()
    files = segment.open_compound_file(ix.storage)
    segid = segment.segment_id()
    found: dict[str, object] = {f"segment {name.replace(segid, 'SEG')}": files.open_file(name).read()
                                for name in files.list()}
    found["field lengths"] = dict(segment._fieldlengths)
    found["documents"] = segment.doc_count_all()
    ix.close()
    for path in sorted(generation.iterdir()):
        if path.is_dir() or path.name.endswith((".seg", ".toc")) or "WRITELOCK" in path.name:
            continue
        data = path.read_bytes()
        if path.suffix == ".json":
            data = _without_volatile(json.loads(data))
        found[f"file {path.name}"] = data
    return found


def _without_volatile(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_volatile(v) for k, v in value.items() if not any(word in k for word in VOLATILE)}
    if isinstance(value, list):
        return [_without_volatile(v) for v in value]
    return value


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.indexing.same", description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, default=REPO.parent / "main", help="the tree to compare with")
    parser.add_argument("--sample", type=int, default=150, help="post files (every n-th of the corpus)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="processes of each rebuild (1: serial; more: analysis workers and, for this "
                             "tree, the commit's forked encoding)")
    parser.add_argument("--build", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build:
        build(*args.build)
        return 0
    with tempfile.TemporaryDirectory(prefix="kensaku-same-") as temp:
        posts = _copy_corpus(CORPUS, Path(temp) / "posts", SITES, args.sample)
        roots = {}
        for name, tree in (("baseline", args.baseline.resolve()), ("this", REPO)):
            roots[name] = Path(temp) / name
            subprocess.run([sys.executable, "-m", "bench.indexing.same", "--build", str(tree), str(posts),
                            str(roots[name]), str(args.jobs)], cwd=REPO, check=True)
        expected, got = contents(roots["baseline"]), contents(roots["this"])
    differ = sorted(name for name in expected.keys() | got.keys() if expected.get(name) != got.get(name))
    postings = sum(len(v) for k, v in expected.items() if k.endswith(".pst"))
    print(f"{len(expected)} parts compared ({postings:,} bytes of postings): "
          + ("the same" if not differ else "DIFFERENT: " + ", ".join(differ)))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
