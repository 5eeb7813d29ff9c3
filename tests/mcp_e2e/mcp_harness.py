"""Shared set-up for the end-to-end MCP tests: the whole chain in one process.

MCP client (in memory, either protocol era) → ``build_server`` → ``UnityManager`` →
real WebSocket on a loopback port → ``SimulatedUnity`` peer → ``SimulatedEditor``.

Its fixtures are in ``mcp_fixtures.py``, which test modules load with
``pytest_plugins = ["mcp_fixtures"]``: a ``conftest.py`` here would be imported as the
module ``conftest`` and hide ``tests/conftest.py`` from the test directories that
``from conftest import ...``.

``TOOL_CALLS`` is the argument table: one valid call per tool against the sample
project of ``SimulatedEditor``, with what its answer must show. Its order also works as
one sequence on a single editor (the stdio tests call every tool in turn).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
import warnings
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
from mcp import Client, MCPDeprecationWarning
from mcp.server.mcpserver import MCPServer
from mcp.shared.subscriptions import ResourceUpdated
from mcp.types import CallToolResult, ResourceUpdatedNotification, TextContent
from mcp.types import TextResourceContents as TextResource
from pydantic import BaseModel

from conftest import RunningServer, serve
from movesia_mcp import UnityManager, UnityManagerConfig
from movesia_mcp._server.app import build_server
from movesia_mcp._server.hub import ClientHub
from movesia_mcp._server.server_tools import CompileWait, ConnectionStatus, ProjectList
from movesia_mcp._simulator import SimulatedEditor, SimulatedUnity
from movesia_mcp._simulator.editor import DEFAULT_PROJECT_PATH, DEFAULT_UNITY_VERSION
from movesia_mcp.catalog import TOOLS_BY_NAME

Json = dict[str, Any]

MODES = ("legacy", "auto")  # handshake era (initialize) and 2026-07-28 (no handshake)
SERVER_TOOLS: dict[str, type[BaseModel]] = {
    "get_connection_status": ConnectionStatus,
    "list_projects": ProjectList,
    "select_project": ProjectList,
    "wait_for_compile": CompileWait,
}
PROJECT = "SimProject"  # the name of DEFAULT_PROJECT_PATH
DEADLINE = 10.0  # nothing in these tests may take longer; a hang fails instead

VALID_SCRIPT = """\
using UnityEngine;

public class Spinner : MonoBehaviour
{
    public float speed = 90f;

