"""capture_view through real MCP clients: a real PNG of the asked size, as image content."""

from __future__ import annotations

import asyncio
import base64
import json
import struct
import zlib

import pytest
from mcp import Client
from mcp.types import CallToolResult, ImageContent, TextContent
from mcp_harness import DEADLINE, World, error_text, structured
from test_stdio_e2e import CLIENTS, STDIO_DEADLINE, stdio_server, wait_until_connected

pytest_plugins = ["mcp_fixtures"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GROUND_GREEN = (76, 153, 64)  # Assets/Materials/Ground.mat, _Color [0.3, 0.6, 0.25]


def the_png(result: CallToolResult, width: int, height: int) -> bytes:
    """The one image of ``result``, checked to be a PNG of ``width`` x ``height``."""
    assert result.is_error is False, error_text(result)
    images = [c for c in result.content if isinstance(c, ImageContent)]
    assert len(images) == 1
    assert images[0].mime_type == "image/png"
    data = base64.b64decode(images[0].data, validate=True)
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    assert struct.unpack(">II", data[16:24]) == (width, height)
    return data


def pixels(data: bytes) -> set[tuple[int, int, int]]:
    """The colours of a PNG written by the simulator (8-bit RGB, rows unfiltered)."""
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (depth, colour) == (8, 2)
    chunks, at = [], 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        body = data[at + 8 : at + 8 + length]
        assert (
            zlib.crc32(kind + body) & 0xFFFFFFFF
            == struct.unpack(">I", data[at + 8 + length : at + 12 + length])[0]
        )
        if kind == b"IDAT":
            chunks.append(body)
        at += 12 + length
    raw = zlib.decompress(b"".join(chunks))
    stride = width * 3 + 1
    assert len(raw) == stride * height
    colours: set[tuple[int, int, int]] = set()
    for y in range(height):
        row = raw[y * stride : (y + 1) * stride]
        assert row[0] == 0
        colours.update(zip(row[1::3], row[2::3], row[3::3], strict=True))
    return colours


@pytest.mark.parametrize(
    ("arguments", "camera"),
    [
        ({"view": "game", "width": 200, "height": 120}, "Main Camera"),
        ({"view": "scene", "width": 16, "height": 2048}, None),
        ({"view": "camera", "camera": "Main Camera", "width": 333, "height": 77}, "Main Camera"),
    ],
)
async def test_the_client_receives_a_png_of_the_asked_size(
    world: World, mode: str, arguments: dict[str, object], camera: str | None
) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        result = await client.call_tool("capture_view", arguments)
    data = the_png(result, int(str(arguments["width"])), int(str(arguments["height"])))
    description = structured(result, "capture_view")
    assert description["view"] == arguments["view"]
    assert description["camera"] == camera
    assert (description["width"], description["height"]) == (
        arguments["width"],
        arguments["height"],
    )
    assert description["png_bytes"] == len(data)
    texts = [c.text for c in result.content if isinstance(c, TextContent)]
    assert [json.loads(t) for t in texts] == [description]


async def test_the_picture_shows_the_scene_in_its_material_colours(world: World) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server) as client:
        before = pixels(
            the_png(await client.call_tool("capture_view", {"view": "scene"}), 640, 360)
        )
        assert GROUND_GREEN in before
        await client.call_tool(
            "create_material",
            {"path": "Assets/Materials/Red.mat", "color": [1, 0, 0, 1]},
        )
        await client.call_tool(
            "create_gameobject", {"name": "Crate", "primitive": "Cube", "position": [-3, 0, -4]}
        )
        await client.call_tool(
            "assign_material", {"path": "Crate", "material_path": "Assets/Materials/Red.mat"}
        )
        result = await client.call_tool("capture_view", {"view": "scene"})
    assert (255, 0, 0) not in before
    assert (255, 0, 0) in pixels(the_png(result, 640, 360))
    assert structured(result, "capture_view")["objects_drawn"] == 10


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"width": 15}, "width: Input should be greater than or equal to 16"),
        ({"height": 2049}, "height: Input should be less than or equal to 2048"),
        ({"view": "camera"}, "view 'camera' needs 'camera'"),
        ({"view": "game", "camera": "Main Camera"}, "'camera' is only for view 'camera'"),
        ({"view": "top"}, "view: Input should be 'game', 'scene' or 'camera'"),
    ],
)
async def test_bad_sizes_and_views_are_refused_before_unity(
    world: World, mode: str, arguments: dict[str, object], problem: str
) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        result = await client.call_tool("capture_view", arguments)
    assert result.is_error is True
    assert problem in error_text(result)
    assert world.peer.commands_seen == []


async def test_an_unknown_camera_is_unitys_clear_error(world: World) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server) as client:
        result = await client.call_tool("capture_view", {"view": "camera", "camera": "Drone"})
    assert result.is_error is True
    assert "no camera 'Drone' in the loaded scenes (cameras: Main Camera)" in error_text(result)


async def test_capture_view_is_refused_as_a_batch_step(world: World) -> None:
    steps = [{"tool": "capture_view", "arguments": {}}]
    async with asyncio.timeout(DEADLINE), Client(world.server) as client:
        result = await client.call_tool("batch", {"steps": steps})
    assert result.is_error is True
    assert "batch step 1: capture_view cannot run in a batch" in error_text(result)
    assert world.peer.commands_seen == []


@pytest.mark.parametrize("kind", CLIENTS)
async def test_a_stdio_client_receives_the_png(kind: str) -> None:
    async with asyncio.timeout(STDIO_DEADLINE), stdio_server(kind) as client:
        await wait_until_connected(client)
        result = await client.call_tool("capture_view", {"width": 64, "height": 48})
        assert GROUND_GREEN in pixels(the_png(result, 64, 48))
