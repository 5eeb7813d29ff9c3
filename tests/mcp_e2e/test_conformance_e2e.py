"""MCP conformance, in both protocol eras: what the spec asks of a server, checked
through the official client against the whole chain (simulated editor over a real
WebSocket).

- the ``logging`` capability and ``logging/setLevel``, per connection; for 2026-07-28
  clients the per-request ``io.modelcontextprotocol/logLevel`` opt-in instead;
- an unknown tool is a JSON-RPC error (-32602), not a result;
- every input schema says ``additionalProperties: false`` and describes every
  parameter; an unknown argument is a tool error naming the nearest valid one;
- annotations that tell the truth; error text without internal model names;
- capability flags that agree between ``initialize`` and ``server/discover``;
- a ``batch`` that stops at a failing step is a tool error carrying the results so far.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from mcp import Client, MCPError
from mcp.types import INVALID_PARAMS, LoggingMessageNotificationParams
from mcp_harness import (
    BROKEN_SCRIPT,
    DEADLINE,
    VALID_SCRIPT,
    World,
    error_text,
    eventually,
    result_model,
)
from pydantic import BaseModel

from expected_tools import TOOL_COUNT
from movesia_mcp.catalog import TOOLS_BY_NAME, UNITY_TOOLS
from movesia_mcp.catalog import _models as catalog_models
from movesia_mcp.catalog import _tools as catalog_tools
from movesia_mcp.catalog._tools import BatchResult

pytest_plugins = ["mcp_fixtures"]
# logging/setLevel is deprecated by SEP-2577 (2026-07-28); handshake-era clients use it.
pytestmark = pytest.mark.filterwarnings("ignore::mcp.MCPDeprecationWarning")

Json = dict[str, Any]


class LogSink:
    def __init__(self) -> None:
        self.logs: list[LoggingMessageNotificationParams] = []

    async def __call__(self, params: LoggingMessageNotificationParams) -> None:
        self.logs.append(params)

    def events(self) -> list[tuple[str, str]]:
        return [
            (log.level, str(log.data.get("event")))
            for log in self.logs
            if isinstance(log.data, dict)
        ]


COMPILE_ERRORS = [{"file": "Assets/A.cs", "line": 3, "column": 1, "message": "CS1513"}]


async def compile_with_errors(world: World) -> None:
    """An info log (compile_started), then an error log (compile_finished with errors)."""
    await world.peer.send_event("compile_started", {})
    await world.peer.send_event("compile_finished", {"success": False, "errors": COMPILE_ERRORS})


# ── logging ─────────────────────────────────────────────────────────────────────────


async def test_logging_is_declared_in_both_eras(world: World, mode: str) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        assert client.server_capabilities.logging is not None


async def test_set_level_applies_to_that_client_only(world: World) -> None:
    quiet, chatty, silent = LogSink(), LogSink(), LogSink()
    async with (
        asyncio.timeout(DEADLINE),
        Client(world.server, mode="legacy", logging_callback=quiet) as q,
        Client(world.server, mode="legacy", logging_callback=chatty) as c,
        Client(world.server, mode="legacy", logging_callback=silent) as s,
    ):
        await q.set_logging_level("error")
        await c.set_logging_level("debug")
        await s.set_logging_level("emergency")
        await compile_with_errors(world)
        await eventually(lambda: ("error", "compile_finished") in chatty.events())
        await eventually(lambda: ("error", "compile_finished") in quiet.events())
        # A later log that every level above "emergency" would get: once it reached the
        # chatty client, the silent one has had its chance too.
        await world.peer.send_event("log_message", {"type": "Error", "message": "NullRef"})
        await eventually(lambda: ("error", "unity_log") in chatty.events())
        await eventually(lambda: ("error", "unity_log") in quiet.events())
    assert ("info", "compile_started") in chatty.events()
    assert ("info", "compile_started") not in quiet.events()
    assert [level for level, _ in quiet.events()] == ["error", "error"]
    assert silent.logs == []


async def test_a_client_that_never_set_a_level_gets_every_level(world: World) -> None:
    sink = LogSink()
    async with (
        asyncio.timeout(DEADLINE),
        Client(world.server, mode="legacy", logging_callback=sink),
    ):
        await compile_with_errors(world)
        await eventually(lambda: ("error", "compile_finished") in sink.events())
    assert ("info", "compile_started") in sink.events()


@pytest.mark.parametrize(
    ("log_level", "expected"),
    [
        ("info", [("info", "compile_started"), ("error", "compile_finished")]),
        ("error", [("error", "compile_finished")]),
        (None, []),
    ],
)
async def test_a_2026_request_gets_the_logs_it_opted_in_to_while_it_runs(
    world: World, log_level: Any, expected: list[tuple[str, str]]
) -> None:
    """2026-07-28: no logging/setLevel; the request's ``_meta`` log level decides, and the
    logs of what it caused (here the compile of a broken script) ride its own stream."""
    sink = LogSink()
    async with (
        asyncio.timeout(DEADLINE),
        Client(world.server, log_level=log_level, logging_callback=sink) as client,
    ):
        assert client.protocol_version == "2026-07-28"
        arguments = {"path": "Assets/Scripts/Spinner.cs", "contents": BROKEN_SCRIPT}
        result = await client.call_tool("write_script", arguments)
        assert result.is_error is False, error_text(result)
        assert result.structured_content is not None
        assert result.structured_content["compiled"] is False
    compile_events = [e for e in sink.events() if e[1].startswith("compile_")]
    assert compile_events == expected


async def test_a_2026_request_that_did_not_opt_in_gets_no_logs_however_many(
    world: World,
) -> None:
    sink = LogSink()
    async with (
        asyncio.timeout(DEADLINE),
        Client(world.server, logging_callback=sink) as client,
    ):
        arguments = {"path": "Assets/Scripts/Spinner.cs", "contents": VALID_SCRIPT}
        assert (await client.call_tool("write_script", arguments)).is_error is False
        await compile_with_errors(world)
        await client.call_tool("get_connection_status", {})
    assert sink.logs == []


# ── unknown tools and arguments ─────────────────────────────────────────────────────


async def test_an_unknown_tool_is_a_json_rpc_error(world: World, mode: str) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        with pytest.raises(MCPError) as raised:
            await client.call_tool("create_gameobjekt", {"name": "X"})
        with pytest.raises(MCPError) as unrelated:
            await client.call_tool("launch_rockets", {})
        still = await client.call_tool("get_connection_status", {})
    assert raised.value.error.code == INVALID_PARAMS
    assert "Unknown tool: 'create_gameobjekt'" in raised.value.error.message
    assert "did you mean 'create_gameobject'?" in raised.value.error.message
    assert unrelated.value.error.code == INVALID_PARAMS
    assert "tools/list" in unrelated.value.error.message
    assert still.is_error is False  # the server keeps serving
    assert world.peer.commands_seen == []


MISSPELLED: list[tuple[str, Json, str, str]] = [
    ("create_gameobject", {"name": "Box", "positon": [1, 2, 3]}, "positon", "position"),
    ("get_hierarchy", {"dept": 1}, "dept", "depth"),
    ("get_hierarchy", {"projet": "SimProject"}, "projet", "project"),
    ("wait_for_compile", {"timout": 5}, "timout", "timeout"),
    ("select_project", {"project": None, "proejct": "x"}, "proejct", "project"),
    ("get_editor_state", {"verbose": True}, "verbose", ""),
]


async def test_an_unknown_argument_is_an_error_naming_the_nearest_valid_one(
    world: World, mode: str
) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        for tool, arguments, wrong, nearest in MISSPELLED:
            result = await client.call_tool(tool, arguments)
            text = error_text(result)
            assert result.is_error is True, (tool, text)
            assert f"Unknown argument(s) for {tool}: '{wrong}'" in text, text
            if nearest:
                assert f"did you mean '{nearest}'?" in text, text
            else:
                assert "did you mean" not in text, text
                assert "Valid arguments: project." in text, text
    assert world.peer.commands_seen == []  # nothing was silently dropped and run
    assert world.editor.graph.find("Box") is None


async def test_an_unknown_argument_inside_a_batch_step_names_step_and_nearest(
    world: World, mode: str
) -> None:
    steps = [
        {"tool": "create_gameobject", "arguments": {"name": "A"}},
        {"tool": "create_gameobject", "arguments": {"name": "B", "scael": [1, 1, 1]}},
    ]
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        result = await client.call_tool("batch", {"steps": steps})
        misnamed = await client.call_tool(
            "batch", {"steps": [{"tool": "rename_gameobjet", "arguments": {}}]}
        )
    assert result.is_error is True
    text = error_text(result)
    assert "batch step 2" in text, text
    assert "scael: unknown argument (did you mean 'scale'?)" in text, text
    assert misnamed.is_error is True
    assert "did you mean 'rename_gameobject'?" in error_text(misnamed)
    assert world.peer.commands_seen == []  # refused whole, before Unity


# ── schemas ─────────────────────────────────────────────────────────────────────────


def object_schemas(schema: Json, where: str) -> list[tuple[str, Json]]:
    """Every object schema that names properties, with where it is, nested included
    (through the JSON Schema keywords that hold subschemas)."""
    found: list[tuple[str, Json]] = [(where, schema)] if "properties" in schema else []
    children: list[tuple[str, Any]] = [
        *((f"{where}.{name}", sub) for name, sub in schema.get("properties", {}).items()),
        *((f"{where}.$defs.{name}", sub) for name, sub in schema.get("$defs", {}).items()),
        (f"{where}[]", schema.get("items")),
        (f"{where}{{}}", schema.get("additionalProperties")),
        *(
            (f"{where}.{key}[{n}]", sub)
            for key in ("anyOf", "oneOf", "allOf", "prefixItems")
            for n, sub in enumerate(schema.get(key, []))
        ),
    ]
    for place, sub in children:
        if isinstance(sub, dict):
            found.extend(object_schemas(sub, place))
    return found


async def test_every_input_schema_is_closed_and_describes_every_parameter(
    world: World, mode: str
) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        tools = (await client.list_tools()).tools
    assert len(tools) == TOOL_COUNT
    undescribed: list[str] = []
    open_objects: list[str] = []
    for tool in tools:
        schema = tool.input_schema
        assert schema["additionalProperties"] is False, tool.name
        if tool.name in TOOLS_BY_NAME:
            assert "project" in schema["properties"], tool.name
        for where, obj in object_schemas(schema, tool.name):
            if obj.get("additionalProperties") is not False:
                open_objects.append(where)
            for name, prop in obj["properties"].items():
                if not prop.get("description"):
                    undescribed.append(f"{where}.{name}")
    assert open_objects == []
    assert undescribed == []


def test_every_catalog_parameter_model_is_closed() -> None:
    """``tool_schemas/`` (the contract for the Unity side) says the same."""
    for spec in UNITY_TOOLS:
        schema = spec.params.model_json_schema()
        for where, obj in object_schemas(schema, spec.name):
            assert obj.get("additionalProperties") is False, where


# ── annotations ─────────────────────────────────────────────────────────────────────


async def test_annotations_tell_the_truth(world: World, mode: str) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    for name in ("batch", "execute_menu_item", "write_script", "delete_asset"):
        annotations = tools[name].annotations
        assert annotations is not None
        assert annotations.destructive_hint is True, name
        assert annotations.read_only_hint is False, name
    for spec in UNITY_TOOLS:
        annotations = tools[spec.name].annotations
        assert annotations is not None
        assert annotations.read_only_hint is spec.read_only, spec.name
        assert annotations.destructive_hint is spec.destructive, spec.name
        assert annotations.idempotent_hint is spec.idempotent, spec.name


# ── error text ──────────────────────────────────────────────────────────────────────


def internal_names() -> set[str]:
    """Class names of the catalog's models, and the SDK's synthesised argument models."""
    names = {
        value.__name__
        for module in (catalog_models, catalog_tools)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, BaseModel)
    }
    names |= {f"{spec.name}Arguments" for spec in UNITY_TOOLS}
    names |= {"get_connection_statusArguments", "wait_for_compileArguments"}
    return names


BAD_CALLS: list[tuple[str, Json]] = [
    ("create_gameobject", {"name": ""}),
    ("create_gameobject", {"name": "X", "position": [1, 2]}),
    ("create_gameobject", {"name": "X", "primitive": "Teapot"}),
    ("inspect_object", {}),
    ("find_objects", {}),
    ("write_script", {"path": "Assets/x.txt", "contents": "x"}),
    ("batch", {"steps": []}),
    ("batch", {"steps": ["create_gameobject"]}),
    ("batch", {"steps": [{"tool": "create_gameobject"}]}),
    ("batch", {"steps": [{"tool": "create_gameobject", "arguments": {"name": 3}}]}),
    ("wait_for_compile", {"timeout": -1}),
    ("set_play_mode", {"action": "fly"}),
]


async def test_validation_errors_name_no_internal_models(world: World, mode: str) -> None:
    hidden = internal_names()
    assert {"CreateParams", "WriteScriptParams", "BatchStep"} <= hidden
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        for tool, arguments in BAD_CALLS:
            result = await client.call_tool(tool, arguments)
            text = error_text(result)
            assert result.is_error is True, (tool, arguments)
            leaked = [name for name in hidden if name in text]
            assert leaked == [], (tool, arguments, text)
            assert "validation error for" not in text, text
            assert "errors.pydantic.dev" not in text, text
    assert world.peer.commands_seen == []


# ── capabilities across eras ────────────────────────────────────────────────────────


async def test_capability_flags_agree_between_initialize_and_discover(world: World) -> None:
    async with asyncio.timeout(DEADLINE):
        async with Client(world.server, mode="legacy") as legacy:
            handshake = legacy.server_capabilities
        async with Client(world.server) as modern:
            assert modern.protocol_version == "2026-07-28"
            discovered = modern.server_capabilities
    for caps in (handshake, discovered):
        assert caps.prompts is not None
        assert caps.prompts.list_changed is True
        assert caps.tools is not None
        assert caps.tools.list_changed is True
        assert caps.resources is not None
        assert caps.resources.list_changed is True
        assert caps.resources.subscribe is True
        assert caps.logging is not None
    assert handshake.model_dump(exclude_none=True) == discovered.model_dump(exclude_none=True)


# ── batch failures ──────────────────────────────────────────────────────────────────


async def test_a_batch_stopped_by_a_failing_step_is_a_tool_error_with_its_results(
    world: World, mode: str
) -> None:
    steps = [
        {"tool": "create_gameobject", "arguments": {"name": "Made First"}},
        {"tool": "inspect_object", "arguments": {"path": "Nowhere/Ghost"}},
        {"tool": "create_gameobject", "arguments": {"name": "Never Made"}},
    ]
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        result = await client.call_tool("batch", {"steps": steps})
    assert result.is_error is True
    text = error_text(result)
    assert "batch stopped at step 2 of 3 (inspect_object)" in text, text
    assert "Nowhere/Ghost" in text
    assert "The 1 step(s) before it ran and stay done" in text
    assert result.structured_content is not None
    partial = BatchResult.model_validate(result.structured_content)
    result_model("batch").model_validate(result.structured_content)  # the output schema
    assert (partial.completed, partial.stopped_on_error) == (1, True)
    assert [r.success for r in partial.results] == [True, False]
    assert partial.results[0].result is not None
    assert partial.results[0].result["object"]["name"] == "Made First"
    assert world.editor.graph.find("Made First") is not None
    assert world.editor.graph.find("Never Made") is None


async def test_a_batch_that_completes_is_not_an_error(world: World, mode: str) -> None:
    steps = [{"tool": "create_gameobject", "arguments": {"name": "Fine"}}]
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        result = await client.call_tool("batch", {"steps": steps})
    assert result.is_error is False, error_text(result)
    assert result.structured_content is not None
    assert result.structured_content["stopped_on_error"] is False
