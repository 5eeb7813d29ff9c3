"""Several real stdio servers on one Unity port, started as MCP clients start them.

Each ``python -m movesia_mcp`` runs as a subprocess behind the official client's stdio
transport, all with the same ``SERVER_PORT`` and one per-test state directory. One
simulated editor (in this process, reconnecting by itself like the plug-in) is shared
by all. The first server holds the port; the others relay to it; when it dies, one of
them takes over and the rest re-point.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import anyio
import pytest
from mcp import Client, ClientSession, StdioServerParameters, stdio_client, types
from mcp.shared.subscriptions import ResourceUpdated
from mcp_harness import call_ok

from movesia_mcp._server.relay_secret import RELAY_HEADER, secret_path
from movesia_mcp._simulator.editor import SimulatedEditor, run_simulated_editor

# resources/subscribe is deprecated for 2026-07-28 only; these clients negotiate 2025-11-25.
pytestmark = pytest.mark.filterwarnings("ignore::mcp.MCPDeprecationWarning")

DEADLINE = 90.0  # whole test; each wait below has its own, shorter one
HIERARCHY = "unity://scene/hierarchy"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_status(port: int) -> dict[str, Any] | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/unity/status")
        response = conn.getresponse()
        body = json.loads(response.read())
    except (OSError, ValueError, http.client.HTTPException):
        return None
    finally:
        conn.close()
    return body if isinstance(body, dict) else None


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float, what: str) -> Any:
    """Poll ``check`` until it returns something truthy; fail (never hang) at ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = await check()
        except Exception as exc:
            last = exc
        else:
            if last:
                return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} within {timeout:g}s; last: {last!r}")
        await asyncio.sleep(0.1)


@dataclass
class Member:
    """One MCP client with the server subprocess it started."""

    name: str
    errlog: Path
    session: ClientSession | None = None
    notifications: list[Any] = field(default_factory=list)
    updated: asyncio.Event = field(default_factory=asyncio.Event)
    logs: list[Any] = field(default_factory=list)
    logged: asyncio.Event = field(default_factory=asyncio.Event)
    close: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    async def on_message(self, message: Any) -> None:
        if isinstance(message, types.ResourceUpdatedNotification):
            self.notifications.append(message)
            self.updated.set()

    async def on_log(self, params: types.LoggingMessageNotificationParams) -> None:
        self.logs.append(params.data)
        self.logged.set()

    @property
    def s(self) -> ClientSession:
        assert self.session is not None
        return self.session

    def stderr(self) -> str:
        return self.errlog.read_text(errors="replace")


@dataclass
class Cluster:
    port: int
    state_dir: Path
    tmp: Path
    editor: SimulatedEditor
    members: list[Member] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "SERVER_PORT": str(self.port),
            "LOG_LEVEL": "INFO",
            "MOVESIA_STATE_DIR": str(self.state_dir),
            "UNITY_RECONNECT_GRACE": "1",
            **self.extra_env,
        }

    def params(self) -> StdioServerParameters:
        return StdioServerParameters(
            command=sys.executable, args=["-m", "movesia_mcp"], env=self.env()
        )

    async def start(self) -> Member:
        name = f"m{len(self.members)}"
        member = Member(name, self.tmp / f"{name}.stderr")
        self.members.append(member)  # now: members started at once get their own names
        ready = asyncio.Event()

        async def run() -> None:
            with member.errlog.open("w") as errlog:
                await self._serve(member, errlog, ready)

        member.task = asyncio.create_task(run())
        await asyncio.wait(
            [member.task, asyncio.create_task(ready.wait())], return_when=asyncio.FIRST_COMPLETED
        )
        if member.task.done():
            member.task.result()
            raise AssertionError(f"{member.name} ended before it initialised")
        return member

    async def _serve(self, member: Member, errlog: TextIO, ready: asyncio.Event) -> None:
        # Each client lives in a task of its own: they are closed in any order.
        async with (
            stdio_client(self.params(), errlog=errlog) as (read, write),
            ClientSession(
                read, write, message_handler=member.on_message, logging_callback=member.on_log
            ) as session,
        ):
            await session.initialize()
            member.session = session
            ready.set()
            await member.close.wait()

    async def aclose(self) -> None:
        for member in self.members:
            member.close.set()
        for member in self.members:
            assert member.task is not None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(member.task, 20)


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    port = free_port()
    state_dir = tmp_path / "state"
    editor = SimulatedEditor(project_path="/Users/dev/Projects/RelayProject")
    stop = asyncio.Event()
    sim = asyncio.create_task(
        run_simulated_editor(
            f"ws://127.0.0.1:{port}/ws/unity",
            editor=editor,
            stop=stop,
            reconnect_delay=0.1,
            max_reconnect_delay=0.5,
        )
    )
    running = Cluster(port, state_dir, tmp_path, editor)
    try:
        yield running
    finally:
        await running.aclose()
        stop.set()
        await asyncio.wait_for(sim, 10)


