"""read_script and edit_script through MCP: paging, the SHA-256 precondition, range
edits across a compile and domain reload, and bad edits refused with nothing changed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from mcp import Client
from mcp_harness import (
    DEADLINE,
    VALID_SCRIPT,
    World,
    call_ok,
    error_text,
    sha256_hex,
)

pytest_plugins = ["mcp_fixtures"]

PATH = "Assets/Scripts/Spinner.cs"


def edit(sl: int, sc: int, el: int, ec: int, text: str) -> dict[str, Any]:
    return {"start_line": sl, "start_column": sc, "end_line": el, "end_column": ec, "text": text}


async def written(client: Client, contents: str = VALID_SCRIPT) -> str:
    await call_ok(client, "write_script", {"path": PATH, "contents": contents})
    return sha256_hex(contents)


async def test_read_script_pages_by_lines_and_hashes_the_whole_file(
    world: World, mode: str
) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        await written(client)
        pages = []
        offset: int | None = 0
        while offset is not None:
            page = await call_ok(
                client, "read_script", {"path": PATH, "offset": offset, "limit": 4}
            )
            pages.append(page)
            offset = page["next_offset"]
    assert "".join(p["contents"] for p in pages) == VALID_SCRIPT
    assert [p["offset"] for p in pages] == [0, 4, 8]
    assert {p["line_count"] for p in pages} == {len(VALID_SCRIPT.splitlines())}
    assert {p["sha256"] for p in pages} == {sha256_hex(VALID_SCRIPT)}


async def test_edits_apply_in_the_coordinates_of_the_file_as_read(world: World, mode: str) -> None:
    source = "line one\r\nline two\nline three"
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        sha = await written(client, source)
        edits = [
            edit(3, 6, 3, 11, "3"),  # "three" -> "3"
            edit(1, 6, 2, 5, "1 / "),  # across the CRLF break: "one\r\nline" -> "1 / "
            edit(1, 1, 1, 1, "// "),  # an insertion at the very start
            edit(3, 11, 3, 11, "!"),  # an insertion at the end of the file
        ]
        answer = await call_ok(client, "edit_script", {"path": PATH, "sha256": sha, "edits": edits})
        after = await call_ok(client, "read_script", {"path": PATH})
    expected = "// line 1 /  two\nline 3!"
    assert after["contents"] == expected
    assert answer["sha256"] == after["sha256"] == sha256_hex(expected)
    assert answer["line_count"] == after["line_count"] == 2
    assert answer["created"] is False


async def test_an_edit_that_breaks_the_build_returns_the_compiler_errors(
    world: World, mode: str
) -> None:
    last = len(VALID_SCRIPT.splitlines())
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        sha = await written(client)
        reloads = world.peer.reloads
        # Delete the class's closing brace.
        edits = [edit(last, 1, last, 2, "")]
        answer = await call_ok(client, "edit_script", {"path": PATH, "sha256": sha, "edits": edits})
    assert answer["compiled"] is False
    assert answer["errors"], answer
    assert all(e["file"] == PATH for e in answer["errors"])
    assert world.peer.reloads == reloads  # a failed compile does not reload the domain


async def test_a_stale_sha256_is_refused_naming_the_current_one(world: World, mode: str) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        stale = await written(client)
        current = await written(client, VALID_SCRIPT.replace("90f", "30f"))
        result = await client.call_tool(
            "edit_script", {"path": PATH, "sha256": stale, "edits": [edit(1, 1, 1, 1, "x")]}
        )
    assert result.is_error is True
    assert current in error_text(result)
    assert stale in error_text(result)
    assert world.editor.assets[PATH].data["contents"] == VALID_SCRIPT.replace("90f", "30f")


@pytest.mark.parametrize(
    ("edits", "words"),
    [
        ([edit(99, 1, 99, 1, "x")], "line 99 is past the end"),
        ([edit(1, 50, 1, 50, "x")], "column 50 is past the end of line 1"),
        ([edit(1, 1, 1, 3, "a"), edit(1, 10, 1, 99, "b")], "edit 2: end column 99"),
    ],
)
async def test_out_of_range_edits_are_refused_and_nothing_changes(
    world: World, mode: str, edits: list[dict[str, Any]], words: str
) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        sha = await written(client)
        compiles = world.editor.compiles
        result = await client.call_tool(
            "edit_script", {"path": PATH, "sha256": sha, "edits": edits}
        )
    assert result.is_error is True
    assert words in error_text(result)
    assert world.editor.assets[PATH].data["contents"] == VALID_SCRIPT
    assert world.editor.compiles == compiles


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"edits": [edit(2, 5, 2, 1, "x")]}, "comes before the start"),
        ({"edits": [edit(1, 1, 1, 5, "a"), edit(1, 3, 1, 8, "b")]}, "edits 1 and 2 overlap"),
        ({"edits": [edit(2, 1, 2, 1, "a"), edit(2, 1, 2, 1, "b")]}, "edits 1 and 2 overlap"),
        ({"edits": [edit(0, 1, 1, 1, "a")]}, "start_line"),
        ({"edits": []}, "edits"),
        ({"sha256": "not-a-hash"}, "sha256"),
        ({"path": "Assets/../secret.cs"}, "'..'"),
        ({"path": "Assets/Scripts/Spinner.txt"}, "must end with .cs"),
    ],
)
async def test_bad_edit_arguments_are_refused_before_unity(
    world: World, mode: str, arguments: dict[str, Any], words: str
) -> None:
    sent = len(world.peer.received)
    call = {"path": PATH, "sha256": "0" * 64, "edits": [edit(1, 1, 1, 1, "x")], **arguments}
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        result = await client.call_tool("edit_script", call)
    assert result.is_error is True
    assert words in error_text(result)
    assert len(world.peer.received) == sent  # nothing reached Unity


async def test_read_script_of_a_missing_file_is_a_clear_error(world: World, mode: str) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        result = await client.call_tool("read_script", {"path": "Assets/Scripts/Nope.cs"})
    assert result.is_error is True
    assert "no script asset at 'Assets/Scripts/Nope.cs'" in error_text(result)
