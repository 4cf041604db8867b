"""Field lengths read once per document while Whoosh commits a segment.

Whoosh's ``SegmentWriter`` writes every posting with its document's field length (BM25F needs it
at query time), which it reads back through the new segment's length column, once per posting:
614,000 reads for 300 posts, about a fifth of a commit's CPU (cProfile of a rebuild). The values
are the same for every posting of a document and field, so :func:`memoize_lengths` puts a dict in
front of that reader. The segment written is byte for byte the same.
"""

from __future__ import annotations


class _MemoLengths:
    """A Whoosh per-document reader whose ``doc_field_length`` answers are kept."""

    def __init__(self, reader) -> None:
        self._reader = reader
        self._lengths: dict[tuple[int, str], int | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        key = (docnum, fieldname)
        try:
            return self._lengths[key]
        except KeyError:
            length = self._lengths[key] = self._reader.doc_field_length(docnum, fieldname, default)
            return length

    def __getattr__(self, name: str):
        return getattr(self._reader, name)


def memoize_lengths(writer) -> None:
    """Make ``writer``'s (a ``whoosh.writing.SegmentWriter``) commit look each document's field
    length up once rather than once per posting; call it just before ``writer.commit()``."""
    original = writer.per_document_reader
    writer.per_document_reader = lambda: _MemoLengths(original())