async def connected(member: Member, timeout: float = 30.0) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        status = await call_ok(member.s, "get_connection_status", {})
        return status if status["connected"] else None

    result: dict[str, Any] = await eventually(
        check, timeout, f"{member.name} saw no connected editor"
    )
    return result


async def holder_status(port: int, timeout: float = 30.0) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        return await asyncio.to_thread(get_status, port)

    result: dict[str, Any] = await eventually(check, timeout, "no holder answered /unity/status")
    return result


async def three_clients(cluster: Cluster) -> tuple[Member, Member, Member]:
    holder = await cluster.start()
    await connected(holder)
    return holder, await cluster.start(), await cluster.start()


def object_names(found: dict[str, Any]) -> list[str]:
    return [o["name"] for o in found["objects"]]


# ── sharing ──────────────────────────────────────────────────────────────────────────


async def test_a_mutation_through_one_client_is_seen_through_the_others(
    cluster: Cluster,
) -> None:
    async with asyncio.timeout(DEADLINE):
        holder, relay1, relay2 = await three_clients(cluster)
        created = await call_ok(relay2.s, "create_gameobject", {"name": "Relay Marker"})
        seen = [
            await call_ok(m.s, "find_objects", {"name": "relay marker"})
            for m in (holder, relay1, relay2)
        ]
        status = await holder_status(cluster.port)
        shown = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "movesia_mcp", "status", "--port", str(cluster.port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    marker = created["object"]["instance_id"]
    for found in seen:
        assert found["total"] == 1
        assert found["objects"][0]["instance_id"] == marker
    assert status["relayed_clients"] == 2
    assert status["holder"]["transport"] == "stdio"
    pid = status["holder"]["pid"]
    line = f"relaying MCP to movesia-mcp pid {pid} on port {cluster.port}"
    assert line in relay1.stderr()
    assert line in relay2.stderr()
    assert "relaying MCP" not in holder.stderr()
    assert shown.returncode == 0, shown.stderr
    assert (
        f"holder: pid {pid}, transport stdio; 2 MCP client(s) relayed through other "
        "movesia-mcp processes" in shown.stdout
    )


async def test_relays_serve_the_same_tools_resources_and_capabilities(
    cluster: Cluster,
) -> None:
    async with asyncio.timeout(DEADLINE):
        holder, relay, _ = await three_clients(cluster)
        listings = []
        for member in (holder, relay):
            listings.append(
                (
                    [t.model_dump(mode="json") for t in (await member.s.list_tools()).tools],
                    [
                        r.model_dump(mode="json")
                        for r in (await member.s.list_resources()).resources
                    ],
                    member.s.server_capabilities,
                    member.s.initialize_result,
                    (await member.s.list_resource_templates()).model_dump(mode="json"),
                    (await member.s.list_prompts()).model_dump(mode="json"),
                )
            )
    (tools0, resources0, caps0, init0, *rest0), (tools1, resources1, caps1, init1, *rest1) = (
        listings
    )
    assert rest1 == rest0  # resource templates and prompts
    assert len(tools0) > 30
    assert tools1 == tools0  # names, schemas, annotations, titles
    assert resources1 == resources0
    assert caps1 == caps0
    assert caps1 is not None
    assert caps1.resources is not None
    assert caps1.resources.subscribe
    assert init0 is not None
    assert init1 is not None
    assert init1.instructions == init0.instructions
    assert init1.server_info.name == init0.server_info.name == "movesia-mcp"
    assert init1.server_info.version == init0.server_info.version


async def test_a_subscription_on_a_relay_gets_its_update(cluster: Cluster) -> None:
    async with asyncio.timeout(DEADLINE):
        holder, relay, _ = await three_clients(cluster)
        await relay.s.subscribe_resource(HIERARCHY)
        await call_ok(holder.s, "create_gameobject", {"name": "Watched"})
        await asyncio.wait_for(relay.updated.wait(), 30)
        tree = await relay.s.read_resource(HIERARCHY)
    assert [n.params.uri for n in relay.notifications][:1] == [HIERARCHY]
    content = tree.contents[0]
    assert isinstance(content, types.TextResourceContents)
    assert "Watched" in content.text


async def test_progress_and_logs_of_a_relayed_call_reach_its_client(cluster: Cluster) -> None:
    reports: list[tuple[float, float | None, str | None]] = []
    reported = asyncio.Event()

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        reports.append((progress, total, message))
        reported.set()

    async with asyncio.timeout(DEADLINE):
        _, relay, _ = await three_clients(cluster)
        peer = cluster.editor.peer
        assert peer is not None
        await peer.send_event("compile_started", {})
        await eventually(lambda: _compiling(relay), 20, "the relay never saw the editor compiling")
        call = asyncio.create_task(
            relay.s.call_tool("wait_for_compile", {"timeout": 60}, progress_callback=on_progress)
        )
        await asyncio.wait_for(reported.wait(), 30)
        await peer.send_event("compile_finished", {"success": True, "errors": []})
        result = await asyncio.wait_for(call, 30)

        async def compile_logged() -> bool:
            return any(
                isinstance(d, dict) and d.get("event") == "compile_finished" for d in relay.logs
            )

        await eventually(compile_logged, 30, "the relay's client got no compile log")
    assert result.is_error is False, result.content
    assert result.structured_content is not None
    assert result.structured_content["was_compiling"] is True
    assert reports
    assert all(isinstance(value, float) for value, _, _ in reports)


async def _compiling(member: Member) -> bool:
    status = await call_ok(member.s, "get_connection_status", {})
    return bool(status["compiling"])


async def test_a_2026_client_on_a_relay_gets_listen_updates(cluster: Cluster) -> None:
    async with asyncio.timeout(DEADLINE):
        holder, _, _ = await three_clients(cluster)
        async with Client(cluster.params()) as client:
            assert client.protocol_version == "2026-07-28"
            tools = {t.name for t in (await client.list_tools()).tools}
            async with client.listen(resource_subscriptions=[HIERARCHY]) as sub:
                await call_ok(holder.s, "create_gameobject", {"name": "Listened"})
                with anyio.fail_after(30):
                    event = await anext(aiter(sub))
            found = await call_ok(client, "find_objects", {"name": "listened"})
            status = await holder_status(cluster.port)
    assert "create_gameobject" in tools
    assert event == ResourceUpdated(uri=HIERARCHY)
    assert found["total"] == 1
    assert status["relayed_clients"] == 3


async def test_a_stdio_client_relays_to_an_http_holder(cluster: Cluster) -> None:
    with (cluster.tmp / "http-holder.stderr").open("w") as errlog:
        holder = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "movesia_mcp",
            "--transport",
            "http",
            env=cluster.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errlog,
        )
    try:
        async with asyncio.timeout(DEADLINE):
            status = await holder_status(cluster.port)
            relay = await cluster.start()
            await connected(relay)
            await call_ok(relay.s, "create_gameobject", {"name": "Over HTTP"})
            async with Client(f"http://127.0.0.1:{cluster.port}/mcp", mode="legacy") as direct:
                found = await call_ok(direct, "find_objects", {"name": "over http"})
            after = await holder_status(cluster.port)
    finally:
        holder.terminate()
        await asyncio.wait_for(holder.wait(), 20)
    assert status["holder"]["transport"] == "http"
    assert status["holder"]["pid"] == holder.pid
    assert found["total"] == 1
    assert after["relayed_clients"] == 1
    assert f"relaying MCP to movesia-mcp pid {holder.pid}" in relay.stderr()


