"""Byte budgets for what the server keeps or relays from an editor (PROTOCOL.md §8, 1.1).

An editor may send anything up to ``MAX_MESSAGE_BYTES``; the server must not keep it
whole in memory, nor hand it whole to an MCP client. Everything kept or relayed goes
through ``clip``, which returns a JSON value whose compact UTF-8 encoding fits a budget:

- a string is cut and ends with a marker saying how long it was;
- a list keeps its items in order, each at most an eighth of the budget, until the
  budget is spent (so its first entries, the ones that matter for compile errors,
  survive);
- an object keeps every key it can: small values whole, big ones cut to a fair share
  (water-filling), and says how big it was under ``"_clipped"``.

A value that already fits is returned unchanged (the same object), so the common case
costs one ``json.dumps``.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")

CLIPPED_KEY = "_clipped"
# Below this a piece is dropped rather than cut into something meaningless.
MIN_PIECE = 48
# The smallest budget ``clip`` honours; anything smaller is raised to it.
MIN_BUDGET = 64


def json_size(value: Any) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON (what it costs to keep or send)."""
    return len(_dumps(value).encode("utf-8", "surrogatepass"))


def clip(value: Any, budget: int) -> Any:
    """``value`` reduced to at most ``budget`` bytes of compact JSON (see the module doc)."""
    budget = max(budget, MIN_BUDGET)
    size = json_size(value)
    if size <= budget:
        return value
    return _clip(value, size, budget)


def clip_sized(value: Any, budget: int) -> tuple[Any, int]:
    """``clip(value, budget)`` and the size of what it returns, measured once."""
    budget = max(budget, MIN_BUDGET)
    size = json_size(value)
    if size <= budget:
        return value, size
    clipped = _clip(value, size, budget)
    return clipped, json_size(clipped)


def clip_compile_result(body: dict[str, Any], max_errors: int, budget: int) -> dict[str, Any]:
    """A ``compile_finished`` body with at most ``max_errors`` errors and ``budget`` bytes.

    The first errors are kept (the compiler's first complaint is the one to fix);
    ``errors_total`` then says how many there were.
    """
    errors = body.get("errors")
    if isinstance(errors, list) and len(errors) > max_errors:
        body = {**body, "errors": errors[:max_errors], "errors_total": len(errors)}
    out = clip(body, budget - 32)  # room for errors_total
    if isinstance(errors, list) and isinstance(out, dict) and "errors_total" not in out:
        kept = out.get("errors")
        if isinstance(kept, list) and len(kept) < len(errors):
            out["errors_total"] = len(errors)
    return out if isinstance(out, dict) else {CLIPPED_KEY: json_size(body)}


def clip_text(text: str, budget: int) -> str:
    """``text`` cut to at most ``budget`` bytes of UTF-8, with a marker when cut."""
    return _clip_str(text, budget, json_encoded=False)


def newest_within(items: list[T], budget: int, size: Callable[[T], int]) -> list[T]:
    """The longest tail of ``items`` whose sizes add up to at most ``budget``."""
    kept: list[T] = []
    total = 0
    for item in reversed(items):
        total += size(item) + 1
        if total > budget:
            break
        kept.append(item)
    kept.reverse()
    return kept


