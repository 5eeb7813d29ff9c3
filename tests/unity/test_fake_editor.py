"""The two languages against each other: MCP tool calls through the real server to the C#
core, running in ``unity/build/FakeEditor.exe`` (the real core with an in-memory scene).

The server runs in this process on an ephemeral loopback port; the fake editor is a Mono
child process; the MCP client is the SDK's streamable-HTTP client. Build the fake editor
with ``bash unity/build.sh``. Without it (or without mono) these tests skip locally and
fail under CI (``CI`` set): CI must never skip them silently.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import struct
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.types import ImageContent

from movesia_mcp import Config
from movesia_mcp._handshake import derive_session_id
from movesia_mcp._server.inprocess import serve_in_process
from movesia_mcp._server.runtime import Runtime

ROOT = Path(__file__).resolve().parents[2]
FAKE_EDITOR = ROOT / "unity" / "build" / "FakeEditor.exe"
DEADLINE = 60.0  # generous: Mono starts slowly on a busy machine; a hang fails instead

VALID_SCRIPT = """\
using UnityEngine;

public class Spinner : MonoBehaviour
{
    public float speed = 90f;

    void Update()
    {
        transform.Rotate(0f, speed * Time.deltaTime, 0f); // braces in comments: { are ignored
    }
}
"""
# The class's closing brace is missing.
BROKEN_SCRIPT = "\n".join(VALID_SCRIPT.splitlines()[:-1]) + "\n"


def _require_fake_editor() -> str:
    mono = shutil.which("mono")
    missing = []
    if mono is None:
        missing.append("mono")
    if not FAKE_EDITOR.exists():
        missing.append(f"{FAKE_EDITOR.relative_to(ROOT)} (run: bash unity/build.sh)")
    if missing:
        message = "the cross-language test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must run it")
        pytest.skip(message)
    assert mono is not None
    return mono


class Chain:
    """Server, fake editor and MCP client, wired together."""

    def __init__(self, runtime: Runtime, port: int, project: Path, mono: str, log: Path) -> None:
        self.runtime = runtime
        self.port = port
        self.project = project
        self.mono = mono
        self.log = log
        self.session_id = derive_session_id(str(project))
        self.process: asyncio.subprocess.Process | None = None
        self.client: Client | None = None

    async def start_editor(self) -> None:
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                self.mono,
                str(FAKE_EDITOR),
                "--url",
                f"ws://127.0.0.1:{self.port}/ws/unity",
                "--project",
                str(self.project),
                "--state",
                str(self.project / "reload-state.json"),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        await self.wait_for(lambda: self.conn_seq() is not None, "the fake editor's connection")

    async def stop_editor(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), DEADLINE)

    def conn_seq(self) -> int | None:
        session = self.runtime.manager.sessions.get(self.session_id)
        if session is None or session.connection is None:
            return None
        return session.connection.conn_seq

    async def wait_for(self, condition: Any, what: str) -> None:
        async with asyncio.timeout(DEADLINE):
            while not condition():
                if self.process is not None and self.process.returncode is not None:
                    pytest.fail(
                        f"the fake editor exited ({self.process.returncode}):\n{self.logs()}"
                    )
                await asyncio.sleep(0.02)

    def logs(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    async def call(self, tool: str, **args: Any) -> dict[str, Any]:
        assert self.client is not None
        async with asyncio.timeout(DEADLINE):
            result = await self.client.call_tool(tool, args)
        text = " ".join(getattr(part, "text", "") for part in result.content)
        assert result.is_error is False, f"{tool} failed: {text}\n{self.logs()}"
        assert result.structured_content is not None
        return dict(result.structured_content)

    async def call_error(self, tool: str, **args: Any) -> str:
        assert self.client is not None
        async with asyncio.timeout(DEADLINE):
            result = await self.client.call_tool(tool, args)
        assert result.is_error is True, f"{tool} should have failed: {result.structured_content}"
        return " ".join(getattr(part, "text", "") for part in result.content)


@asynccontextmanager
async def chain(tmp_path: Path) -> AsyncIterator[Chain]:
    mono = _require_fake_editor()
    runtime = Runtime.create(Config(server_port=0), "http")
    async with serve_in_process(
        runtime.app(), runtime.manager, max_message_bytes=1 << 24
    ) as served:
        project = tmp_path / "FakeProject"
        result = Chain(runtime, served.port, project, mono, tmp_path / "fake-editor.log")
        try:
            await result.start_editor()
            async with Client(f"http://127.0.0.1:{result.port}/mcp") as client:
                result.client = client
                yield result
                result.client = None
        finally:
            await result.stop_editor()


async def test_scene_tools_round_trip(tmp_path: Path) -> None:
    async with chain(tmp_path) as c:
        state = await c.call("get_editor_state")
        assert state["project_path"] == str(c.project)
        assert state["active_scene"] == "SampleScene"
        assert state["is_compiling"] is False

        cube = (
            await c.call("create_gameobject", name="Crate", primitive="Cube", position=[1, 2, 3])
        )["object"]
        assert cube["path"] == "Crate"
        assert "BoxCollider" in cube["components"]
        child = (await c.call("create_gameobject", name="Lid", parent="Crate"))["object"]
        assert child["path"] == "Crate/Lid"

        tree = await c.call("get_hierarchy", depth=2)
        by_name = {node["name"]: node for node in tree["nodes"]}
        assert {"Main Camera", "Directional Light", "Crate"} <= set(by_name)
        assert tree["total"] == 3
        assert tree["total_objects"] == 4
        assert [n["path"] for n in by_name["Crate"]["children"]] == ["Crate/Lid"]
        assert by_name["Crate"]["instance_id"] == cube["instance_id"]

        shallow = await c.call("get_hierarchy", depth=0)
        crate = next(node for node in shallow["nodes"] if node["name"] == "Crate")
        assert crate["children"] == []
        assert crate["children_truncated"] is True

        found = await c.call("find_objects", component="boxcollider")
        assert [o["instance_id"] for o in found["objects"]] == [cube["instance_id"]]
        assert found["total"] == 1
        assert found["truncated"] is False
        by_tag = await c.call("find_objects", tag="MainCamera")
        assert [o["name"] for o in by_tag["objects"]] == ["Main Camera"]
        assert (await c.call("find_objects", name="nothing-like-this"))["total"] == 0

        message = await c.call_error("create_gameobject", name="Orphan", parent="No/Such")
        assert "No/Such" in message


async def test_write_script_is_answered_after_the_domain_reload(tmp_path: Path) -> None:
    async with chain(tmp_path) as c:
        before = c.conn_seq()
        assert before is not None
        result = await c.call(
            "write_script", path="Assets/Scripts/Spinner.cs", contents=VALID_SCRIPT
        )
        assert result == {
            "path": "Assets/Scripts/Spinner.cs",
            "created": True,
            "compiled": True,
            "errors": [],
        }
        after = c.conn_seq()
        assert after is not None
        assert after > before, (before, after)
        assert (c.project / "Assets/Scripts/Spinner.cs").read_text() == VALID_SCRIPT
        assert "domain reload 1" in c.logs()
        # The reloaded core still serves, and the scene survived the reload.
        again = await c.call(
            "write_script", path="Assets/Scripts/Spinner.cs", contents=VALID_SCRIPT
        )
        assert again["created"] is False
        assert again["compiled"] is True
        assert (await c.call("get_editor_state"))["project_path"] == str(c.project)


async def test_write_script_with_a_compile_error_reports_file_and_line(tmp_path: Path) -> None:
    async with chain(tmp_path) as c:
        before = c.conn_seq()
        result = await c.call("write_script", path="Assets/Broken.cs", contents=BROKEN_SCRIPT)
        assert result["compiled"] is False
        assert result["created"] is True
        [error] = result["errors"]
        assert error["file"] == "Assets/Broken.cs"
        assert error["line"] == len(BROKEN_SCRIPT.splitlines())
        assert "}" in error["message"]
        assert c.conn_seq() == before, "a failed compile does not reload the domain"
        # Fixing the file compiles, and then the domain reloads.
        fixed = await c.call("write_script", path="Assets/Broken.cs", contents=VALID_SCRIPT)
        assert fixed["compiled"] is True
        assert fixed["errors"] == []
        assert (c.conn_seq() or 0) > (before or 0)


async def test_a_large_script_arrives_whole(tmp_path: Path) -> None:
    # About 2 MB: many WebSocket fragments and reads on the C# side.
    body = "".join(f"    public int field{i} = {i}; // é{i}\n" for i in range(50_000))
    contents = f"public class Large\n{{\n{body}}}\n"
    async with chain(tmp_path) as c:
        result = await c.call("write_script", path="Assets/Large.cs", contents=contents)
        assert result["compiled"] is True
        assert (c.project / "Assets/Large.cs").read_text(encoding="utf-8") == contents


async def test_paths_outside_the_rules_are_refused_before_the_disk(tmp_path: Path) -> None:
    async with chain(tmp_path) as c:
        message = await c.call_error("write_script", path="Assets/Scripts/AUX.cs", contents="x")
        assert "reserved device name" in message
        assert not (c.project / "Assets/Scripts/AUX.cs").exists()


async def test_a_restarted_editor_connects_with_a_higher_conn_seq(tmp_path: Path) -> None:
    async with chain(tmp_path) as c:
        first = c.conn_seq()
        assert first is not None
        await c.stop_editor()
        await c.wait_for(lambda: c.conn_seq() is None, "the server to see the editor go")
        await c.start_editor()
        second = c.conn_seq()
        assert second is not None
        assert second > first
        assert (await c.call("get_editor_state"))["unity_version"].startswith("6000")


# ── catalog v2: fixed answers of the fake editor, through the real server ───────────


async def test_capture_view_reaches_the_client_as_a_png_of_the_asked_size(tmp_path: Path) -> None:
    async with chain(tmp_path) as c:
        assert c.client is not None
        async with asyncio.timeout(DEADLINE):
            result = await c.client.call_tool(
                "capture_view", {"view": "scene", "width": 48, "height": 20}
            )
        assert result.is_error is False, f"{result.content}\n{c.logs()}"
        images = [part for part in result.content if isinstance(part, ImageContent)]
        assert len(images) == 1
        assert images[0].mime_type == "image/png"
        data = base64.b64decode(images[0].data, validate=True)
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">I4sII", data[8:24]) == (13, b"IHDR", 48, 20)
        idat = data.index(b"IDAT")
        (length,) = struct.unpack(">I", data[idat - 4 : idat])
        raw = zlib.decompress(data[idat + 4 : idat + 4 + length])  # zlib and Adler-32 checked
        assert raw == (b"\x00" + b"\x80\x80\x80" * 48) * 20
        assert result.structured_content == {
            "view": "scene",
            "camera": None,
            "width": 48,
            "height": 20,
            "objects_drawn": 0,
            "mime_type": "image/png",
            "png_bytes": len(data),
        }
        problem = await c.call_error("capture_view", width=4096)
        assert "width" in problem


async def test_run_tests_counts_and_failures_cross_the_languages(tmp_path: Path) -> None:
    async with chain(tmp_path) as c:
        edit = await c.call("run_tests", mode="EditMode", categories=["Fast"])
        assert (edit["passed"], edit["failed"], edit["skipped"], edit["total"]) == (2, 1, 1, 4)
        assert [f["name"] for f in edit["failures"]] == ["Fake.Tests.MathTests.AddsBadly"]
        assert "But was:  5" in edit["failures"][0]["message"]
        assert "MathTests.cs:12" in edit["failures"][0]["stack"]
        assert edit["complete"] is True
        assert "mode" in await c.call_error("run_tests", mode="Both")


async def test_a_play_mode_run_is_answered_from_its_end_across_two_reloads(
    tmp_path: Path,
) -> None:
    # The fake editor's PlayMode run enters play mode (a domain reload: the core is rebuilt
    # from its reload store), runs, reports its end as RunFinished does
    # (EditorLink.CompleteDeferred on the new domain's link), then leaves play mode (a
    # second reload). The answer is the finished run, never partial counts.
    async with chain(tmp_path) as c:
        before = c.conn_seq()
        assert before is not None
        play = await c.call("run_tests", mode="PlayMode", limit=1)
        assert (play["passed"], play["failed"], play["skipped"], play["total"]) == (2, 1, 1, 4)
        assert play["complete"] is True
        assert play["mode"] == "PlayMode"
        [failure] = play["failures"]
        assert failure["name"] == "Fake.Tests.PlayerTests.FallsThroughTheFloor"
        assert "But was:  -3.2" in failure["message"]
        assert "PlayerTests.cs:41" in failure["stack"]
        assert (play["offset"], play["next_offset"]) == (0, None)
        assert "entering play mode for the PlayMode test run" in c.logs()
        after_entering = c.conn_seq()
        assert after_entering is not None
        assert after_entering > before, "the answer came after the reload into play mode"
        await c.wait_for(lambda: "(leaving play mode)" in c.logs(), "the reload out of play mode")
        await c.wait_for(
            lambda: (c.conn_seq() or 0) > after_entering, "the connection after leaving"
        )
        # The run was started once; the link serves on after both reloads.
        assert c.logs().count("PlayMode test run finished") == 1
        assert (await c.call("get_editor_state"))["project_path"] == str(c.project)
        # Paging: the second page of failures of a new run is empty.
        page = await c.call("run_tests", mode="PlayMode", offset=1)
        assert (page["failed"], page["failures"], page["offset"]) == (1, [], 1)