async def test_clients_started_at_once_share_one_holder(cluster: Cluster) -> None:
    async with asyncio.timeout(DEADLINE):
        members = await asyncio.gather(*(cluster.start() for _ in range(3)))
        for member in members:
            await connected(member)
        status = await holder_status(cluster.port)
    pid = status["holder"]["pid"]
    relaying = [m for m in members if f"relaying MCP to movesia-mcp pid {pid}" in m.stderr()]
    assert len(relaying) == 2  # the third is the holder
    assert status["relayed_clients"] == 2


# ── failover ─────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "signum",
    [signal.SIGKILL, signal.SIGTERM, None],
    ids=["SIGKILL", "SIGTERM", "its-client-quits"],
)
async def test_when_the_holder_dies_the_others_take_over_and_keep_working(
    cluster: Cluster, signum: signal.Signals | None
) -> None:
    async with asyncio.timeout(DEADLINE):
        holder, relay1, relay2 = await three_clients(cluster)
        await call_ok(relay1.s, "create_gameobject", {"name": "Before Failover"})
        before = await holder_status(cluster.port)
        old_pid = before["holder"]["pid"]
        await relay1.s.subscribe_resource(HIERARCHY)
        if signum is None:  # its MCP client closes stdin: it exits on its own
            holder.close.set()
        else:
            os.kill(old_pid, signum)

        async def new_holder() -> dict[str, Any] | None:
            status = await asyncio.to_thread(get_status, cluster.port)
            if status and status["holder"]["pid"] != old_pid and status["relayed_clients"] == 1:
                return status
            return None

        after = await eventually(new_holder, 30, "no relay took over the port")
        for member in (relay1, relay2):
            await connected(member)
        found = [
            await call_ok(m.s, "find_objects", {"name": "before failover"})
            for m in (relay1, relay2)
        ]
        relay1.updated.clear()
        await call_ok(relay2.s, "create_gameobject", {"name": "After Failover"})
        await asyncio.wait_for(relay1.updated.wait(), 30)  # re-subscribed upstream
        seen = await call_ok(relay1.s, "find_objects", {"name": "after failover"})
    new_pid = after["holder"]["pid"]
    assert new_pid != old_pid
    took_over = [m for m in (relay1, relay2) if f"pid {new_pid}) now holds" in m.stderr()]
    assert len(took_over) == 1  # exactly one won the port
    for answer in found:
        assert object_names(answer) == ["Before Failover"]
    assert object_names(seen) == ["After Failover"]
    other = relay2 if took_over[0] is relay1 else relay1
    assert f"relaying MCP to movesia-mcp pid {new_pid} on port {cluster.port}" in other.stderr()


