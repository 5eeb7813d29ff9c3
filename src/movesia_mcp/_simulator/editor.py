"""A faithful in-memory Unity Editor that answers every command of the tool catalog.

``SimulatedEditor`` holds what the real plug-in reads and changes: scenes of
GameObjects, assets, the console, the selection, play mode, menu items and project
settings. ``execute(command, params)`` is plain synchronous code over that state;
``handlers()`` wraps it for ``SimulatedUnity`` (one handler per catalog command), sends
the domain events the change caused, and turns a compile into the peer's reload
cycle. ``run_simulated_editor`` keeps such an editor connected to a server.

The commands live in ``domains/``, one module per catalog domain, over the state and
shared helpers of ``domains/base.py``. Answers follow the catalog's result models;
failures are ``{"error": "..."}`` as the real plug-in sends them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, Protocol

from pydantic import ValidationError
from websockets.exceptions import WebSocketException

from .._commands import unity_error
from .._handshake import derive_session_id
from ..catalog import TOOLS_BY_COMMAND, UNITY_TOOLS
from ..catalog._models import explain
from .domains.assets import AssetCommands
from .domains.base import (
    DEFAULT_PROJECT_PATH,
    DEFAULT_UNITY_VERSION,
    CommandError,
    Compilation,
    ConsoleEntry,
    EventSink,
    Outcome,
    asset_path,
    type_for,
)
from .domains.batch import BatchCommands
from .domains.components import ComponentCommands
from .domains.console import ConsoleCommands
from .domains.editor_state import EditorCommands
from .domains.hierarchy import HierarchyCommands
from .domains.history import UndoCommands
from .domains.packages import PackageCommands
from .domains.pictures import PictureCommands
from .domains.prefabs import PrefabCommands
from .domains.scenes import SceneCommands
from .domains.scripting import ScriptCommands
from .domains.testrun import TestCommands
from .peer import (
    AnswerThenCompile,
    CommandHandler,
    CompileThenAnswer,
    HandlerResult,
    HandshakeRejected,
    ReloadThenAnswer,
    SimulatedUnity,
)
from .project import Asset

__all__ = [
    "DEFAULT_PROJECT_PATH",
    "DEFAULT_UNITY_VERSION",
    "READ_ONLY_COMMANDS",
    "CommandError",
    "Compilation",
    "ConsoleEntry",
    "EventSink",
    "Outcome",
    "SimulatedEditor",
    "StopSignal",
    "run_simulated_editor",
]

logger = logging.getLogger("movesia_mcp._simulator")


class StopSignal(Protocol):
    def is_set(self) -> bool: ...

    async def wait(self) -> Any: ...


class SimulatedEditor(
    HierarchyCommands,
    ComponentCommands,
    PrefabCommands,
    SceneCommands,
    AssetCommands,
    ScriptCommands,
    UndoCommands,
    ConsoleCommands,
    EditorCommands,
    BatchCommands,
    PictureCommands,
    TestCommands,
    PackageCommands,
):
    """The state of one Unity project in the editor, and every catalog command on it.

    ``objects``: None opens the small sample scene; N adds generated objects to it until
    the scene holds N (100 root groups with nested children) for benchmarks.
    """

    # ── wiring ──────────────────────────────────────────────────────────────────────

    def attach(self, peer: EventSink) -> None:
        """Send domain events through ``peer`` from now on."""
        self.peer = peer

    def handlers(self) -> dict[str, CommandHandler]:
        """One ``SimulatedUnity`` handler per catalog command."""
        return {spec.command: self._handler(spec.command) for spec in UNITY_TOOLS}

    def _handler(self, command: str) -> CommandHandler:
        async def handle(params: dict[str, Any]) -> HandlerResult:
            outcome = self.execute(command, params)
            await self.flush_events()
            if not isinstance(outcome, Compilation):
                return outcome
            if outcome.answer_first:
                return AnswerThenCompile(outcome.body, outcome.errors)
            if outcome.errors:
                return CompileThenAnswer(outcome.body, outcome.errors)
            return ReloadThenAnswer(outcome.body)

        return handle

    def execute(self, command: str, params: dict[str, Any]) -> Outcome:
        """Run one command on the editor state; events wait in the outbox."""
        spec = TOOLS_BY_COMMAND.get(command)
        if spec is None:
            return {"error": f"unknown command {command!r}"}
        try:
            if command == "batch":
                return self._batch(params)
            checked = spec.params.model_validate(params)
            state = self.history.before(command, self.graph, self.assets)
            outcome = self._commands[command](checked)
            body = outcome.body if isinstance(outcome, Compilation) else outcome
            if unity_error(body) is None:
                self.history.after(command, state)
            return outcome
        except ValidationError as exc:
            return {"error": f"invalid parameters for {command}: {explain(exc)}"}
        except CommandError as exc:
            return {"error": str(exc)}

    async def flush_events(self) -> None:
        """Send the events the last commands caused, in order, without waiting for ACKs."""
        if self._hierarchy_changed and self.peer is not None:
            scenes = sorted(self._hierarchy_changed)
            self._outbox.insert(0, ("hierarchy_changed", {"scenes": scenes}))
        self._hierarchy_changed.clear()
        outbox, self._outbox = self._outbox, []
        if self.peer is None:
            return
        for msg_type, body in outbox:
            try:
                await self.peer.send_event(msg_type, body)
            except Exception as exc:  # a dropped socket loses the event, as in Unity
                logger.debug("event %s not sent: %r", msg_type, exc)

    # ── outside the catalog: what a user or the file system does ────────────────────

    def log(self, log_type: str, message: str, stacktrace: str = "") -> ConsoleEntry:
        """Add a console entry (as ``Debug.Log`` does) and announce it."""
        return self._log(log_type, message, stacktrace)

    def edit_on_disk(self, path: str, contents: str) -> None:
        """A file changed outside Unity: it is imported (and compiled) on refresh."""
        path = asset_path(path)
        asset_type = type_for(path)
        asset = self.assets.get(path)
        if asset is None:
            asset = self.assets[path] = Asset(asset_type, self._guid(path))
        if asset_type == "Script":
            asset.data["contents"] = contents
        self.pending_imports.add(path)


# ── running it against a server ─────────────────────────────────────────────────────

READ_ONLY_COMMANDS = frozenset(spec.command for spec in UNITY_TOOLS if spec.read_only)


async def run_simulated_editor(
    url: str,
    *,
    project_path: str = DEFAULT_PROJECT_PATH,
    objects: int | None = None,
    token: str | None = None,
    stop: StopSignal | None = None,
    editor: SimulatedEditor | None = None,
    unity_version: str = DEFAULT_UNITY_VERSION,
    heartbeat_interval: float | None = 30.0,
    reconnect_delay: float = 0.25,
    max_reconnect_delay: float = 5.0,
) -> None:
    """Keep a simulated editor connected to the server at ``url`` until ``stop`` is set.

    Like the plug-in, it reconnects with ``conn_seq`` + 1 after any drop, backing off
    from ``reconnect_delay`` up to ``max_reconnect_delay``, and gives up only when a
    newer connection of its session took over (4001). Pass ``editor`` to watch it.
    """
    editor = editor or SimulatedEditor(
        project_path=project_path, unity_version=unity_version, objects=objects
    )
    peer = SimulatedUnity(
        url,
        project_path=editor.project_path,
        unity_version=editor.unity_version,
        # One project, one session across restarts of the simulator, as with the plug-in.
        session_id=derive_session_id(editor.project_path),
        token=token,
        heartbeat_interval=heartbeat_interval,
        handlers=editor.handlers(),
        # Like the plug-in: ACK what changes the project (the ACK decides whether a lost
        # command may be resent); reads are simply answered.
        ack_commands=lambda command: command not in READ_ONLY_COMMANDS,
    )
    editor.attach(peer)
    stopped = stop if stop is not None else asyncio.Event()
    delay = reconnect_delay
    try:
        while not stopped.is_set():
            try:
                await peer.connect()
            except HandshakeRejected as exc:
                logger.warning("simulated editor refused: %s", exc)
            except (OSError, TimeoutError, WebSocketException) as exc:
                logger.info("simulated editor cannot reach %s: %s", url, exc)
            else:
                logger.info("simulated editor connected (conn_seq %d)", peer.conn_seq)
                delay = reconnect_delay
                await peer.flush_deferred()
                await _first(peer.wait_dropped(), stopped.wait())
                if stopped.is_set():
                    break
                closed = peer.closed_by_server
                if closed is not None and closed[0] == 4001:
                    logger.info("simulated editor superseded by a newer connection; stopping")
                    return
                logger.info("simulated editor lost its connection (%s); reconnecting", closed)
            await _first(asyncio.sleep(delay), stopped.wait())
            delay = min(delay * 2, max_reconnect_delay)
            peer.conn_seq += 1
    finally:
        await peer.aclose()


async def _first(*awaitables: Coroutine[Any, Any, Any]) -> None:
    """Wait until one of ``awaitables`` finishes; the others are cancelled, and all are
    awaited before this returns (a task group owns them)."""
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(awaitable) for awaitable in awaitables]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            task.cancel()