    void Update()
    {
        transform.Rotate(0f, speed * Time.deltaTime, 0f);
    }
}
"""
# The class's closing brace is missing: the compiler reports it with file and line.
BROKEN_SCRIPT = "\n".join(VALID_SCRIPT.splitlines()[:-1]) + "\n"
# edit_script's table call: "90f" on line 5 becomes "45f".
SPEED_COLUMN = VALID_SCRIPT.splitlines()[4].index("90f") + 1
EDITED_SCRIPT = VALID_SCRIPT.replace("90f", "45f")


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def result_model(tool: str) -> type[BaseModel]:
    spec = TOOLS_BY_NAME.get(tool)
    return spec.result if spec is not None else SERVER_TOOLS[tool]


# ── the argument table ──────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class ToolCall:
    """Valid arguments for one tool, and what its structured answer must show.

    ``before``: calls that set the stage (on a fresh editor as well as in sequence).
    ``state``: a check of the editor itself, for in-process runs.
    """

    arguments: Json
    shows: Callable[[Json], bool]
    before: tuple[tuple[str, Json], ...] = ()
    state: Callable[[SimulatedEditor, Json], bool] | None = None


def _names(objects: list[Json]) -> list[str]:
    return [o["name"] for o in objects]


def _types(components: list[Json]) -> set[str]:
    return {c["type"] for c in components}


LEVEL2 = "Assets/Scenes/Level2.unity"
# Entering play mode runs PlayerController.Start(), which logs "Player ready".
PLAY_AND_STOP = (("set_play_mode", {"action": "play"}), ("set_play_mode", {"action": "stop"}))

TOOL_CALLS: dict[str, ToolCall] = {
    "get_connection_status": ToolCall(
        {},
        lambda r: (
            r["connected"] is True
            and r["compiling"] is False
            and [p["project"] for p in r["projects"]] == [PROJECT]
        ),
    ),
    "list_projects": ToolCall(
        {},
        lambda r: (
            [p["project"] for p in r["projects"]] == [PROJECT]
            and r["projects"][0]["project_path"] == DEFAULT_PROJECT_PATH
        ),
    ),
    "select_project": ToolCall(
        {"project": PROJECT},
        lambda r: r["default_project"] == r["projects"][0]["session"],
    ),
    "wait_for_compile": ToolCall(
        {"timeout": 5},
        lambda r: r["project"] == PROJECT and r["was_compiling"] is False,
    ),
    "get_hierarchy": ToolCall(
        {"depth": 1},
        lambda r: (
            {"Player", "Environment", "Enemy", "Canvas"} <= set(_names(r["nodes"]))
            and "Model" in _names(next(n for n in r["nodes"] if n["name"] == "Player")["children"])
            and r["next_offset"] is None
        ),
    ),
    "find_objects": ToolCall(
        {"name": "oak"},
        lambda r: r["total"] == 1 and r["objects"][0]["path"] == "Environment/Trees/Oak",
    ),
    "inspect_object": ToolCall(
        {"path": "Player"},
        lambda r: (
            r["object"]["tag"] == "Player"
            and {"Transform", "Rigidbody", "PlayerController"} <= _types(r["components"])
            and "Model" in r["children"]
        ),
    ),
    "create_gameobject": ToolCall(
        {"name": "E2E Cube", "primitive": "Cube", "position": [1, 2, 3]},
        lambda r: (
            r["object"]["name"] == "E2E Cube"
            and r["object"]["path"] == "E2E Cube"
            and "BoxCollider" in r["object"]["components"]
        ),
        state=lambda e, r: e.graph.find("E2E Cube") is not None,
    ),
    "duplicate_gameobject": ToolCall(
        {"path": "Environment/Rocks/Rock", "new_name": "Rock Copy"},
        lambda r: (
            r["object"]["path"] == "Environment/Rocks/Rock Copy" and r["object"]["instance_id"] > 0
        ),
        state=lambda e, r: e.graph.find("Environment/Rocks/Rock") is not None,
    ),
    "destroy_gameobject": ToolCall(
        {"path": "Environment/Trees/Pine"},
        lambda r: r["success"] is True and "Pine" in r["message"],
        state=lambda e, r: e.graph.find("Environment/Trees/Pine") is None,
    ),
    "rename_gameobject": ToolCall(
        {"path": "Main Camera", "new_name": "Hero Camera"},
        lambda r: r["object"]["name"] == "Hero Camera" and r["object"]["tag"] == "MainCamera",
    ),
    "set_parent": ToolCall(
        {"path": "Player/CameraTarget", "new_parent": None},
        lambda r: r["object"]["path"] == "CameraTarget",
        state=lambda e, r: e.graph.find("Player/CameraTarget") is None,
    ),
    "add_component": ToolCall(
        {"path": "Ground", "component": "BoxCollider"},
        lambda r: (
            r["component"]["type"] == "BoxCollider" and "BoxCollider" in r["object"]["components"]
        ),
    ),
    "remove_component": ToolCall(
        {"path": "Player", "component": "Rigidbody"},
        lambda r: r["success"] is True and "Rigidbody" in r["message"],
        state=lambda e, r: (
            (player := e.graph.find("Player")) is not None and "Rigidbody" not in player.components
        ),
    ),
    "set_component_properties": ToolCall(
        {"path": "Directional Light", "component": "Light", "properties": {"intensity": 2.5}},
        lambda r: (
            r["component"]["type"] == "Light" and r["component"]["properties"]["intensity"] == 2.5
        ),
    ),
    "instantiate_prefab": ToolCall(
        {"prefab_path": "Assets/Prefabs/Enemy.prefab", "position": [5, 0, 5]},
        lambda r: (
            r["prefab_path"] == "Assets/Prefabs/Enemy.prefab"
            and r["object"]["name"] == "Enemy"
            and r["object"]["child_count"] == 1
        ),
    ),
    "create_prefab": ToolCall(
        {"path": "Environment/Trees/Oak", "prefab_path": "Assets/Prefabs/Oak.prefab"},
        lambda r: r["prefab_path"] == "Assets/Prefabs/Oak.prefab" and r["object"]["name"] == "Oak",
        state=lambda e, r: e.assets["Assets/Prefabs/Oak.prefab"].type == "Prefab",
    ),
    "apply_prefab": ToolCall(
        {"path": "Enemy"},
        lambda r: r["prefab_path"] == "Assets/Prefabs/Enemy.prefab",
    ),
    "revert_prefab": ToolCall(
        {"path": "Enemy/Eye"},
        lambda r: (
            r["prefab_path"] == "Assets/Prefabs/Enemy.prefab" and r["object"]["name"] == "Enemy"
        ),
    ),
    "open_scene": ToolCall(
        {"path": LEVEL2, "additive": True},
        lambda r: (
            r["scene"]["name"] == "Level2"
            and {"SampleScene", "Level2"} <= {s["name"] for s in r["loaded_scenes"]}
        ),
    ),
    "move_to_scene": ToolCall(
        {"path": "Canvas", "scene": "Level2"},
        lambda r: r["object"]["name"] == "Canvas",
        before=(("open_scene", {"path": LEVEL2, "additive": True}),),
        state=lambda e, r: (
            (moved := e.graph.get(r["object"]["instance_id"])) is not None
            and moved.scene.name == "Level2"
        ),
    ),
    "save_scene": ToolCall(
        {},
        lambda r: r["scene"]["name"] == "SampleScene" and r["scene"]["is_dirty"] is False,
    ),
    "create_scene": ToolCall(
        {"path": "Assets/Scenes/E2E.unity", "additive": True},
        lambda r: (
            r["scene"]["name"] == "E2E" and "SampleScene" in {s["name"] for s in r["loaded_scenes"]}
        ),
    ),
    "set_active_scene": ToolCall(
        {"scene": "SampleScene"},
        lambda r: r["scene"]["name"] == "SampleScene" and r["scene"]["is_active"] is True,
    ),
    "search_assets": ToolCall(
        {"query": "t:Material"},
        lambda r: (
            {"Assets/Materials/Ground.mat", "Assets/Materials/PlayerBlue.mat"}
            <= {a["path"] for a in r["assets"]}
            and {a["type"] for a in r["assets"]} == {"Material"}
        ),
    ),
    "refresh_assets": ToolCall({}, lambda r: r["success"] is True and r["errors"] == []),
    "delete_asset": ToolCall(
        {"path": "Assets/Textures/Grass.png"},
        lambda r: r["success"] is True and r["deleted"] == ["Assets/Textures/Grass.png"],
        state=lambda e, r: "Assets/Textures/Grass.png" not in e.assets,
    ),
    "create_material": ToolCall(
        {"path": "Assets/Materials/E2E.mat", "color": [1, 0, 0, 1]},
        lambda r: (
            r["path"] == "Assets/Materials/E2E.mat"
            and r["shader"] == "Standard"
            and r["properties"]["_Color"] == [1, 0, 0, 1]
        ),
    ),
    "modify_material": ToolCall(
        {"path": "Assets/Materials/Ground.mat", "color": [0, 0, 1]},
        lambda r: r["properties"]["_Color"] == [0, 0, 1, 1],
    ),
    "assign_material": ToolCall(
        {"path": "Player/Model/Weapon", "material_path": "Assets/Materials/PlayerBlue.mat"},
        lambda r: (
            r["component"]["type"] == "MeshRenderer"
            and r["component"]["properties"]["materials"][0] == "Assets/Materials/PlayerBlue.mat"
        ),
    ),
    "write_script": ToolCall(
        {"path": "Assets/Scripts/Spinner.cs", "contents": VALID_SCRIPT},
        lambda r: (
            r["path"] == "Assets/Scripts/Spinner.cs"
            and r["created"] is True
            and r["compiled"] is True
            and r["errors"] == []
        ),
        state=lambda e, r: "Spinner" in e.script_classes,
    ),
    "read_console": ToolCall(
        {"types": ["Log"], "limit": 10, "include_stacktrace": True},
        lambda r: (
            any(
                e["message"] == "Player ready" and "PlayerController" in e["stacktrace"]
                for e in r["entries"]
            )
            and 1 <= len(r["entries"]) <= 10
            and {e["type"] for e in r["entries"]} == {"Log"}
        ),
        before=PLAY_AND_STOP,
    ),
    "clear_console": ToolCall(
        {},
        lambda r: r["success"] is True and r["message"] != "cleared 0 console entries",
        before=PLAY_AND_STOP,
        state=lambda e, r: all(entry.from_compiler for entry in e.console),
    ),
    "get_editor_state": ToolCall(
        {},
        lambda r: (
            r["project_path"] == DEFAULT_PROJECT_PATH
            and r["unity_version"] == DEFAULT_UNITY_VERSION
            and r["active_scene"] == "SampleScene"
            and r["is_compiling"] is False
        ),
    ),
    "get_selection": ToolCall(
        {},
        lambda r: [o["path"] for o in r["objects"]] == ["Player/Model/Head"],
        before=(("set_selection", {"paths": ["Player/Model/Head"]}),),
    ),
    "set_selection": ToolCall(
        {"paths": ["Player"]},
        lambda r: _names(r["objects"]) == ["Player"],
        state=lambda e, r: e.selection == [r["objects"][0]["instance_id"]],
    ),
    "execute_menu_item": ToolCall(
        {"menu_path": "GameObject/3D Object/Sphere"},
        lambda r: r["success"] is True and r["object"]["name"].startswith("Sphere"),
    ),
    "get_project_settings": ToolCall(
        {"category": "physics"},
        lambda r: r["category"] == "physics" and r["settings"]["gravity"] == [0.0, -9.81, 0.0],
    ),
    "set_play_mode": ToolCall(
        {"action": "play"},
        lambda r: r["is_playing"] is True and r["is_paused"] is False,
        state=lambda e, r: e.is_playing,
    ),
    "batch": ToolCall(
        {
            "steps": [
                {"tool": "create_gameobject", "arguments": {"name": "Batch A"}},
                {
                    "tool": "rename_gameobject",
                    "arguments": {"path": "Batch A", "new_name": "Batch B"},
                },
            ]
        },
        lambda r: (
            r["completed"] == 2
            and r["stopped_on_error"] is False
            and r["results"][1]["result"]["object"]["name"] == "Batch B"
        ),
        state=lambda e, r: e.graph.find("Batch B") is not None,
    ),
    "capture_view": ToolCall(
        {"view": "game", "width": 320, "height": 200},
        lambda r: (
            r["view"] == "game"
            and isinstance(r["camera"], str)  # in the stdio sequence, Level2's camera
            and (r["width"], r["height"]) == (320, 200)
            and r["objects_drawn"] >= 3
            and r["mime_type"] == "image/png"
            and "png_base64" not in r
        ),
        state=lambda e, r: (
            r["camera"] == "Main Camera"
            and r["objects_drawn"]
            == sum(
                "MeshRenderer" in o.components
                for scene in e.graph.loaded
                for root in scene.roots
                for o in root.walk()
            )
        ),
    ),
    "list_tests": ToolCall(
        {"mode": "EditMode", "limit": 3},
        lambda r: (
            r["total"] == 5
            and [t["name"] for t in r["tests"]]
            == [
                "Game.Tests.PlayerTests.MovesForward",
                "Game.Tests.PlayerTests.JumpsOnce",
                "Game.Tests.InventoryTests.AddsItem",
            ]
            and {t["mode"] for t in r["tests"]} == {"EditMode"}
            and r["tests"][0]["categories"] == ["Movement"]
            and r["next_offset"] == 3
        ),
    ),
    "run_tests": ToolCall(
        {"mode": "EditMode", "assemblies": ["Game.Tests.EditMode"]},
        lambda r: (
            (r["passed"], r["failed"], r["skipped"], r["total"]) == (3, 1, 1, 5)
            and [f["name"] for f in r["failures"]]
            == ["Game.Tests.InventoryTests.DropsItemWhenFull"]
            and "But was:  10" in r["failures"][0]["message"]
            and "InventoryTests.cs:31" in r["failures"][0]["stack"]
            and r["next_offset"] is None
        ),
    ),
    # ── packages (catalog v2)
    "list_packages": ToolCall(
        {},
        lambda r: (
            r["total"] == len(r["packages"])
            and {"name": "com.unity.textmeshpro", "version": "3.0.6"}.items()
            <= next(p for p in r["packages"] if p["name"] == "com.unity.textmeshpro").items()
            and all(p["source"] != "builtin" for p in r["packages"])
        ),
    ),
    "add_package": ToolCall(
        {"package": "com.unity.inputsystem@1.7.0"},
        lambda r: (
            r["name"] == "com.unity.inputsystem"
            and r["version"] == "1.7.0"
            and r["compiled"] is True
            and r["errors"] == []
        ),
        state=lambda e, r: e.package_manager.packages["com.unity.inputsystem"].version == "1.7.0",
    ),
    "remove_package": ToolCall(
        {"name": "com.unity.timeline"},
        lambda r: r["name"] == "com.unity.timeline" and r["version"] is None and r["compiled"],
        state=lambda e, r: "com.unity.timeline" not in e.package_manager.packages,
    ),
    "read_script": ToolCall(
        {"path": "Assets/Scripts/PlayerController.cs", "offset": 0, "limit": 2},
        lambda r: (
            r["contents"] == "using UnityEngine;\n\n"
            and r["line_count"] == 18
            and r["next_offset"] == 2
            and len(r["sha256"]) == 64
        ),
    ),
    "edit_script": ToolCall(
        {
            "path": "Assets/Scripts/Spinner.cs",
            "sha256": sha256_hex(VALID_SCRIPT),
            "edits": [
                {
                    "start_line": 5,
                    "start_column": SPEED_COLUMN,
                    "end_line": 5,
                    "end_column": SPEED_COLUMN + 2,
                    "text": "45",
                }
            ],
        },
        lambda r: (
            r["path"] == "Assets/Scripts/Spinner.cs"
            and r["compiled"] is True
            and r["errors"] == []
            and r["sha256"] == sha256_hex(EDITED_SCRIPT)
            and r["line_count"] == len(EDITED_SCRIPT.splitlines())
        ),
        before=(("write_script", {"path": "Assets/Scripts/Spinner.cs", "contents": VALID_SCRIPT}),),
        state=lambda e, r: e.assets["Assets/Scripts/Spinner.cs"].data["contents"] == EDITED_SCRIPT,
    ),
    "undo": ToolCall(
        {"steps": 1},
        lambda r: r["steps"] == 1 and r["names"] == ["Create a GameObject"],
        before=(("create_gameobject", {"name": "Undo Me"}),),
        state=lambda e, r: e.graph.find("Undo Me") is None,
    ),
    "redo": ToolCall(
        {"steps": 1},
        lambda r: r["steps"] == 1 and r["names"] == ["Create a GameObject"],
        before=(("create_gameobject", {"name": "Redo Me"}), ("undo", {})),
        state=lambda e, r: e.graph.find("Redo Me") is not None,
    ),
}


def error_text(result: CallToolResult) -> str:
    return " ".join(c.text for c in result.content if isinstance(c, TextContent))


def structured(result: CallToolResult, tool: str) -> Json:
    """The structured answer of a successful call, checked against the tool's model."""
    assert result.is_error is False, f"{tool} failed: {error_text(result)}"
    assert result.structured_content is not None, f"{tool} has no structured content"
    result_model(tool).model_validate(result.structured_content)
    return dict(result.structured_content)


