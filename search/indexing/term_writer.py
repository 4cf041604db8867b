"""The rebuild's segment writer: postings grouped by term as documents arrive, written at commit
straight through Whoosh's block format, byte for byte what Whoosh's own writer writes.

Whoosh's ``SegmentWriter`` puts every posting into a ``PostingPool`` as a
``(field, term, document, weight, value)`` tuple, sorts them all at commit (an external sort that
spills runs to temporary files beyond ``limitmb``) and feeds them one by one through the codec's
``FieldWriter`` (``start_term``/``add``/``finish_term``), which reads the document's field length
back for each posting and builds each term's blocks with a dozen method calls per term. A rebuild
adds documents in document-number order, so the postings of a term arrive already sorted by
document: :class:`TermGroupingWriter` appends each posting to its term's list (one dict look-up),
and at commit sorts only the terms and encodes each term's blocks in one loop
(:func:`~search.indexing.term_encoding.write_terms`; in forked children for many postings:
:mod:`search.indexing.forked_terms`), with the lengths it noted when the document was added. The files are the
same bytes as Whoosh 2.7's ``W3Codec`` writes for the same postings (``tests/test_term_writer.py``
compares them file by file): block format, term-info records and the ordered hash table are
Whoosh's own code paths, restated.

Memory is bounded as Whoosh's pool bounds it: beyond ``limitmb`` (estimated like the pool does)
the groups are written to a temporary file in term order and cleared; the commit then merges those
runs with what is in memory, term by term (a term's postings in run order are in document order).
A rebuild gives the writer 1/16 of the memory (:func:`search.indexing.rebuild.rebuild_limit_mb`).

Used for full rebuilds only (a new index, nothing to merge); updates keep Whoosh's writer.
:func:`segment_writer` falls back to Whoosh's writer for a codec or schema it does not restate
(vectors, spelling fields, inlined postings).
"""

from __future__ import annotations

import gc
import heapq
import marshal
from functools import cache
from itertools import groupby
from operator import itemgetter

from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from search.indexing import forked_terms
from search.indexing.term_encoding import write_terms

#: Terms per record of a spilled run (one marshal record each).
RUN_RECORD_TERMS = 2048
# Estimated bytes held per posting (four list slots, the weight and value objects) and per new
# term (its dict entry, bytes and list), for the memory limit.
_POSTING_BYTES = 32 + 24 + 40
_TERM_BYTES = 200


def segment_writer(ix, limitmb: int = 128, jobs: int = 1):
    """A writer for a new, empty index ``ix``: :class:`TermGroupingWriter` when it can restate
    the index's codec and schema, else Whoosh's ``SegmentWriter`` (``ix.writer()``).

    :param jobs: processes :class:`TermGroupingWriter` may encode the terms in at commit
        (:mod:`search.indexing.forked_terms`).
    """
    try:
        return TermGroupingWriter(ix, limitmb=limitmb, jobs=jobs)
    except ValueError:
        return ix.writer(limitmb=limitmb)


def supported(writer: SegmentWriter) -> bool:
    """True if ``writer``'s index is empty, its codec Whoosh's ``W3Codec`` without inlined postings,
    and no field keeps term vectors or a separate spelling field."""
    codec = writer.codec
    return (isinstance(writer, SegmentWriter) and not writer.segments and type(codec) is W3Codec
            and codec._inlinelimit <= 1 and type(writer.fieldwriter) is W3FieldWriter
            and _lengths_restate()
            and not any(field.vector or field.separate_spelling() for _, field in writer.schema.items()))


