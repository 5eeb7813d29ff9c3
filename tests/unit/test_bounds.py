"""bounds.py: JSON values clipped to a byte budget, and a byte-bounded FIFO."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from movesia_mcp._bounds import (
    CLIPPED_KEY,
    ByteBoundedDeque,
    clip,
    clip_compile_result,
    clip_text,
    dumps_within,
    json_size,
    newest_within,
)

MiB = 1024 * 1024


def test_a_value_that_fits_is_returned_unchanged_and_is_the_same_object() -> None:
    value = {"type": "scene_saved", "body": {"path": "Assets/Scenes/Main.unity"}}
    assert clip(value, 10_000) is value


def test_json_size_counts_compact_utf8_bytes() -> None:
    assert json_size({"a": "é"}) == len('{"a":"é"}'.encode())
    assert json_size([1, 2]) == 5


@pytest.mark.parametrize("budget", [64, 100, 1000, 65536])
def test_a_huge_string_is_cut_to_the_budget_with_a_marker(budget: int) -> None:
    text = "x" * (2 * MiB)
    clipped = clip(text, budget)
    assert json_size(clipped) <= budget
    assert clipped.startswith("x")
    if budget >= 100:
        assert clipped.endswith(f"…[clipped: {json_size(text)} bytes in all]")


def test_strings_with_escapes_and_multibyte_characters_still_fit() -> None:
    text = 'é"\\\n€' * 100_000
    for budget in (80, 500, 4096):
        assert json_size(clip(text, budget)) <= budget


def test_clip_text_budgets_raw_utf8_bytes() -> None:
    text = "€" * 10_000
    cut = clip_text(text, 1000)
    assert len(cut.encode()) <= 1000
    assert cut.startswith("€€€")
    assert "clipped" in cut


def test_an_object_keeps_its_small_fields_whole_and_says_how_big_it_was() -> None:
    body = {"type": "Error", "message": "m" * (3 * MiB), "line": 7, "file": "Assets/A.cs"}
    clipped = clip(body, 4096)
    assert json_size(clipped) <= 4096
    assert clipped["type"] == "Error"
    assert clipped["line"] == 7
    assert clipped["file"] == "Assets/A.cs"
    assert clipped["message"].startswith("mmm")
    assert clipped[CLIPPED_KEY] == json_size(body)


def test_several_big_fields_share_the_budget_fairly() -> None:
    body = {"a": "a" * MiB, "b": "b" * MiB, "c": "c" * MiB}
    clipped = clip(body, 9000)
    sizes = [json_size(clipped[k]) for k in "abc"]
    assert json_size(clipped) <= 9000
    assert min(sizes) > 2000  # none starves the others


def test_a_list_keeps_its_first_entries_in_order() -> None:
    errors = [{"file": "Assets/A.cs", "line": i, "message": "CS1002"} for i in range(10_000)]
    clipped = clip(errors, 8192)
    assert json_size(clipped) <= 8192
    assert 0 < len(clipped) < len(errors)
    assert clipped == errors[: len(clipped)]


def test_one_huge_list_entry_cannot_evict_all_the_others() -> None:
    projects = [{"name": f"P{i}", "log": "x" * MiB} for i in range(4)]
    clipped = clip(projects, 64 * 1024)
    assert [p["name"] for p in clipped] == ["P0", "P1", "P2", "P3"]


def test_nested_values_are_bounded_at_every_depth() -> None:
    value: Any = {"leaf": "z" * MiB}
    for _ in range(30):
        value = {"child": value, "pad": ["y" * 5000] * 20}
    assert json_size(clip(value, 20_000)) <= 20_000


def test_a_budget_below_the_minimum_is_raised_to_it() -> None:
    assert json_size(clip("q" * 10_000, 1)) <= 64


def test_compile_result_keeps_the_first_errors_and_the_total() -> None:
    errors = [{"file": "Assets/A.cs", "line": i, "column": 1, "message": "e"} for i in range(500)]
    body = {"success": False, "errors": errors}
    kept = clip_compile_result(body, 100, 64 * 1024)
    assert kept["errors"] == errors[:100]
    assert kept["errors_total"] == 500
    assert kept["success"] is False


def test_compile_result_is_bounded_in_bytes_as_well_as_count() -> None:
    errors = [{"file": "Assets/A.cs", "line": i, "message": "m" * 10_000} for i in range(50)]
    kept = clip_compile_result({"success": False, "errors": errors}, 100, 16_384)
    assert json_size(kept) <= 16_384
    assert kept["errors_total"] == 50
    assert kept["errors"][0]["line"] == 0


def test_compile_result_within_bounds_is_untouched() -> None:
    body = {"success": True, "errors": []}
    assert clip_compile_result(body, 100, 65536) == body


def test_dumps_within_pays_for_indentation() -> None:
    value = {"events": [{"n": i, "text": "t" * 200} for i in range(5000)]}
    text = dumps_within(value, 50_000, indent=1)
    assert len(text.encode()) <= 50_000
    assert json.loads(text)["events"][0]["n"] == 0


def test_newest_within_keeps_the_newest_tail() -> None:
    items = ["a" * 10, "b" * 10, "c" * 10, "d" * 10]
    assert newest_within(items, 25, len) == ["c" * 10, "d" * 10]
    assert newest_within(items, 5, len) == []


def test_byte_bounded_deque_drops_the_oldest_by_bytes_and_by_count() -> None:
    fifo: ByteBoundedDeque[str] = ByteBoundedDeque(maxlen=3, max_bytes=100, size=len)
    for item in ("a" * 40, "b" * 40, "c" * 40):
        fifo.append(item)
    assert list(fifo) == ["b" * 40, "c" * 40]
    assert fifo.bytes == 80
    for item in ("d", "e", "f"):
        fifo.append(item)
    assert list(fifo) == ["d", "e", "f"]
    assert fifo[-1] == "f"
    assert len(fifo) == 3
    fifo.clear()
    assert len(fifo) == 0
    assert fifo.bytes == 0


# ── property: whatever the value, the clipped one fits ──────────────────────────────

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=3000),
    lambda children: (
        st.lists(children, max_size=30)
        | st.dictionaries(st.text(max_size=40), children, max_size=30)
    ),
    max_leaves=200,
)


@settings(max_examples=300, deadline=None)
@given(value=JSON, budget=st.integers(min_value=1, max_value=20_000))
def test_any_json_value_is_clipped_within_its_budget(value: Any, budget: int) -> None:
    clipped = clip(value, budget)
    assert json_size(clipped) <= max(budget, 64)
    json.loads(json.dumps(clipped))  # still JSON
    if json_size(value) <= max(budget, 64):
        assert clipped is value
