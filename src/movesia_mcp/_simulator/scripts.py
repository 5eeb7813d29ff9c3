"""Script text as read_script pages it and edit_script changes it (catalog v2).

Positions are (line, column), both 1-based; columns count characters of the line
without its line break. A line break is ``\\r\\n``, ``\\n`` or ``\\r``. On a line of n
characters the columns 1..n+1 exist, n+1 being the end of the line (before its
break). A file that ends with a line break has one more, empty, line after it: its
column 1 is the end of the file. ``line_count`` does not count that empty line.

An edit replaces the characters from its start (inclusive) to its end (exclusive);
every edit is in the coordinates of the file as read, and they are applied from the
last to the first so that one does not move the others.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..catalog._tools import ScriptEdit

LINE_BREAK = re.compile(r"\r\n|\r|\n")


class EditRangeError(ValueError):
    """An edit names a position the file does not have."""


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Lines:
    """Where each line starts and how long it is (break excluded), for one text."""

    starts: tuple[int, ...]
    lengths: tuple[int, ...]
    ends: tuple[int, ...]  # the offset after each line's break (the next line's start)

    @classmethod
    def of(cls, text: str) -> Lines:
        starts, lengths, ends = [], [], []
        position = 0
        for match in LINE_BREAK.finditer(text):
            starts.append(position)
            lengths.append(match.start() - position)
            ends.append(match.end())
            position = match.end()
        starts.append(position)  # the last line (empty after a final line break)
        lengths.append(len(text) - position)
        ends.append(len(text))
        return cls(tuple(starts), tuple(lengths), tuple(ends))

    @property
    def positional(self) -> int:
        """Lines a position may name (the empty one after a final break included)."""
        return len(self.starts)

    def count(self) -> int:
        """Lines as an editor shows them, not counting the empty line after a final break."""
        if self.lengths[-1] == 0:
            return self.positional - 1
        return self.positional

    def offset(self, line: int, column: int, what: str) -> int:
        if line > self.positional:
            raise EditRangeError(
                f"{what} line {line} is past the end of the file ({self.count()} lines; "
                f"the last position is line {self.positional}, column "
                f"{self.lengths[-1] + 1})"
            )
        length = self.lengths[line - 1]
        if column > length + 1:
            raise EditRangeError(
                f"{what} column {column} is past the end of line {line} ({length} "
                f"characters; the end of the line is column {length + 1})"
            )
        return self.starts[line - 1] + column - 1


def read_page(text: str, offset: int, limit: int) -> tuple[str, int, int | None]:
    """(the lines offset..offset+limit with their breaks, line_count, next_offset)."""
    lines = Lines.of(text)
    total = lines.count()
    if offset >= total:
        return "", total, None
    last = min(offset + limit, total)
    start = lines.starts[offset]
    end = lines.ends[last - 1]
    return text[start:end], total, (last if last < total else None)


def apply_edits(text: str, edits: Sequence[ScriptEdit]) -> str:
    """``text`` with every edit applied; nothing is applied if one is out of range."""
    lines = Lines.of(text)
    spans = []
    for number, edit in enumerate(edits, 1):
        where = f"edit {number}:"
        start = lines.offset(edit.start_line, edit.start_column, f"{where} start")
        end = lines.offset(edit.end_line, edit.end_column, f"{where} end")
        spans.append((start, end, edit.text))
    out = text
    for start, end, replacement in sorted(spans, key=lambda s: s[0], reverse=True):
        out = out[:start] + replacement + out[end:]
    return out
