"""Resource templates through the real client in both eras: listed, read, refused on bad
paths, and updated for subscribers when Unity says what they show changed."""

from __future__ import annotations

import asyncio
import json

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_harness import (
    DEADLINE,
    VALID_SCRIPT,
    World,
    call_ok,
    eventually,
    read_json,
    subscribed,
    update_showing,
)

from movesia_mcp._server.templates import object_uri, script_uri
from movesia_mcp.catalog import TOOLS_BY_NAME
from movesia_mcp.catalog._resources import OBJECT_TEMPLATE, SCRIPT_TEMPLATE

pytest_plugins = ["mcp_fixtures"]

OAK = object_uri("Environment/Trees/Oak")


async def test_both_templates_are_listed(world: World, mode: str) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        templates = (await client.list_resource_templates()).resource_templates
        resources = {str(r.uri) for r in (await client.list_resources()).resources}
    listed = {t.uri_template: t for t in templates}
    assert set(listed) >= {OBJECT_TEMPLATE, SCRIPT_TEMPLATE}
    assert listed[OBJECT_TEMPLATE].mime_type == "application/json"
    assert "URL-encoded" in (listed[SCRIPT_TEMPLATE].description or "")
    assert OBJECT_TEMPLATE not in resources  # a template, not a fixed resource


async def test_an_object_is_read_by_its_encoded_hierarchy_path(world: World, mode: str) -> None:
    assert OAK == "unity://object/Environment%2FTrees%2FOak"
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        oak = await read_json(client, OAK)
        trees = await read_json(client, object_uri("Environment/Trees"))
    TOOLS_BY_NAME["inspect_object"].result.model_validate(oak)
    assert oak["object"]["path"] == "Environment/Trees/Oak"
    assert {"Transform", "MeshFilter", "MeshRenderer"} <= {c["type"] for c in oak["components"]}
    assert trees["children"] == ["Oak", "Pine"]


@pytest.mark.parametrize(
    ("uri", "says"),
    [
        (object_uri("Environment/Nothing"), "Environment/Nothing"),
        (object_uri("   "), "is not a hierarchy path"),
        (script_uri("ProjectSettings/Hack.cs"), "only Assets/"),
        (script_uri("Assets/Scripts/Notes.txt"), ".cs"),
        (script_uri("Assets/Scripts/CON.cs"), "reserved device name"),
        (script_uri("Assets/../Secrets.cs"), "Secrets.cs"),
    ],
)
async def test_a_bad_path_is_a_clear_error(world: World, mode: str, uri: str, says: str) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        with pytest.raises(MCPError) as caught:
            await client.read_resource(uri)
        still = await call_ok(client, "get_hierarchy", {"depth": 0})
    assert says in str(caught.value), str(caught.value)
    assert still["total"] > 0  # the server keeps serving
    assert all(m["type"] != "read_script" for m in world.peer.commands_seen)


async def test_a_script_is_read_through_read_script(world: World, mode: str) -> None:
    uri = script_uri("Assets/Scripts/PlayerController.cs")
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        try:
            result = await client.read_resource(uri)
        except MCPError as exc:
            answer: dict[str, object] | None = None
            error = str(exc)
        else:
            answer = json.loads(result.contents[0].text)  # type: ignore[union-attr]
            error = ""
    spec = TOOLS_BY_NAME.get("read_script")
    if spec is None:
        # This branch has no read_script command yet (helper I adds it): the resource says
        # which command it needs instead of inventing an answer.
        assert answer is None
        assert "read_script" in error
    else:
        assert answer is not None, error
        spec.result.model_validate(answer)
    assert [m["type"] for m in world.peer.commands_seen] == ["read_script"]


async def test_an_object_subscriber_hears_of_hierarchy_changes(world: World, mode: str) -> None:
    async with asyncio.timeout(DEADLINE), subscribed(world.server, mode, [OAK]) as (client, log):
        before = await read_json(client, OAK)
        assert before["children"] == []
        since = log.count(OAK)
        await call_ok(
            client, "create_gameobject", {"name": "Acorn", "parent": "Environment/Trees/Oak"}
        )
        after = await update_showing(client, log, OAK, since, lambda o: o["children"] != [])
    assert after["children"] == ["Acorn"]
    assert after["object"]["child_count"] == 1


async def test_a_script_subscriber_hears_of_its_import_only(world: World, mode: str) -> None:
    mine = script_uri("Assets/Scripts/Spinner.cs")
    other = script_uri("Assets/Scripts/PlayerController.cs")
    async with (
        asyncio.timeout(DEADLINE),
        subscribed(world.server, mode, [mine, other]) as (client, log),
    ):
        await call_ok(
            client, "write_script", {"path": "Assets/Scripts/Spinner.cs", "contents": VALID_SCRIPT}
        )
        await eventually(lambda: log.count(mine) > 0)
        # A round trip after the update: an update of the other URI would have come by now.
        await call_ok(client, "get_hierarchy", {"depth": 0})
        await asyncio.sleep(0)
    assert log.count(other) == 0


@pytest.mark.parametrize("kind", ["Client", "ClientSession"])
async def test_templates_and_prompts_over_stdio(kind: str) -> None:
    from test_stdio_e2e import STDIO_DEADLINE, stdio_server, wait_until_connected

    async with asyncio.timeout(STDIO_DEADLINE), stdio_server(kind) as client:
        await wait_until_connected(client)
        templates = (await client.list_resource_templates()).resource_templates
        oak = await client.read_resource(OAK)
        prompt = await client.get_prompt("fix_compile_errors", {"max_rounds": "2"})
    assert {t.uri_template for t in templates} >= {OBJECT_TEMPLATE, SCRIPT_TEMPLATE}
    assert json.loads(oak.contents[0].text)["object"]["name"] == "Oak"
    assert "at most 2 rounds" in prompt.messages[0].content.text