async def call_ok(client: Any, tool: str, arguments: Json) -> Json:
    """Call ``tool`` (a ``Client`` or a ``ClientSession``) and return its checked answer."""
    return structured(await client.call_tool(tool, arguments), tool)


async def run_table_entry(client: Any, tool: str) -> Json:
    """Set the stage, call ``tool`` with its table arguments, check what it shows."""
    entry = TOOL_CALLS[tool]
    for name, arguments in entry.before:
        await call_ok(client, name, arguments)
    answer = await call_ok(client, tool, entry.arguments)
    assert entry.shows(answer), f"{tool} answered {answer}"
    return answer


# ── the in-process world ────────────────────────────────────────────────────────────


def fast_manager() -> UnityManager:
    return UnityManager(
        UnityManagerConfig(
            command_timeout=DEADLINE,
            interrupt_timeout=DEADLINE,
            reconnect_grace=0.5,
            progress_interval=0.05,
        ),
    )  # reload-surviving commands: the catalog's (the manager's default)


@dataclass
class World:
    manager: UnityManager
    hub: ClientHub
    server: MCPServer
    running: RunningServer
    editor: SimulatedEditor
    peer: SimulatedUnity
    peers: list[SimulatedUnity] = field(default_factory=list)

    async def attach_editor(self, editor: SimulatedEditor, *, wait: bool = True) -> SimulatedUnity:
        """Connect ``editor`` through a new peer; wait until the manager has it."""
        peer = SimulatedUnity(
            self.running.url,
            project_path=editor.project_path,
            unity_version=editor.unity_version,
            handlers=editor.handlers(),
            heartbeat_interval=None,
        )
        editor.attach(peer)
        self.peers.append(peer)
        await peer.connect()
        if wait:
            await eventually(lambda: self.session_of(peer) is not None)
        return peer

    def session_of(self, peer: SimulatedUnity) -> Any:
        session = self.manager.sessions.get(peer.session_id)
        return session if session is not None and session.connection is not None else None


