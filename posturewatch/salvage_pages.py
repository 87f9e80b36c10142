"""Records read straight from the pages of a damaged SQLite file, without SQL.

SQL finds a row by walking the b-tree from its root, so one damaged interior
page hides every row below it, even when the leaf pages that hold them are
intact. This module reads the file page by page instead (the main file, with
the committed frames of its write-ahead log laid over it), and returns every
record it can decode from every b-tree page, wherever the tree's links point.
Pages on the freelist (freed, so holding deleted rows) are skipped. The
caller (``store._salvage``) keeps only records shaped like its own rows and
validates every value, so garbage decoded from a damaged page goes nowhere.

Reads only: the files are opened for reading and never changed. Time and
memory are linear in the size of the file. Format reference:
https://www.sqlite.org/fileformat2.html (b-tree pages, record format, WAL).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

_HEADER = b"SQLite format 3\x00"
_WAL_MAGIC = (0x377F0682, 0x377F0683)
_INDEX_INTERIOR, _TABLE_INTERIOR, _INDEX_LEAF, _TABLE_LEAF = 2, 5, 10, 13
MAX_FILE_BYTES = 2 * 1024**3  # larger than any PostureWatch database by far


@dataclass
class PageRecords:
    """What the pages held: ``table_rows`` are ``(rowid, values)`` from table
    leaf pages; ``index_rows`` are the values of index and WITHOUT ROWID
    b-tree cells (leaf and interior). ``pages`` counts the pages read and
    ``bad_cells`` the cells that could not be decoded."""

    table_rows: list[tuple[int, tuple[object, ...]]] = field(default_factory=list)
    index_rows: list[tuple[object, ...]] = field(default_factory=list)
    pages: int = 0
    bad_cells: int = 0


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """SQLite's big-endian varint at ``pos`` -> (value, next position)."""
    value = 0
    for i in range(8):
        byte = data[pos + i]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos + i + 1
    return (value << 8) | data[pos + 8], pos + 9


def _record(payload: bytes) -> tuple[object, ...]:
    """Decode one record (header of serial types, then the values)."""
    header_size, pos = _varint(payload, 0)
    if header_size > len(payload) or header_size < 1:
        raise ValueError("record header out of bounds")
    types = []
    while pos < header_size:
        serial, pos = _varint(payload, pos)
        types.append(serial)
    body = header_size
    values: list[object] = []
    for serial in types:
        if serial == 0:
            values.append(None)
        elif serial in (8, 9):
            values.append(serial - 8)
        elif 1 <= serial <= 6:
            size = (0, 1, 2, 3, 4, 6, 8)[serial]
            raw = payload[body:body + size]
            if len(raw) != size:
                raise ValueError("record value out of bounds")
            values.append(int.from_bytes(raw, "big", signed=True))
            body += size
        elif serial == 7:
            raw = payload[body:body + 8]
            if len(raw) != 8:
                raise ValueError("record value out of bounds")
            values.append(struct.unpack(">d", raw)[0])
            body += 8
        elif serial >= 12:
            size = (serial - 12) // 2
            raw = payload[body:body + size]
            if len(raw) != size:
                raise ValueError("record value out of bounds")
            values.append(raw.decode("utf-8") if serial % 2 else bytes(raw))
            body += size
        else:
            raise ValueError(f"reserved serial type {serial}")
    return tuple(values)


def _local_size(payload: int, usable: int, index: bool) -> int | None:
    """Bytes of a cell's payload stored on the page; None when it spills
    onto overflow pages (never for PostureWatch's small rows: skipped)."""
    limit = (usable - 12) * 64 // 255 - 23 if index else usable - 35
    return payload if payload <= limit else None


