"""Whether a generation's files are still those its reindex wrote: :func:`generation_problems`.

A generation is never written after ``kensaku.json`` marks it complete
(:mod:`search.indexing.generations`), so any file whose size or SHA-256 differs from what
``kensaku.json`` recorded (:data:`~search.indexing.generations.FILES_KEY`), or that is gone, was
damaged from outside (a full disk during a copy, a backup restored halfway, a stray ``truncate``,
a bad sector). Whoosh itself does not notice: a truncated or zeroed segment raised
``struct.error``, ``EOFError`` or ``zlib.error`` in the middle of a search, or silently found
nothing. The server checks a generation before serving it (:class:`search.indexing.index.SearchIndex`)
and answers 503 instead (:class:`~search.errors.DamagedIndexError`); ``kensaku reindex`` checks
the current one before updating it and rebuilds it when it is damaged.
"""

from __future__ import annotations

import gc
import warnings
from pathlib import Path

from search.indexing.generations import FILES_KEY, METADATA_FILE, read_metadata, sha256_of


def generation_problems(generation: Path, *, digests: bool = True, structure: bool = True) -> list[str]:
    """What is wrong with the files of ``generation``, one short English phrase each.

    :param digests: compare each file's SHA-256 too (reads every file: see
        ``docs/robustness-serving.md`` for the cost), not only its presence and size.
    :param structure: for a generation written before files were recorded (no
        :data:`~search.indexing.generations.FILES_KEY`), open it with Whoosh and count its
        documents (~0.3 s, most of it unpickling the schema); False leaves that to the caller.
    :returns: ``[]`` when every recorded file is as written (or, unrecorded, Whoosh reads it).
    """
    generation = Path(generation)
    metadata = read_metadata(generation)
    if not metadata:
        state = "unreadable" if (generation / METADATA_FILE).exists() else "missing"
        return [f"{METADATA_FILE} is {state}"]
    files = metadata.get(FILES_KEY)
    if not isinstance(files, dict):
        return _whoosh_problems(generation) if structure else []
    problems = []
    for name, recorded in files.items():
        try:
            size, digest = recorded
        except (TypeError, ValueError):
            problems.append(f"{METADATA_FILE} has no valid record of {name}")
            continue
        path = generation / name
        try:
            actual = path.stat().st_size
            if actual != size:
                problems.append(f"{name} has {actual:,} bytes instead of {size:,}")
            elif digests and sha256_of(path) != digest:
                problems.append(f"{name} was changed after it was written (its SHA-256 differs)")
        except FileNotFoundError:
            problems.append(f"{name} is missing")
        except OSError as exc:
            problems.append(f"{name} cannot be read ({exc.strerror or exc})")
    return problems


def damage_report(generation: Path, problems: list[str]) -> str:
    """One English sentence for the log and the CLI: where, what, and what to run."""
    shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
    return f"The index in {generation} is damaged ({shown}): run `kensaku reindex` to rebuild it."


def _whoosh_problems(generation: Path) -> list[str]:
    """``[]`` if Whoosh opens ``generation`` and counts its documents, else what it raised."""
    from whoosh.filedb.filestore import FileStorage

    try:
        ix = FileStorage(str(generation), supports_mmap=False).open_index()
        try:
            with ix.reader() as reader:
                reader.doc_count()
        finally:
            ix.close()
    except Exception as exc:  # struct.error, EOFError, zlib.error, pickle errors, OSError, …
        problem = f"Whoosh cannot open it ({type(exc).__name__}: {exc})"
        quietly_drop_traceback(exc)
        return [problem]
    return []


def quietly_drop_traceback(exc: BaseException) -> None:
    """Free the frames of ``exc``'s traceback now, without the ``ResourceWarning`` of the files
    Whoosh opened in them and does not close when a damaged file makes it raise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        exc.__traceback__ = None
        gc.collect()