def dumps_within(value: Any, budget: int, *, indent: int | None = None) -> str:
    """``json.dumps(value, indent=...)`` of ``value`` clipped so the text fits ``budget``
    bytes; indentation is paid for by clipping harder."""
    target = budget
    for _ in range(6):
        text = json.dumps(clip(value, target), indent=indent, default=str, ensure_ascii=False)
        size = len(text.encode("utf-8", "surrogatepass"))
        if size <= budget:
            return text
        target = max(MIN_BUDGET, target * budget // size - MIN_PIECE)
    return json.dumps({CLIPPED_KEY: json_size(value)})


class ByteBoundedDeque(Generic[T]):
    """A FIFO that keeps at most ``maxlen`` items and ``max_bytes`` bytes of them, the
    oldest leaving first. ``size`` says what one item costs."""

    def __init__(self, maxlen: int, max_bytes: int, size: Callable[[T], int]) -> None:
        self.maxlen = maxlen
        self.max_bytes = max_bytes
        self.bytes = 0
        self._size = size
        self._items: deque[tuple[T, int]] = deque()

    def append(self, item: T, cost: int | None = None) -> None:
        """Add ``item``; ``cost`` is its size when the caller has measured it already."""
        if cost is None:
            cost = self._size(item)
        self._items.append((item, cost))
        self.bytes += cost
        while self._items and (len(self._items) > self.maxlen or self.bytes > self.max_bytes):
            _, old = self._items.popleft()
            self.bytes -= old

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        return (item for item, _ in self._items)

    def __getitem__(self, index: int) -> T:
        return self._items[index][0]

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0


# ── internals ───────────────────────────────────────────────────────────────────────


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _clip(value: Any, size: int, budget: int) -> Any:
    if isinstance(value, str):
        return _clip_str(value, budget, json_encoded=True)
    if isinstance(value, dict):
        return _clip_dict(value, size, budget)
    if isinstance(value, (list, tuple)):
        return _clip_list(list(value), budget)
    # Numbers, booleans and null are small; anything else was dumped with str().
    return _clip_str(str(value), budget, json_encoded=True)


def _marker(original_bytes: int) -> str:
    return f"…[clipped: {original_bytes} bytes in all]"


def _clip_str(text: str, budget: int, *, json_encoded: bool) -> str:
    measure = json_size if json_encoded else _utf8_size
    size = measure(text)
    if size <= budget:
        return text
    marker = _marker(size)
    room = budget - measure(marker)
    if room <= 0:
        return "…"
    # A character may take up to six bytes once escaped: shrink in proportion until it fits
    # (the quotes are counted twice, in ``room`` and in the candidate: two bytes of slack).
    keep = min(len(text), room)
    while keep > 0:
        size = measure(text[:keep])
        if size <= room:
            return text[:keep] + marker
        keep = min(keep - 1, keep * room // size)
    return marker


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _clip_list(items: list[Any], budget: int) -> list[Any]:
    out: list[Any] = []
    remaining = budget - 2  # the brackets
    cap = max(budget // 8, MIN_PIECE)
    for item in items:
        if remaining < MIN_PIECE:
            break
        size = json_size(item)
        allowed = min(cap, remaining - 1)
        if size <= allowed:
            out.append(item)
            remaining -= size + 1
            continue
        if allowed < MIN_PIECE:
            break
        piece = _clip(item, size, allowed)
        out.append(piece)
        remaining -= json_size(piece) + 1
    return out


def _clip_dict(value: dict[Any, Any], size: int, budget: int) -> dict[str, Any]:
    note = {CLIPPED_KEY: size}
    remaining = budget - json_size(note) - 2
    entries = [(str(k), v) for k, v in value.items() if k != CLIPPED_KEY]
    # Water-filling: the smallest values first, each whole if it fits its fair share.
    sized = sorted(((json_size(v), i) for i, (_, v) in enumerate(entries)), key=lambda p: p[0])
    kept: dict[int, Any] = {}
    left = len(sized)
    for value_size, index in sized:
        key = entries[index][0]
        key_cost = json_size(key) + 2  # colon and comma
        share = remaining // left - key_cost
        left -= 1
        if value_size <= share:
            kept[index] = entries[index][1]
            remaining -= value_size + key_cost
        elif share >= MIN_PIECE:
            piece = _clip(entries[index][1], value_size, share)
            kept[index] = piece
            remaining -= json_size(piece) + key_cost
    out = {entries[i][0]: kept[i] for i in sorted(kept)}
    out[CLIPPED_KEY] = size
    return out