async def test_a_call_in_flight_when_the_holder_dies_fails_with_a_retryable_error(
    cluster: Cluster,
) -> None:
    async with asyncio.timeout(DEADLINE):
        _, relay, _ = await three_clients(cluster)
        peer = cluster.editor.peer
        assert peer is not None
        await peer.send_event("compile_started", {})  # wait_for_compile now waits
        await eventually(lambda: _compiling(relay), 20, "the relay never saw the compile")
        started = asyncio.Event()

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            started.set()

        call = asyncio.create_task(
            relay.s.call_tool("wait_for_compile", {"timeout": 600}, progress_callback=on_progress)
        )
        await asyncio.wait_for(started.wait(), 30)  # it is running in the holder
        status = await holder_status(cluster.port)
        os.kill(status["holder"]["pid"], signal.SIGKILL)
        result = await asyncio.wait_for(call, 30)
        # The next call goes through, to the new holder.
        await connected(relay)
    assert result.is_error is True
    text = result.content[0]
    assert isinstance(text, types.TextContent)
    assert "went away during this request" in text.text
    assert "retry" in text.text


# ── refusals ─────────────────────────────────────────────────────────────────────────


def run_server(env: dict[str, str], timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "movesia_mcp"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


async def test_a_wrong_or_exposed_secret_file_is_refused(cluster: Cluster) -> None:
    async with asyncio.timeout(DEADLINE):
        holder = await cluster.start()
        await connected(holder)
        status = await holder_status(cluster.port)
        path = secret_path(cluster.port, cluster.state_dir)
        assert path.stat().st_mode & 0o777 == 0o600
        genuine = path.read_text()

        path.chmod(0o644)
        exposed = await asyncio.to_thread(run_server, cluster.env())
        path.chmod(0o600)
        path.write_text("not-the-secret")
        wrong = await asyncio.to_thread(run_server, cluster.env())
        path.write_text(genuine)
        planted = cluster.state_dir / "elsewhere"  # e.g. another user's file, linked here
        path.rename(planted)
        path.symlink_to(planted)
        symlinked = await asyncio.to_thread(run_server, cluster.env())
        path.unlink()
        planted.rename(path)
        # The holder is unharmed and still alone.
        await call_ok(holder.s, "find_objects", {"name": "main camera"})
        after = await holder_status(cluster.port)
    pid = status["holder"]["pid"]
    assert exposed.returncode == 3, exposed.stderr
    assert f"movesia-mcp pid {pid} holds port {cluster.port}" in exposed.stderr
    assert "has mode 0644" in exposed.stderr
    assert wrong.returncode == 3, wrong.stderr
    assert "refused this relay (HTTP 403" in wrong.stderr
    assert symlinked.returncode == 3, symlinked.stderr
    assert "its relay secret cannot be used: cannot read the relay secret" in symlinked.stderr
    assert after["relayed_clients"] == 0
    assert after["holder"]["pid"] == pid


async def test_relay_endpoint_refuses_requests_without_the_secret(cluster: Cluster) -> None:
    async with asyncio.timeout(DEADLINE):
        holder = await cluster.start()
        await connected(holder)
        answers = await asyncio.to_thread(_post_relay, cluster.port)
    for status, body in answers:
        assert status == 403
        assert body["error"] == "relay_forbidden"


def _post_relay(port: int) -> list[tuple[int, dict[str, Any]]]:
    initialize = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "intruder", "version": "0"},
            },
        }
    )
    answers = []
    for headers in ({}, {RELAY_HEADER: "guess"}, {RELAY_HEADER: ""}):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request(
                "POST",
                "/relay",
                body=initialize,
                headers={
                    "Content-Type": "application/json",
                    "Accept": "application/json, text/event-stream",
                    **headers,
                },
            )
            response = conn.getresponse()
            answers.append((response.status, json.loads(response.read())))
        finally:
            conn.close()
    return answers


