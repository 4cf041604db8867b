"""The library's layout: stages in order, each importing only from the stages before it.

``search/`` is cut into the pipeline's stages (:mod:`search`'s docstring): a module may import
from its own stage, from earlier stages and from :mod:`search.errors`, never from a later stage,
lazily inside a function or not; and no module grows past :data:`MAX_MODULE_LINES`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SEARCH = Path(__file__).resolve().parents[1] / "search"
#: The stages, in pipeline order.
STAGES = ("posts", "analysis", "indexing", "querying", "assist")
#: Modules every stage may use, outside the stages.
SHARED = frozenset({"search.errors", "search.cache_files"})
MAX_MODULE_LINES = 450


def _modules() -> list[Path]:
    return sorted(p for p in SEARCH.rglob("*.py"))


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every ``search.…`` import in ``path``, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            found += [(node.lineno, name) for name in names[:1] if name.startswith("search")]
            if node.module == "search":  # from search import posts
                found += [(node.lineno, name) for name in names[1:]]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.startswith("search")]
    return found


def _stage(module: str) -> int | None:
    parts = module.split(".")
    return STAGES.index(parts[1]) if len(parts) > 1 and parts[1] in STAGES else None


def test_every_module_belongs_to_a_stage_or_is_shared():
    loose = [p.relative_to(SEARCH).as_posix() for p in SEARCH.glob("*.py")
             if p.name != "__init__.py" and f"search.{p.stem}" not in SHARED]
    assert loose == []
    assert sorted(p.name for p in SEARCH.iterdir() if p.is_dir() and (p / "__init__.py").exists()) == sorted(STAGES)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(SEARCH).as_posix())
def test_no_module_imports_a_later_stage(path):
    own = _stage("search." + ".".join(path.relative_to(SEARCH).with_suffix("").parts))
    later = []
    for line, module in _imported_modules(path):
        stage = _stage(module)
        if module in SHARED or module == "search" or stage is None:
            continue
        if own is None or stage > own:
            later.append(f"line {line}: {module}")
    assert later == [], f"{path.name} imports a later stage"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(SEARCH).as_posix())
def test_no_module_is_over_the_size_limit(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.name}: {lines} lines; split it by responsibility"


def test_the_check_sees_a_later_stage_import(tmp_path):
    """The import scan finds lazy imports too (the layout test can fail)."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from search.querying.searcher import search_posts\n", encoding="utf-8")
    assert _imported_modules(module) == [(2, "search.querying.searcher")]
    assert _stage("search.querying.searcher") > _stage("search.indexing.rebuild")