@contextlib.asynccontextmanager
async def open_world(
    *, editor: SimulatedEditor | None = None, connect: bool = True
) -> AsyncIterator[World]:
    """The whole chain, with ``editor`` (default: a fresh sample project) connected,
    unless ``connect`` is off.

    Only asyncio tasks live across the ``yield``, so a pytest-asyncio fixture may set
    it up and tear it down in different tasks.
    """
    manager = fast_manager()
    hub = ClientHub()
    server = build_server(manager, hub)
    if editor is None:
        editor = SimulatedEditor()
    async with serve(manager) as running:
        # No hub.run() here: the server's lifespan runs it for each client (build_server).
        peer = SimulatedUnity(
            running.url,
            project_path=editor.project_path,
            unity_version=editor.unity_version,
            handlers=editor.handlers(),
            heartbeat_interval=None,
        )
        editor.attach(peer)
        world = World(manager, hub, server, running, editor, peer, [peer])
        try:
            if connect:
                await peer.connect()
                await eventually(lambda: world.session_of(peer) is not None)
            yield world
        finally:
            for each in world.peers:
                await each.aclose()


async def eventually(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    """Return once ``predicate()`` is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not met within {timeout:g}s")
        await asyncio.sleep(0.005)


Progress = tuple[float, float | None, str | None]


async def call_while_compiling(
    world: World, mode: str, tool: str, arguments: Json
) -> tuple[CallToolResult, list[Progress]]:
    """Call ``tool`` while the editor compiles, and collect its progress notifications.

    The editor reports ``compile_started`` first; it finishes compiling once the caller
    has seen a progress notification (5 s at most), so the call must wait and say so.
    """
    reports: list[Progress] = []
    reported = asyncio.Event()

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        reports.append((progress, total, message))
        reported.set()

    async def finish_compile() -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(reported.wait(), 5)
        await world.peer.send_event("compile_finished", {"success": True, "errors": []})

    session = world.manager.sessions[world.peer.session_id]
    await world.peer.send_event("compile_started", {})
    await eventually(lambda: session.compiling)
    finisher = asyncio.create_task(finish_compile())
    try:
        async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
            result = await client.call_tool(tool, arguments, progress_callback=on_progress)
    finally:
        await finisher
    return result, reports


# ── resource updates, in both eras ──────────────────────────────────────────────────


class UpdateLog:
    """The ``resources/updated`` URIs a client received, in order."""

    def __init__(self) -> None:
        self.uris: list[str] = []

    def record(self, uri: str) -> None:
        self.uris.append(str(uri))

    def count(self, uri: str) -> int:
        return self.uris.count(uri)


async def read_json(client: Client, uri: str) -> Json:
    result = await client.read_resource(uri)
    content = result.contents[0]
    assert isinstance(content, TextResource), content
    data: Json = json.loads(content.text)
    return data


async def update_showing(
    client: Client,
    log: UpdateLog,
    uri: str,
    since: int,
    shows: Callable[[Json], bool],
    timeout: float = 5.0,
) -> Json:
    """Wait for an update of ``uri`` after the ``since``-th one, after which reading
    ``uri`` gives content that ``shows``. Returns that content."""
    deadline = time.monotonic() + timeout
    seen = since
    last: Json | None = None
    while True:
        while log.count(uri) <= seen:
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"no update of {uri} showing the change within {timeout:g}s "
                    f"({log.count(uri) - since} update(s) after the trigger; last read {last})"
                )
            await asyncio.sleep(0.005)
        seen = log.count(uri)
        last = await read_json(client, uri)
        if shows(last):
            return last


@contextlib.asynccontextmanager
async def subscribed(
    server: MCPServer, mode: str, uris: list[str]
) -> AsyncIterator[tuple[Client, UpdateLog]]:
    """A client of ``mode`` subscribed to ``uris`` the way its era does it.

    legacy: ``resources/subscribe`` and ``notifications/resources/updated``;
    2026-07-28: one ``subscriptions/listen`` stream.
    """
    log = UpdateLog()
    if mode == "legacy":

        async def on_message(message: object) -> None:
            if isinstance(message, ResourceUpdatedNotification):
                log.record(message.params.uri)

        async with Client(server, mode="legacy", message_handler=on_message) as client:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MCPDeprecationWarning)
                for uri in uris:
                    await client.subscribe_resource(uri)
            yield client, log
        return

    async with Client(server, mode="auto") as client:
        assert client.protocol_version == "2026-07-28"
        async with (
            client.listen(resource_subscriptions=uris) as subscription,
            anyio.create_task_group() as tg,
        ):

            async def pump() -> None:
                async for event in subscription:
                    if isinstance(event, ResourceUpdated):
                        log.record(event.uri)

            tg.start_soon(pump)
            try:
                yield client, log
            finally:
                tg.cancel_scope.cancel()