def _cells(page: bytes, offset: int, usable: int, out: PageRecords) -> None:
    kind = page[offset]
    if kind not in (_INDEX_INTERIOR, _TABLE_INTERIOR, _INDEX_LEAF, _TABLE_LEAF):
        return
    if kind == _TABLE_INTERIOR:
        return  # only child pointers and keys: no rows
    count = int.from_bytes(page[offset + 3:offset + 5], "big")
    header = 12 if kind == _INDEX_INTERIOR else 8
    pointers = offset + header
    if pointers + 2 * count > usable:
        out.bad_cells += 1
        return
    for i in range(count):
        cell = int.from_bytes(page[pointers + 2 * i:pointers + 2 * i + 2], "big")
        try:
            if not pointers + 2 * count <= cell < usable:
                raise ValueError("cell pointer out of bounds")
            pos = cell + (4 if kind == _INDEX_INTERIOR else 0)
            size, pos = _varint(page, pos)
            rowid = None
            if kind == _TABLE_LEAF:
                rowid, pos = _varint(page, pos)
                if rowid >= 1 << 63:
                    rowid -= 1 << 64
            local = _local_size(size, usable, kind != _TABLE_LEAF)
            if local is None or pos + local > usable:
                raise ValueError("payload out of bounds or on overflow pages")
            values = _record(page[pos:pos + local])
        except (ValueError, IndexError, UnicodeDecodeError, struct.error):
            out.bad_cells += 1
            continue
        if rowid is not None:
            out.table_rows.append((rowid, values))
        else:
            out.index_rows.append(values)


def _page_size(header: bytes) -> int | None:
    if len(header) < 100 or not header.startswith(_HEADER):
        return None
    size = int.from_bytes(header[16:18], "big")
    size = 65536 if size == 1 else size
    return size if 512 <= size <= 65536 and size & (size - 1) == 0 else None


def _wal_pages(wal: Path, page_size: int | None) -> tuple[int | None, dict[int, bytes]]:
    """The page images of the WAL's committed frames (the newest per page)."""
    try:
        data = wal.read_bytes()[:MAX_FILE_BYTES]
    except OSError:
        return page_size, {}
    if len(data) < 32 or int.from_bytes(data[:4], "big") not in _WAL_MAGIC:
        return page_size, {}
    size = int.from_bytes(data[8:12], "big")
    size = 65536 if size == 1 else size
    if not (512 <= size <= 65536 and size & (size - 1) == 0):
        return page_size, {}
    if page_size is not None and page_size != size:
        return page_size, {}
    salts = data[16:24]
    committed: dict[int, bytes] = {}
    pending: dict[int, bytes] = {}
    pos = 32
    while pos + 24 + size <= len(data):
        frame = data[pos:pos + 24]
        if frame[8:16] != salts:
            break
        number = int.from_bytes(frame[:4], "big")
        pending[number] = data[pos + 24:pos + 24 + size]
        if int.from_bytes(frame[4:8], "big"):  # a commit frame ends a transaction
            committed.update(pending)
            pending.clear()
        pos += 24 + size
    return size, committed


def _freelist(pages: dict[int, bytes], first: bytes) -> set[int]:
    """Page numbers on the freelist (trunk and leaf pages), read from page 1."""
    free: set[int] = set()
    trunk = int.from_bytes(first[32:36], "big")
    while trunk and trunk not in free and trunk in pages and len(free) <= len(pages):
        free.add(trunk)
        page = pages[trunk]
        count = int.from_bytes(page[4:8], "big")
        for i in range(min(count, (len(page) - 8) // 4)):
            free.add(int.from_bytes(page[8 + 4 * i:12 + 4 * i], "big"))
        trunk = int.from_bytes(page[:4], "big")
    return free


def iter_pages(db: Path) -> Iterator[tuple[int, bytes, int]]:
    """``(page number, page bytes, usable size)`` for every page of ``db``
    with its WAL's committed frames laid over it, freelist pages left out."""
    try:
        with open(db, "rb") as handle:
            main = handle.read(MAX_FILE_BYTES)
    except OSError:
        main = b""
    page_size = _page_size(main[:100])
    page_size, wal = _wal_pages(Path(f"{db}-wal"), page_size)
    if page_size is None:
        page_size = 4096  # the default; a damaged header leaves no better guess
    pages = {n + 1: main[n * page_size:(n + 1) * page_size]
             for n in range(len(main) // page_size)}
    pages.update(wal)
    first = pages.get(1, b"")
    reserved = first[20] if len(first) > 20 and _page_size(first[:100]) else 0
    usable = page_size - reserved
    free = _freelist(pages, first) if _page_size(first[:100]) else set()
    for number in sorted(pages):
        if number not in free:
            yield number, pages[number], usable


def read_records(db: Path) -> PageRecords:
    """Every record decodable from the b-tree pages of ``db`` (and its WAL)."""
    out = PageRecords()
    for number, page, usable in iter_pages(db):
        out.pages += 1
        if len(page) < usable:
            continue
        _cells(page, 100 if number == 1 else 0, usable, out)
    return out
