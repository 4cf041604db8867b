"""``python -m bench.variants``: does a query in one spelling of a word find the posts written in another?

Issue 17's variant benchmark. ``groups.tsv`` (:mod:`bench.variants.data`) holds 300+ groups of
spellings over the issue's kinds 1–10, drawn from public references (文化庁「送り仮名の付け方」,
内閣告示「外来語の表記」, Groonga's NormalizerNFKC ``unify_*`` options, Sudachi's normalized forms
of words of ``../shared/corpus`` via :mod:`bench.variants.harvest`, Unicode's emoji data), each
with negatives: homophones with other kanji and near spellings that must not match. The runner
(:mod:`bench.variants.measure`) writes one small post per spelling plus filler posts, indexes them
with the real ``rebuild_index`` and queries every spelling with the real ``search_posts``.

Prints recall, self-finding and false matches per kind and overall against the issue's targets
(recall ≥ 0.95, false matches ≤ 1%), writes ``bench/results/variants-<branch>.json`` (with every missed
and every false pair) and replaces the "Spelling variants" section of ``docs/benchmarks.md``
(``--no-docs`` leaves it alone). ``--code DIR`` measures the ``search`` package of another
worktree, or of a commit unpacked with ``git archive COMMIT search | tar -x -C DIR`` (then name it with
``--label "branch commit"``); run it with that worktree's Python when its dependencies differ.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs" / "benchmarks.md"
RESULTS = REPO / "bench" / "results"
SECTION = "## Spelling variants"
HEADING = SECTION + " (`python -m bench.variants`)"
#: A new section goes before this one (the doc's closing how-to), else at the end.
BEFORE = "\n## Running the benchmarks"
TARGET_RECALL = 0.95
TARGET_FALSE = 0.01
INTRO = [
    "`python -m bench.variants` (issue 17; `--code ../wt-x` measures another worktree's `search`; `--code DIR "
    "--label \"branch commit\"` a commit's `search` unpacked into DIR by `git archive COMMIT search | tar -x -C DIR`). "
    "`bench/variants/groups.tsv` holds groups of spellings of one word over the issue's kinds 1–10, each "
    "with its source (内閣告示「送り仮名の付け方」「外来語の表記」「ローマ字のつづり方」, 文化庁「公用文作成の要領」, "
    "Groonga's NormalizerNFKC `unify_*` options, SudachiDict's normalized and reading forms, most of them of words "
    "of the corpus, Unicode's emoji data, HTML ruby) and negatives (homophones with other kanji, near spellings: "
    "公園/講演/公演, 第5章/第15章, C#/C言語). One post per spelling, written in a sentence, plus filler posts, is "
    "indexed with `rebuild_index` and every spelling is queried with `search_posts` (all pages).",
    "",
    "- **recall**: pairs (query in one spelling, post written in another spelling of the word) whose post is found;",
    "- **self**: queries that find the post written in their own spelling (an emoji query finds its post);",
    "- **false matches**: pairs (positive query, negative's post) or (negative query, positive's post) found "
    "(\"partial\": of those, hits the searcher labels `match_level: partial`);",
    "- **snippet faults** (kinds 6, 7, 9): positive posts found whose snippet cuts the spelling with a highlight "
    "tag or shows a furigana reading inline.",
    "",
    f"Targets (issue 17): recall ≥ {TARGET_RECALL}, false matches ≤ {TARGET_FALSE:.0%}. The failing pairs are "
    "listed by `--failures` and kept in `bench/results/variants-<branch>.json`.",
]


def commit_of(folder: Path, path: str = "search") -> str:
    """``branch commit`` of the git worktree ``folder``, ``+uncommitted`` when ``path`` in it has changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=folder, capture_output=True,
                              text=True, check=True).stdout.strip()
        branch = subprocess.run(["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd=folder, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", path], cwd=folder,
                               capture_output=True, text=True, check=True).stdout.strip()
        return f"{branch} {head}" + ("+uncommitted" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def shown_args(argv: list[str] | None) -> list[str]:
    """The command's arguments as the docs show them: paths beside this worktree relative to it, others ``DIR``."""
    shown = []
    for arg in sys.argv[1:] if argv is None else argv:
        path = Path(arg)
        if path.is_absolute():
            arg = os.path.relpath(path, REPO) if path.is_relative_to(REPO.parent) else "DIR"
        shown.append(shlex.quote(arg))
    return shown


def table(results: dict, kinds: dict) -> list[str]:
    from bench.variants.measure import KindResult

    lines = ["| kind | groups | queries | recall | self | false matches | snippet faults |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    total = KindResult()

    def row(name: str, r: KindResult) -> str:
        own = f"{r.self_rate:.3f}" if r.self_pairs else "–"
        partial = f"; {r.false_partial} partial" if r.false_partial else ""
        snippets = f"{100 * r.snippet_rate:.1f}% ({r.snippet_faults}/{r.snippet_pairs})" if r.snippet_pairs else "–"
        return (f"| {name} | {r.groups} | {r.queries} | {r.recall:.3f} ({r.recall_found}/{r.recall_pairs}) | "
                f"{own} | {100 * r.false_rate:.1f}% ({r.false_found}/{r.false_pairs}{partial}) | {snippets} |")

    for kind, r in results.items():
        total.add(r)
        lines.append(row(f"{kind}. {kinds[kind]}", r))
    lines.append(row("**all**", total))
    return lines


def write_docs(intro: list[str], label: str, block: list[str]) -> None:
    """Put ``block`` under the heading ``### label`` of the "Spelling variants" section of
    docs/benchmarks.md, replacing that heading's previous block and keeping the others (one per
    branch measured); create the file or the section when missing, and leave the other sections."""
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    start = text.find(SECTION)
    if start < 0:
        cut = text.find(BEFORE)
        cut = len(text) if cut < 0 else cut + 1
        before, old, after = text[:cut].rstrip("\n") + "\n\n", "", text[cut:]
    else:
        end = text.find("\n## ", start + len(SECTION))
        end = len(text) if end < 0 else end + 1
        before, old, after = text[:start], text[start:end], text[end:]
    blocks = {}
    for chunk in old.split("\n### ")[1:]:
        heading, _, body = chunk.partition("\n")
        blocks[heading.strip()] = body.strip("\n").split("\n")
    blocks[label] = block
    section = [HEADING, "", *intro, ""]
    for heading, body in blocks.items():
        section += [f"### {heading}", "", *body, ""]
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(before + "\n".join(section) + ("\n" + after if after else ""), encoding="utf-8")


def select_groups(groups: list, kinds: str | None, per_kind: int | None) -> list:
    """The groups of ``kinds`` (comma-separated numbers; None: all), the first ``per_kind`` of each."""
    if kinds:
        wanted = {int(k) for k in kinds.split(",")}
        groups = [g for g in groups if g.kind in wanted]
    if per_kind:
        kept: dict[int, list] = {}
        for group in groups:
            kept.setdefault(group.kind, [])
            if len(kept[group.kind]) < per_kind:
                kept[group.kind].append(group)
        groups = [g for kind_groups in kept.values() for g in kind_groups]
    return groups


def print_failures(results: dict, kinds: dict) -> None:
    """Every missed pair, false match and snippet fault, by kind, as Markdown lists."""
    for kind, r in results.items():
        print(f"\n### {kind}. {kinds[kind]}: missed (query → post)")
        print("\n".join(f"- {g}: {q} → {p}" for g, q, p in r.missed) or "- none")
        print(f"### {kind}. {kinds[kind]}: false matches (query → post)")
        print("\n".join(f"- {g}: {q} → {p}" for g, q, p in r.false) or "- none")
        if r.snippet_pairs:
            print(f"### {kind}. {kinds[kind]}: snippet faults (query → post: fault)")
            print("\n".join(f"- {g}: {q} → {p}: {f}" for g, q, p, f in r.snippets) or "- none")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.variants", description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=Path, help="the groups file (default: bench/variants/groups.tsv)")
    parser.add_argument("--kinds", help="comma-separated kind numbers to run (default: all)")
    parser.add_argument("--per-kind", type=int, help="the first N groups of each kind only")
    parser.add_argument("--code", type=Path, help="measure the search package of this worktree")
    parser.add_argument("--label", help="name the measured code so (default: its worktree's branch and commit), "
                        "for a --code folder that is not a git worktree (a `git archive` of a commit)")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    parser.add_argument("--failures", action="store_true", help="print every missed and false pair")
    parser.add_argument("--check-targets", action="store_true",
                        help=f"exit 1 when a kind misses recall ≥ {TARGET_RECALL} or false matches ≤ {TARGET_FALSE * 100:.0f}%%")
    args = parser.parse_args(argv)
    if args.code:
        if not (args.code / "search" / "__init__.py").is_file():
            parser.error(f"--code {args.code}: no search package there")
        sys.path.insert(0, str(args.code.resolve()))
        for name in [m for m in sys.modules if m == "search" or m.startswith("search.")]:
            del sys.modules[name]
    from bench.variants.data import GROUPS_FILE, KINDS, load_groups
    from bench.variants.measure import measure

    import search
    code_dir = Path(search.__file__).resolve().parents[1]
    if args.code and code_dir != args.code.resolve():
        parser.error(f"--code {args.code}: search was imported from {code_dir} instead")
    groups = select_groups(load_groups(args.groups or GROUPS_FILE), args.kinds, args.per_kind)
    measured = args.label or commit_of(code_dir)
    bench_commit = commit_of(REPO, "bench/variants")
    print(f"measuring {measured} ({code_dir}) on {len(groups)} groups", file=sys.stderr, flush=True)
    results, timing = measure(groups)
    lines = table(results, KINDS)
    print("\n".join(lines))
    print(f"\n{timing['posts']} posts indexed in {timing['index_s']:.1f} s; queries took {timing['query_s']:.1f} s; "
          f"match modes {timing['modes']}")
    if args.failures:
        print_failures(results, KINDS)
    label = measured.split()[0]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"variants-{label}.json").write_text(json.dumps({
        "code": measured, "bench": bench_commit, "groups": len(groups), "timing": timing,
        "kinds": {k: {"name": KINDS[k], "recall": r.recall, "self": r.self_rate, "false_rate": r.false_rate,
                      "snippet_fault_rate": r.snippet_rate, "missed": r.missed, "false": r.false,
                      "snippet_faults": r.snippets} for k, r in results.items()},
    }, ensure_ascii=False, indent=1), encoding="utf-8")
    if not args.no_docs and not args.kinds and not args.per_kind and not args.groups:
        write_docs(INTRO, label, [
            f"`{' '.join(['python -m bench.variants', *shown_args(argv)])}` on {measured} (benchmark {bench_commit}, "
            f"{len(groups)} groups, {timing['posts']} posts):", "", *lines])
    missed = [f"{kind}. {KINDS[kind]}" for kind, r in results.items()
              if r.recall < TARGET_RECALL or r.false_rate > TARGET_FALSE]
    if args.check_targets and missed:
        print(f"targets missed by: {', '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
