"""``movesia-mcp demo``: the whole chain, no Unity needed.

It starts ``movesia-mcp --simulate-unity`` as a subprocess (MCP over stdio, the Unity
listener on a free port, a simulated editor attached), then drives it with the official
MCP client through a short tour, narrating each step with its timing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from mcp import Client, StdioServerParameters
from mcp.types import CallToolResult, TextResourceContents
from rich.console import Console
from rich.text import Text

BROKEN_SCRIPT = """using UnityEngine;

public class Spinner : MonoBehaviour
{
    public float speed = 90f;

    void Update()
    {
        transform.Rotate(0, speed * Time.deltaTime, 0);
    // a closing brace is missing here
}
"""

FIXED_SCRIPT = """using UnityEngine;

public class Spinner : MonoBehaviour
{
    public float speed = 90f;

    void Update()
    {
        transform.Rotate(0, speed * Time.deltaTime, 0);
    }
}
"""


class DemoFailed(Exception):
    pass


class Narrator:
    """Step-by-step output: a live spinner on a terminal, plain lines otherwise."""

    def __init__(self, plain: bool) -> None:
        self.live = not plain and sys.stdout.isatty()
        self.console = Console(highlight=False) if self.live else None
        self.started = time.perf_counter()

    def say(self, text: str) -> None:
        if self.console is not None:
            self.console.print(text)
        else:
            print(_strip_markup(text), flush=True)

    @contextlib.asynccontextmanager
    async def step(self, title: str) -> AsyncIterator[Callable[[str], None]]:
        details: list[str] = []
        began = time.perf_counter()
        status = self.console.status(title) if self.console is not None else None
        if status is None:
            print(f"▶ {title}", flush=True)
        else:
            status.start()
        try:
            yield details.append
        except Exception:
            if status is not None:
                status.stop()
            self.say(f"[red]✗ {title}[/red]")
            raise
        if status is not None:
            status.stop()
        ms = (time.perf_counter() - began) * 1000
        self.say(f"[green]✓[/green] {title} [dim]({ms:.0f} ms)[/dim]")
        for line in details:
            self.say(f"    {line}")


def _strip_markup(text: str) -> str:
    return Text.from_markup(text).plain


def _structured(result: CallToolResult, tool: str) -> dict[str, Any]:
    if result.is_error:
        text = result.content[0].text if result.content else "no message"  # type: ignore[union-attr]
        raise DemoFailed(f"{tool} failed: {text}")
    return dict(result.structured_content or {})


async def _tour(narrator: Narrator) -> None:
    env = dict(os.environ, SERVER_PORT="0", LOG_LEVEL=os.environ.get("DEMO_LOG_LEVEL", "WARNING"))
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "movesia_mcp", "--simulate-unity"], env=env
    )
    narrator.say("[bold]movesia-mcp demo[/bold]: MCP client → movesia-mcp → simulated Unity editor")
    async with contextlib.AsyncExitStack() as stack:
        async with narrator.step("Start movesia-mcp (stdio) with a simulated Unity editor") as note:
            client = await stack.enter_async_context(Client(params))
            status: dict[str, Any] = {}
            for _ in range(200):
                status = _structured(
                    await client.call_tool("get_connection_status", {}), "get_connection_status"
                )
                if status["connected"]:
                    break
                await asyncio.sleep(0.05)
            else:
                raise DemoFailed("the simulated editor did not connect within 10 s")
            project = status["projects"][0]
            note(
                f"Unity {project['unity_version']} project '{project['project']}' connected "
                f"(session {project['session']}, conn_seq {project['conn_seq']})"
            )

        async with narrator.step("List the tools") as note:
            tools = (await client.list_tools()).tools
            note(f"{len(tools)} tools, e.g. " + ", ".join(t.name for t in tools[:6]) + ", …")

        async with narrator.step("Read the unity://status resource") as note:
            read = await client.read_resource("unity://status")
            content = read.contents[0]
            assert isinstance(content, TextResourceContents)
            snapshot = json.loads(content.text)
            note(
                f"connected={snapshot['connected']} compiling={snapshot['compiling']} "
                f"projects={len(snapshot['projects'])}"
            )

        async with narrator.step("Query the scene hierarchy") as note:
            tree = _structured(
                await client.call_tool("get_hierarchy", {"depth": 1}), "get_hierarchy"
            )
            names = [n["name"] for n in tree["nodes"]]
            note(f"{tree['total_objects']} objects; roots: {', '.join(names)}")

        async with narrator.step("Create a Cube and give it a Rigidbody") as note:
            created = _structured(
                await client.call_tool(
                    "create_gameobject",
                    {"name": "DemoCube", "primitive": "Cube", "position": [0, 2, 0]},
                ),
                "create_gameobject",
            )
            cube = created["object"]
            added = _structured(
                await client.call_tool(
                    "add_component", {"instance_id": cube["instance_id"], "component": "Rigidbody"}
                ),
                "add_component",
            )
            note(
                f"{cube['path']} (id {cube['instance_id']}) now has "
                f"{', '.join(added['object']['components'])}"
            )

        async with narrator.step("Write a script that does not compile") as note:
            broken = _structured(
                await client.call_tool(
                    "write_script", {"path": "Assets/Scripts/Spinner.cs", "contents": BROKEN_SCRIPT}
                ),
                "write_script",
            )
            if broken["compiled"] or not broken["errors"]:
                raise DemoFailed("the broken script compiled")
            for error in broken["errors"]:
                note(
                    f"compiler error: {error['file']}({error['line']},{error['column']}): "
                    f"{error['message']}"
                )

        async with narrator.step("Fix it and wait for the compile and domain reload") as note:
            updates: list[str] = []

            async def on_progress(
                progress: float, total: float | None, message: str | None
            ) -> None:
                updates.append(message or "")

            fixed = _structured(
                await client.call_tool(
                    "write_script",
                    {"path": "Assets/Scripts/Spinner.cs", "contents": FIXED_SCRIPT},
                    progress_callback=on_progress,
                ),
                "write_script",
            )
            if not fixed["compiled"]:
                raise DemoFailed(f"the fixed script did not compile: {fixed['errors']}")
            after = _structured(
                await client.call_tool("get_connection_status", {}), "get_connection_status"
            )["projects"][0]
            note(
                f"compiled with no errors; the call survived a domain reload "
                f"(conn_seq {project['conn_seq']} → {after['conn_seq']})"
            )
            if updates:
                note(f"{len(updates)} progress update(s) while waiting: {updates[-1]}")

        async with narrator.step("Inspect the cube after the reload") as note:
            inspected = _structured(
                await client.call_tool("inspect_object", {"instance_id": cube["instance_id"]}),
                "inspect_object",
            )
            position = next(c for c in inspected["components"] if c["type"] == "Transform")
            note(
                f"{inspected['object']['name']} is still there: "
                f"{len(inspected['components'])} components, Transform "
                f"{json.dumps(position['properties'].get('localPosition'))}"
            )

    total = time.perf_counter() - narrator.started
    narrator.say(
        f"[bold green]Demo complete[/bold green] in {total:.1f} s. Next: register "
        "movesia-mcp in your MCP client (see README)."
    )


def run_demo(*, plain: bool = False) -> int:
    narrator = Narrator(plain)
    try:
        asyncio.run(_tour(narrator))
    except DemoFailed as exc:
        narrator.say(f"[red]Demo failed: {exc}[/red]")
        return 1
    return 0
