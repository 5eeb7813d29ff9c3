"""A simulated Unity plug-in: the protocol's client side on a real WebSocket.

It speaks PROTOCOL.md as the Movesia Unity package does: handshake (seed object or
``hello``, or a query-string session), ``hb`` every ``heartbeat_interval`` seconds, ACKs
for commands, ``conn_seq`` + 1 on every reconnect, and the domain-reload cycle:
``compile_started`` → close → reconnect → ``compile_finished`` → the answer to a
reload-surviving command, with its original id, on the new connection.

Command handlers are pluggable: ``async (params) -> body``, or one of the result types
below when answering involves a compile (``ReloadThenAnswer``, ``CompileThenAnswer``,
``AnswerThenCompile``), or ``NoAnswer``.

Protocol 1.1 (PROTOCOL.md §3.6, §3.7, §6.1, §6.2): by default it declares
``command_ack`` (when it acks every command), ``dedup`` and ``cancel``; keeps the
``session_secret`` of its first ``welcome`` and presents it on every later connection;
and keeps a request-id ledger across its simulated reloads: a command whose id is in
the ledger is acked again and, once its answer is known, answered again with it, never
run twice (``executions`` counts the runs per request id). ``capabilities=()`` makes it
a version 1 editor.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias
from urllib.parse import urlencode

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

logger = logging.getLogger("movesia_mcp._simulator")

HandshakeStyle = Literal["hello", "seed", "query"]
LEDGER_SIZE = 10_000


@dataclass(slots=True)
class ReloadThenAnswer:
    """Handler result: run a domain reload first, then answer on the new connection."""

    body: dict[str, Any]
    compile_errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class CompileThenAnswer:
    """Handler result: a compile that failed, so no reload (as in Unity).

    ``compile_started``, ``compile_finished`` with ``success: false`` and ``errors``, then
    the answer, all on the same connection.
    """

    body: dict[str, Any]
    errors: list[dict[str, Any]]


@dataclass(slots=True)
class AnswerThenCompile:
    """Handler result: answer now; the compile the command caused runs afterwards.

    Unity compiles on a later editor tick, so a command that only *causes* a compile
    (a menu item, a batch) is answered first. No ``errors``: a domain reload follows;
    with ``errors``: ``compile_started`` and a failed ``compile_finished``, no reload.
    """

    body: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)


class NoAnswer:
    """Handler result: never answer (to test timeouts and lost connections)."""


HandlerResult: TypeAlias = (
    dict[str, Any] | ReloadThenAnswer | CompileThenAnswer | AnswerThenCompile | NoAnswer
)
CommandHandler = Callable[[dict[str, Any]], Awaitable[HandlerResult]]


class HandshakeRejected(Exception):
    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"server closed the connection: {code} {reason}")
        self.code = code
        self.reason = reason


def envelope(
    msg_type: str,
    body: dict[str, Any] | None = None,
    *,
    msg_id: str | None = None,
    session: str | None = None,
) -> dict[str, Any]:
    return {
        "v": 1,
        "source": "unity",
        "type": msg_type,
        "ts": int(time.time()),
        "id": msg_id or uuid.uuid4().hex,
        "body": body or {},
        "session": session,
    }


class SimulatedUnity:
    def __init__(
        self,
        url: str,
        *,
        project_path: str = "/Users/dev/Projects/SimProject",
        unity_version: str = "6000.0.23f1",
        session_id: str | None = None,
        handshake: HandshakeStyle = "hello",
        token: str | None = None,
        conn_seq: int = 1,
        heartbeat_interval: float | None = 30.0,
        ack_commands: bool | Callable[[str], bool] = True,
        reload_delay: float = 0.05,
        handlers: dict[str, CommandHandler] | None = None,
        capabilities: Iterable[str] | None = None,
    ) -> None:
        self.url = url
        self.project_path = project_path
        self.unity_version = unity_version
        self.session_id = session_id or "sim-" + uuid.uuid4().hex[:8]
        self.handshake = handshake
        self.token = token
        self.conn_seq = conn_seq
        self.heartbeat_interval = heartbeat_interval
        self.ack_commands = ack_commands
        self.reload_delay = reload_delay
        self.handlers: dict[str, CommandHandler] = dict(handlers or {})
        if capabilities is None:
            declared = ["dedup", "cancel"]
            if ack_commands is True:
                declared.insert(0, "command_ack")
            capabilities = declared
        self.capabilities: list[str] = list(capabilities)
        self.session_secret: str | None = None
        # The request-id ledger (dedup): request id → its answer, once known. Bounded:
        # the oldest ids go first (PROTOCOL.md asks for INTERRUPT_TIMEOUT plus the
        # command's timeout; LEDGER_SIZE ids cover that at any plausible rate).
        self.ledger: OrderedDict[str, dict[str, Any] | None] = OrderedDict()
        self.executions: Counter[str] = Counter()
        self.redelivered: list[dict[str, Any]] = []  # commands the ledger recognised
        self.cancels: list[str] = []  # request ids the server cancelled
        self.received: list[dict[str, Any]] = []
        self.acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.commands_seen: list[dict[str, Any]] = []
        self.welcome: dict[str, Any] | None = None
        self.compiling = False
        self.reloading = False
        self.reloads = 0
        self.compiles = 0
        self.ws: ClientConnection | None = None
        self.closed_by_server: tuple[int | None, str] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()  # owned: aclose cancels them
        self._closing = False
        self._reader: asyncio.Task[None] | None = None
        self._deferred: list[dict[str, Any]] = []
        self._compile_lock = asyncio.Lock()
        self._reloaded = asyncio.Event()
        self._reloaded.set()
        self.disconnected = asyncio.Event()

    # ── connection ──────────────────────────────────────────────────────────────────

    @property
    def dedup(self) -> bool:
        return "dedup" in self.capabilities

    def _connect_url(self) -> str:
        query: dict[str, str] = {}
        if self.handshake == "query":
            query = {"session": self.session_id, "conn": str(self.conn_seq)}
            if self.session_secret:
                query["secret"] = self.session_secret
        if self.token:
            query["token"] = self.token
        return self.url + ("?" + urlencode(query) if query else "")

    async def connect(self) -> dict[str, Any]:
        """Open the socket, handshake, and wait for ``welcome``. Returns its body."""
        if self._closing:
            raise RuntimeError("this SimulatedUnity is closed (aclose); make a new one")
        self.disconnected = asyncio.Event()
        self.closed_by_server = None
        ws = await connect(
            self._connect_url(),
            ping_interval=None,
            max_size=None,
            compression=None,
            open_timeout=10,
        )
        self.ws = ws
        if self.handshake == "seed":
            seed: dict[str, Any] = {
                "project_path": self.project_path,
                "unity_version": self.unity_version,
                "session_id": self.session_id,
                "conn_seq": self.conn_seq,
            }
            await self.send_raw({**seed, **self._v11_fields()})
        else:
            await self.send(envelope("hello", self.hello_body(), session=self.session_id))
        try:
            async with asyncio.timeout(10):
                while True:
                    message = json.loads(await ws.recv())
                    self.received.append(message)
                    if message.get("type") == "welcome":
                        self.welcome = message["body"]
                        secret = self.welcome.get("session_secret")
                        if isinstance(secret, str) and secret:
                            self.session_secret = secret
                        break
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else None
            reason = exc.rcvd.reason if exc.rcvd else ""
            self.closed_by_server = (code, reason)
            self.disconnected.set()
            raise HandshakeRejected(code, reason) from None
        except BaseException:  # cancelled (aclose) or timed out: no socket left open
            await _abort(ws)
            raise
        if self._closing:  # aclose() ran while this handshake was under way
            await _abort(ws)
            raise RuntimeError("this SimulatedUnity was closed (aclose) while connecting")
        self._reader = asyncio.create_task(self._read_loop(ws))
        if self.heartbeat_interval:
            self._spawn(self._heartbeat(ws))
        return self.welcome

    def hello_body(self) -> dict[str, Any]:
        return {
            "dataPath": self.project_path.rstrip("/") + "/Assets",
            "unityVersion": self.unity_version,
            "productGUID": "guid-" + self.session_id,
            "conn_seq": self.conn_seq,
            **self._v11_fields(),
        }

    def _v11_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        if self.capabilities:
            fields["capabilities"] = list(self.capabilities)
        if self.session_secret:
            fields["session_secret"] = self.session_secret
        return fields

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the socket (the editor quits or reloads)."""
        ws = self.ws
        if ws is not None:
            await ws.close(code, reason)
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def aclose(self) -> None:
        """Stop every background task, then close the socket they leave.

        The tasks go first: a command's domain reload may be about to reconnect, and a
        socket it opened after the close would outlive the peer. Once closing, nothing
        new starts (``_spawn`` refuses, ``connect`` raises).
        """
        self._closing = True
        while self._tasks:  # the reader may spawn a command while we wait
            tasks = list(self._tasks)
            self._tasks.difference_update(tasks)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self.close()

    async def __aenter__(self) -> SimulatedUnity:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def reconnect(self) -> dict[str, Any]:
        """Reconnect with ``conn_seq`` + 1, as the plug-in does after any drop."""
        await self.close(1001, "domain reload")
        self.conn_seq += 1
        return await self.connect()

    async def wait_dropped(self) -> None:
        """Return when the connection is gone for a reason other than a domain reload."""
        while True:
            await self.disconnected.wait()
            if not self.reloading:
                return
            await self._reloaded.wait()

    # ── sending ─────────────────────────────────────────────────────────────────────

    async def send_raw(self, data: Any) -> None:
        assert self.ws is not None, "not connected"
        await self.ws.send(data if isinstance(data, str | bytes) else json.dumps(data))

    async def send(self, message: dict[str, Any]) -> None:
        await self.send_raw(message)

    async def send_event(
        self, msg_type: str, body: dict[str, Any] | None = None, *, wait_ack: bool = False
    ) -> dict[str, Any]:
        message = envelope(msg_type, body, session=self.session_id)
        future: asyncio.Future[dict[str, Any]] | None = None
        if wait_ack:
            future = asyncio.get_running_loop().create_future()
            self.acks[message["id"]] = future
        await self.send(message)
        if future is not None:
            async with asyncio.timeout(5):
                await future
        return message

    # ── domain reload ───────────────────────────────────────────────────────────────

    async def domain_reload(self, errors: list[dict[str, Any]] | None = None) -> None:
        """compile_started → close → reconnect (conn_seq + 1) → compile_finished →
        answers deferred across the reload, with their original ids."""
        self.compiling = True
        self.reloading = True
        self._reloaded.clear()
        try:
            self.compiles += 1
            await self.send_event("compile_started", {})
            await asyncio.sleep(self.reload_delay / 2)
            await self.close(1001, "domain reload")
            await asyncio.sleep(self.reload_delay / 2)
            self.conn_seq += 1
            self.reloads += 1
            await self.connect()
        finally:
            self.compiling = False
            self.reloading = False
            self._reloaded.set()
        errors = errors or []
        await self.send_event("compile_finished", {"success": not errors, "errors": errors})
        await self.flush_deferred()

    async def reload(self) -> None:
        """One domain reload, after any compile a command is running (never two at once)."""
        async with self._compile_lock:
            await self.domain_reload()

    async def failed_compile(self, errors: list[dict[str, Any]]) -> None:
        """compile_started → compile_finished (failed), on this connection: no reload."""
        self.compiling = True
        try:
            self.compiles += 1
            await self.send_event("compile_started", {})
            await asyncio.sleep(self.reload_delay / 2)
        finally:
            self.compiling = False
        await self.send_event("compile_finished", {"success": False, "errors": errors})

    async def flush_deferred(self) -> None:
        """Send the answers kept across a reload (also after a reconnect that replaced
        a reload's own failed one)."""
        deferred, self._deferred = self._deferred, []
        for message in deferred:
            self._remember(message)
            await self.send(message)

    # ── inbound ─────────────────────────────────────────────────────────────────────

    async def _read_loop(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                message = json.loads(raw)
                self.received.append(message)
                await self._dispatch(message)
        except ConnectionClosed:
            pass
        finally:
            rcvd = ws.protocol.close_rcvd
            if rcvd is not None and ws.protocol.close_rcvd_then_sent:
                self.closed_by_server = (rcvd.code, rcvd.reason)
            if self.ws is ws:
                self.disconnected.set()

    async def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "ack":
            future = self.acks.pop(message.get("id", ""), None)
            if future is not None and not future.done():
                future.set_result(message)
            return
        if kind == "hb":
            await self.send(envelope("pong", {}, msg_id=message["id"], session=self.session_id))
            return
        if kind in ("pong", "welcome", "error"):
            return
        if kind == "cancel":
            request_id = (message.get("body") or {}).get("request_id")
            if isinstance(request_id, str):
                self.cancels.append(request_id)  # a command already running finishes
            return
        body = message.get("body") or {}
        request_id = str(body.get("request_id") or message["id"])
        known = self.dedup and request_id in self.ledger
        if known:
            self.redelivered.append(message)
        else:
            self.commands_seen.append(message)
            if self.dedup:
                self.ledger[request_id] = None
                if len(self.ledger) > LEDGER_SIZE:
                    old, _ = self.ledger.popitem(last=False)
                    self.executions.pop(old, None)
        ack = self.ack_commands
        if ack is True or (callable(ack) and ack(str(kind))):
            with contextlib.suppress(ConnectionClosed):
                await self.send(
                    envelope("ack", {"type": kind}, msg_id=message["id"], session=self.session_id)
                )
        if not known:
            self._spawn(self._run_command(message))
            return
        answer = self.ledger[request_id]
        if answer is not None:  # already answered: the answer again, never a second run
            with contextlib.suppress(ConnectionClosed):
                await self.send(answer)

    async def _run_command(self, message: dict[str, Any]) -> None:
        kind = str(message["type"])
        body = message.get("body") or {}
        request_id = str(body.get("request_id") or message["id"])
        params = {k: v for k, v in body.items() if k != "request_id"}
        self.executions[request_id] += 1
        if len(self.executions) > LEDGER_SIZE:  # bounded like the ledger, oldest first
            del self.executions[next(iter(self.executions))]
        handler = self.handlers.get(kind)
        result: HandlerResult
        if handler is None:
            result = {"error": f"unknown command {kind!r}"}
        else:
            try:
                result = await handler(params)
            except Exception as exc:  # the plug-in reports handler failures as errors
                result = {"error": f"{type(exc).__name__}: {exc}"}
        if isinstance(result, NoAnswer):
            return
        if isinstance(result, ReloadThenAnswer):
            answer = envelope(
                "compilation_complete",
                {"request_id": request_id, **result.body},
                msg_id=request_id,
                session=self.session_id,
            )
            # One compile at a time: a second one starts once the first has reconnected.
            async with self._compile_lock:
                self._deferred.append(answer)
                await self.domain_reload(result.compile_errors)
            return
        if isinstance(result, CompileThenAnswer):
            async with self._compile_lock:
                await self.failed_compile(result.errors)
                await self._answer(kind, request_id, result.body)
            return
        if isinstance(result, AnswerThenCompile):
            await self._answer(kind, request_id, result.body)
            async with self._compile_lock:
                if result.errors:
                    await self.failed_compile(result.errors)
                else:
                    await self.domain_reload()
            return
        await self._answer(kind, request_id, result)

    async def _answer(self, kind: str, request_id: str, body: dict[str, Any]) -> None:
        response = envelope(
            f"{kind}_response",
            {"request_id": request_id, **body},
            msg_id=request_id,
            session=self.session_id,
        )
        self._remember(response)
        with contextlib.suppress(ConnectionClosed, AssertionError):
            await self.send(response)

    def _remember(self, answer: dict[str, Any]) -> None:
        """The ledger keeps the answer, to send it again if the command comes again."""
        request_id = (answer.get("body") or {}).get("request_id") or answer.get("id")
        if self.dedup and isinstance(request_id, str) and request_id in self.ledger:
            self.ledger[request_id] = answer

    async def _heartbeat(self, ws: ClientConnection) -> None:
        assert self.heartbeat_interval
        with contextlib.suppress(ConnectionClosed):
            while self.ws is ws:
                await asyncio.sleep(self.heartbeat_interval)
                if self.ws is ws:
                    await ws.send(json.dumps(envelope("hb", {}, session=self.session_id)))

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run ``coro`` as a task this peer owns: ``aclose`` cancels and awaits it."""
        if self._closing:
            coro.close()
            return
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_log_failure)


async def _abort(ws: ClientConnection) -> None:
    """Close a socket whose handshake will not finish, without waiting on the server."""
    ws.transport.abort()
    with contextlib.suppress(Exception):
        await ws.wait_closed()


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        logger.error("simulator task failed: %r", exc)