async def test_with_a_token_relays_present_it_and_a_wrong_one_exits_3(cluster: Cluster) -> None:
    cluster.extra_env["MOVESIA_TOKEN"] = "s3cret-token"  # the editor (no token) stays out
    async with asyncio.timeout(DEADLINE):
        holder = await cluster.start()
        relay = await cluster.start()
        created = await call_ok(relay.s, "list_projects", {})
        status = await asyncio.to_thread(_status_with_token, cluster.port, "s3cret-token")
        secret = secret_path(cluster.port, cluster.state_dir).read_text()
        without_token = await asyncio.to_thread(_get_relay, cluster.port, secret)
        wrong = await asyncio.to_thread(
            run_server, {**cluster.env(), "MOVESIA_TOKEN": "not-the-token"}
        )
        await call_ok(holder.s, "get_connection_status", {})
    assert created["projects"] == []
    assert status["relayed_clients"] == 1
    assert without_token == 401  # the secret alone does not pass MOVESIA_TOKEN's guard
    assert wrong.returncode == 3, wrong.stderr
    assert "requires a token and the token is wrong" in wrong.stderr


def _status_with_token(port: int, token: str) -> dict[str, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/unity/status", headers={"Authorization": f"Bearer {token}"})
        body: dict[str, Any] = json.loads(conn.getresponse().read())
    finally:
        conn.close()
    return body


def _get_relay(port: int, secret: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/relay", headers={RELAY_HEADER: secret})
        return conn.getresponse().status
    finally:
        conn.close()


class _Listener:
    """A foreign program on the port: accepts, answers ``reply`` (if any), closes."""

    def __init__(self, reply: bytes | None) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.reply = reply
        self.stopped = False

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        self.sock.setblocking(False)
        while True:
            conn, _ = await loop.sock_accept(self.sock)
            with conn, contextlib.suppress(OSError):
                await asyncio.wait_for(loop.sock_recv(conn, 65536), 2)
                if self.reply is not None:
                    await loop.sock_sendall(conn, self.reply)


def _http(body: dict[str, Any], status: str = "200 OK") -> bytes:
    data = json.dumps(body).encode()
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + data


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (_http({"detail": "Not Found"}, "404 Not Found"), "is not movesia-mcp"),
        (b"SSH-2.0-OpenSSH_9.6\r\n", "It is not movesia-mcp"),
        (
            _http({"server": "movesia-mcp", "version": "0.9.0", "connected": False}),
            "movesia-mcp 0.9.0, which is too old to share the Unity port",
        ),
        (
            _http(
                {
                    "server": "movesia-mcp",
                    "version": "0.2.0",
                    "holder": {"pid": 4242, "uid": os.getuid() + 1, "relay_path": "/relay"},
                }
            ),
            f"held by another user's movesia-mcp (pid 4242, uid {os.getuid() + 1})",
        ),
        (
            _http(
                {
                    "server": "movesia-mcp",
                    "version": "0.2.0",
                    "holder": {"pid": 4242, "uid": os.getuid(), "relay_path": None},
                }
            ),
            "movesia-mcp pid 4242 holds port",
        ),
    ],
    ids=["foreign-http", "foreign-protocol", "old-movesia-mcp", "other-user", "no-secret"],
)
async def test_a_port_held_by_something_that_cannot_relay_still_exits_3(
    tmp_path: Path, reply: bytes, says: str
) -> None:
    listener = _Listener(reply)
    server = asyncio.create_task(listener.serve())
    env = {
        **os.environ,
        "SERVER_PORT": str(listener.port),
        "MOVESIA_STATE_DIR": str(tmp_path / "state"),
    }
    try:
        result = await asyncio.to_thread(run_server, env)
    finally:
        server.cancel()
        listener.sock.close()
    assert result.returncode == 3, result.stderr
    assert result.stdout == ""
    assert f"port {listener.port}" in result.stderr
    assert says in result.stderr