class TermGroupingWriter(SegmentWriter):
    """Whoosh's ``SegmentWriter`` for a new index, with postings grouped by term (module docstring).

    Takes the same arguments; ``add_document`` and ``commit`` behave as Whoosh's, and the segment
    written is the same. ``add_reader`` (merging) is not supported.

    :raises ValueError: the index already holds segments, or :func:`supported` is false.
    """

    def __init__(self, ix, limitmb: int = 128, jobs: int = 1, **kwargs) -> None:
        super().__init__(ix, limitmb=limitmb, **kwargs)
        if not supported(self):
            self.cancel()
            raise ValueError("TermGroupingWriter writes a new index with Whoosh's W3Codec only")
        # field name -> term bytes -> [docnum, weight, value, length byte, docnum, ...]
        self._groups: dict[str, dict[bytes, list]] = {}
        self._held = 0
        self._limit = limitmb * 1024 * 1024
        self._runs: list[str] = []
        self._postings = 0
        self.jobs = max(1, jobs)
        #: Chunks of the terms that forked children encoded at commit (0: none).
        self.forked_parts = 0

    def add_reader(self, reader) -> None:
        raise NotImplementedError("TermGroupingWriter does not merge indexes")

    def add_document(self, **fields) -> None:
        """As ``SegmentWriter.add_document``: stored fields, lengths and columns go to the
        per-document writer at once; the postings to their terms' groups."""
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        held = 0
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    items = field.index(value)
                    if not isinstance(items, list):
                        items = list(items)
                    if field.scorable:
                        for item in items:
                            length += item[1]
                    # Whoosh's field writer gets the length back from the column of length
                    # bytes; it keeps only bytes of min and max (see _lengths_restate).
                    length_byte = length_to_byte(length) if length else 0
                    self._postings += len(items)
                    groups = self._groups.get(fieldname)
                    if groups is None:
                        groups = self._groups[fieldname] = {}
                    for tbytes, _freq, weight, vbytes in items:
                        group = groups.get(tbytes)
                        if group is None:
                            group = groups[tbytes] = []
                            held += _TERM_BYTES + len(tbytes)
                        group += (docnum, weight * fieldboost, vbytes, length_byte)
                        held += _POSTING_BYTES + (len(vbytes) if vbytes else 0)
                customval = fields.get("_stored_%s" % fieldname, value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1
        self._held += held
        if self._held > self._limit:
            self._spill()

    def _spill(self) -> None:
        """Write the groups to a temporary run file in (field, term) order, and drop them."""
        name = "%s.grun" % len(self._runs)
        with self._tempstorage.create_file(name).raw_file() as run:
            for fieldname, terms in sorted(self._groups.items()):
                ordered = sorted(terms.items())
                for start in range(0, len(ordered), RUN_RECORD_TERMS):
                    marshal.dump((fieldname, ordered[start:start + RUN_RECORD_TERMS]), run)
        self._runs.append(name)
        self._groups = {}
        self._held = 0

    def _read_run(self, name: str):
        with self._tempstorage.open_file(name).raw_file() as run:
            while True:
                try:
                    fieldname, terms = marshal.load(run)
                except EOFError:
                    return
                for tbytes, group in terms:
                    yield fieldname, tbytes, group

    def _terms(self):
        """``(field name, term bytes, postings)`` in field and term order, runs merged."""
        memory = ((fieldname, tbytes, group) for fieldname, terms in sorted(self._groups.items())
                  for tbytes, group in sorted(terms.items()))
        if not self._runs:
            yield from memory
            return
        # heapq.merge is stable: for one term, earlier runs (earlier documents) come first.
        merged = heapq.merge(*(self._read_run(name) for name in self._runs), memory, key=itemgetter(0, 1))
        for (fieldname, tbytes), parts in groupby(merged, key=itemgetter(0, 1)):
            group: list = []
            for part in parts:
                group += part[2]
            yield fieldname, tbytes, group

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        blocklimit, compression = self.codec._blocklimit, self.codec._compression
        # The commit makes objects by the term while millions of postings are held: each full
        # collection would walk them all, to free nothing (a third of the commit on the corpus).
        collecting = gc.isenabled()
        gc.disable()
        try:
            if (self.jobs > 1 and not self._runs and self._postings >= forked_terms.FORK_MIN_POSTINGS
                    and forked_terms.fork_safe()):
                self.forked_parts = forked_terms.write_terms_forked(
                    self.fieldwriter, self.schema, list(self._terms()), blocklimit, compression,
                    self._tempstorage, self.jobs)
            else:
                write_terms(self.fieldwriter, self.schema, self._terms(), blocklimit, compression)
        finally:
            if collecting:
                gc.enable()
        self._groups = {}
        self.fieldwriter.close()


@cache
def _lengths_restate() -> bool:
    """True if a length's byte stands for the length Whoosh reads back (so the writer may keep
    bytes: min and max of bytes are the bytes of min and max of lengths)."""
    return all(length_to_byte(byte_to_length(b)) == b for b in range(256)) and all(
        byte_to_length(b) < byte_to_length(b + 1) for b in range(255))
