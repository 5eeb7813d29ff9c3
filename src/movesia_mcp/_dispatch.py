"""Command dispatch: send a command to a project's editor and wait for its answer
(PROTOCOL.md §6, §6.1, §6.2).

The life-cycle of each command is ``commands.CommandTable``'s; this module does its I/O:
it waits until the target project is ready (compiling, reloading), writes the command,
and awaits the answer. One deadline sweep times out every command (no timer per
command) and doubles as the send watchdog: a connection whose oldest send has waited
``UNITY_SEND_TIMEOUT`` is closed with 1008 ``slow_consumer``. It also fires the progress
ticks of the callers that asked for progress, the re-checks of the callers waiting for
their project to be ready and the handshake deadline of each new socket, so every timing
rule here runs on the one injected clock (on the loop's own timer only when no sweep runs:
a manager used outside ``running()``).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
from collections.abc import Callable, Iterable
from typing import Any

import anyio
from anyio.abc import TaskGroup

from ._commands import CommandState, CommandTable, PendingCommand
from ._config import UnityManagerConfig
from ._connection import UnityConnection
from ._directory import ProjectDirectory
from ._envelope import CloseCode, MovesiaMessage, new_id
from ._exceptions import (
    CommandTimeoutError,
    ConnectionLostError,
    NotConnectedError,
    ServerShuttingDownError,
    UnityError,
)
from ._handshake import CANCEL, DEDUP
from ._unity_session import CommandProgress, ProgressCallback, UnitySession

logger = logging.getLogger("movesia_mcp.unity")

Clock = Callable[[], float]


class CommandDispatch:
    def __init__(
        self,
        config: UnityManagerConfig,
        commands: CommandTable[UnityConnection],
        directory: ProjectDirectory,
        clock: Clock,
        *,
        reload_surviving: Iterable[str],
        idempotent: Iterable[str],
        connections: Callable[[], list[UnityConnection]],
    ) -> None:
        self.config = config
        self.commands = commands
        self.directory = directory
        self.clock = clock
        self.reload_surviving = frozenset(reload_surviving)
        self.idempotent = frozenset(idempotent)
        self._connections = connections
        self.closing = False
        # The manager's task group while it runs: it owns the courtesy sends (``cancel``
        # to an editor) and the watchdog's closes, and shutdown cancels them.
        self.tasks: TaskGroup | None = None
        # The deadline sweep: woken when a deadline (or a progress tick) earlier than
        # the one it sleeps for is added.
        self.sweeping = False
        self._wake_at = math.inf
        self._deadline_added = asyncio.Event()  # made again by each sweep, on its own loop
        # Timed wake-ups the sweep gives on the clock: the next progress tick of each
        # command whose caller reports progress, the next re-check of each caller
        # waiting for its project to be ready, the handshake deadline of each new socket.
        self.ticks = Ticks()
        # Courtesy sends started while no task group runs (a manager used outside
        # ``running()``): kept here until they end, cancelled by ``fail_all``.
        self._loose: set[asyncio.Task[None]] = set()

    # ── sending ────────────────────────────────────────────────────────────────────

    async def execute(
        self,
        command_type: str,
        params: dict[str, Any],
        *,
        timeout: float | None = None,
        project: str | None = None,
        on_progress: ProgressCallback | None = None,
        survives_reload: bool | None = None,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        if self.closing:
            raise ServerShuttingDownError("server is shutting down")
        started = self.clock()
        session = self.directory.find(project, started)
        connection = session.connection
        now = started
        if connection is None or session.compiling:
            connection = await self.wait_until_ready(
                session, command_type=command_type, on_progress=on_progress
            )
            now = self.clock()
        command: PendingCommand[UnityConnection] = PendingCommand(
            new_id(),
            command_type,
            session.session_id,
            params,
            (command_type in self.reload_surviving if survives_reload is None else survives_reload),
            (connection.loop or asyncio.get_running_loop()).create_future(),
            connection,
            deadline=now + (timeout if timeout is not None else self.config.command_timeout),
            started=started,
            idempotent=command_type in self.idempotent if idempotent is None else idempotent,
        )
        self.commands.add(command)
        if command.deadline < self._wake_at:
            self._deadline_added.set()  # the sweep sleeps past it: wake it up
        if connection.closed and command.survives_reload:
            # The death window: the socket is gone, its read loop has not noticed yet.
            # The command waits for the reconnect like any other reload-surviving one
            # (that connection's end detaches it), and is sent on the next connection.
            command.written = False
            logger.info(
                "%s: %s issued on a closed socket; it waits for the reconnect",
                connection.label,
                command_type,
            )
        else:
            try:
                if self.sweeping:  # the sweep's watchdog guards the send (``_send``)
                    await connection.send_text(command.frame(session.session_id))
                else:
                    await self._send(connection, command.frame(session.session_id))
            except BaseException as exc:
                future = command.future
                if (
                    isinstance(exc, ConnectionLostError)
                    and command.survives_reload
                    and command.id in self.commands
                ):
                    # The socket died under the send: the command may or may not have
                    # arrived, and stays pending like any in-flight reload-surviving one.
                    logger.info("%s: %s send failed: %s", connection.label, command_type, exc)
                else:
                    # Never left this process: forget it, the caller may retry safely.
                    self.commands.give_up(command, CommandState.CANCELLED)
                    # Settled while its send was blocked (the server shut down, or the
                    # connection was dropped): that outcome is the caller's answer.
                    lost = isinstance(exc, ConnectionLostError) and future.done()
                    settled = future.exception() if lost and not future.cancelled() else None
                    if settled is not None:
                        raise settled from None
                    raise
        try:
            if on_progress is None and self.sweeping:
                return await command.future  # the hot path: the deadline sweep times it out
            return await self._await_answer(command, started, on_progress)
        except BaseException:  # cancelled, or the progress callback failed
            if self.commands.give_up(command, CommandState.CANCELLED):
                self.cancel_in_unity(command)
            raise

    async def _await_answer(
        self,
        command: PendingCommand[UnityConnection],
        started: float,
        on_progress: ProgressCallback | None,
    ) -> dict[str, Any]:
        future = command.future
        if not self.sweeping:
            return await self._await_unswept(command, started, on_progress)
        if on_progress is None:
            return await future  # the hot path: the deadline sweep times it out
        # The sweep times the command out and fires its progress ticks, one every
        # ``progress_interval`` after the last report.
        while True:
            await self._until(self.clock() + self.config.progress_interval, future)
            if future.done():
                return future.result()
            await on_progress(self._progress(command, started))

    async def _until(self, at: float, wake: asyncio.Future[Any]) -> None:
        """Until ``wake`` is done or the clock reaches ``at``, whichever comes first: the
        sweep fires the tick (it is woken if it sleeps past ``at``). Only while it runs."""
        tick: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.ticks.add(at, tick)
        if at < self._wake_at:
            self._deadline_added.set()  # the sweep sleeps past it: wake it up
        try:
            await asyncio.wait((wake, tick), return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.ticks.leave(tick)

    async def wait_until(self, at: float, wake: asyncio.Future[Any]) -> bool:
        """Until ``wake`` is done or the clock reaches ``at``; True if ``wake`` is done.
        Timed by the sweep while it runs, else (a manager used outside ``running()``) on
        the loop's own timer."""
        if self.sweeping:
            await self._until(at, wake)
        else:
            await asyncio.wait((wake,), timeout=max(0.0, at - self.clock()))
        return wake.done()

    async def _await_unswept(
        self,
        command: PendingCommand[UnityConnection],
        started: float,
        on_progress: ProgressCallback | None,
    ) -> dict[str, Any]:
        """No sweep runs (a manager used outside ``running()``): watch the deadline and
        time the progress reports here, on the loop's own timer."""
        future = command.future
        interval = self.config.progress_interval if on_progress is not None else math.inf
        while not future.done():
            remaining = command.deadline - self.clock()
            if remaining <= 0:
                self.time_out(command, started)
                break
            wait = min(remaining, interval)
            await asyncio.wait((future,), timeout=None if wait == math.inf else wait)
            if not future.done() and on_progress is not None and wait < remaining:
                await on_progress(self._progress(command, started))
        return future.result()

    def _progress(
        self, command: PendingCommand[UnityConnection], started: float
    ) -> CommandProgress:
        """What a command that was sent is waiting for: its answer, or Unity's return."""
        reloading = command.connection is None
        return CommandProgress(
            command.command_type,
            "waiting_for_reconnect" if reloading else "waiting_for_answer",
            self.clock() - started,
            "Unity is reloading; the command will be answered after it reconnects"
            if reloading
            else f"waiting for Unity to answer {command.command_type}",
        )

    def time_out(self, command: PendingCommand[UnityConnection], started: float) -> None:
        if command.future.done():
            return
        if self.commands.give_up(command, CommandState.TIMED_OUT):
            self.cancel_in_unity(command)
        command.future.set_exception(
            CommandTimeoutError(
                f"Unity did not answer {command.command_type!r} within "
                f"{self.clock() - started:.1f}s (state: {command.state.value})"
            )
        )

    def cancel_in_unity(self, command: PendingCommand[UnityConnection]) -> None:
        """The caller gave up on ``command`` (§6.2): tell an editor that declared
        ``cancel``. Off the caller's task, which is being cancelled itself: the send
        belongs to the manager's task group (with none running, to a tracked task that
        ``fail_all`` cancels), so shutdown ends it."""
        if not command.written:
            return
        session = self.directory.sessions.get(command.session_id)
        target = command.connection
        if target is None or target.closed:
            if session is not None:  # reloading: tell the next connection
                session.cancel_on_reconnect.append(command.id)
            return
        if CANCEL not in target.capabilities:
            return
        envelope = cancel_envelope(command.id, command.session_id)
        if self.tasks is not None:
            self.tasks.start_soon(self._courtesy, target, envelope)
            return
        task = asyncio.get_running_loop().create_task(self._courtesy(target, envelope))
        self._loose.add(task)
        task.add_done_callback(self._loose.discard)

    # ── waiting for a project ──────────────────────────────────────────────────────

    async def wait_until_ready(
        self,
        session: UnitySession,
        *,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
        command_type: str = "wait_for_compile",
    ) -> UnityConnection:
        """The session's connection, once it is connected and not compiling.

        Waits up to ``timeout`` (default ``INTERRUPT_TIMEOUT``) through a compile or a
        reload, reporting progress every ``progress_interval``.
        """
        started = self.clock()
        limit = self.config.interrupt_timeout if timeout is None else timeout
        deadline = started + limit
        while True:
            if self.closing:
                raise ServerShuttingDownError("server is shutting down")
            now = self.clock()
            self.directory.expire_stale_compile(session, now)
            connection = session.connection
            if connection is not None and not session.compiling:
                return connection
            if connection is None and now >= session.expected_back_until:
                raise NotConnectedError(
                    f"Unity project {session.name!r} disconnected and did not come back; "
                    "check that the editor is open and the Movesia plug-in is running"
                )
            if now >= deadline:
                what = "compiling" if session.compiling else "reconnecting"
                raise CommandTimeoutError(
                    f"Unity project {session.name!r} was still {what} after "
                    f"{limit:g}s; {command_type!r} was not sent"
                )
            if on_progress is not None:
                compiling = connection is not None
                await on_progress(
                    CommandProgress(
                        command_type,
                        "waiting_for_compile" if compiling else "waiting_for_reconnect",
                        now - started,
                        "Unity is compiling scripts; the command will run when it finishes"
                        if compiling
                        else "Unity is reloading; the command will run when it reconnects",
                    )
                )
            wake_by = session.expected_back_until if connection is None else deadline
            # Re-checked at ``at`` on the clock, or as soon as the session changes.
            at = min(wake_by, deadline, now + self.config.progress_interval)
            await self.wait_until(at, session.changed.next())

    # ── reconnects ─────────────────────────────────────────────────────────────────

    def adopt(self, connection: UnityConnection) -> list[PendingCommand[UnityConnection]]:
        """Give the session's detached commands to ``connection``; returns the ones to
        send again on it (``commands.should_resend`` decides, PROTOCOL.md §6.1)."""
        return self.commands.adopt(
            connection,
            connection.session_id,
            dedup=DEDUP in connection.capabilities,
            legacy=connection.legacy,
        )

    async def resend(
        self, connection: UnityConnection, commands: list[PendingCommand[UnityConnection]]
    ) -> None:
        for command in commands:
            if command.connection is not connection or command.future.done():
                continue  # answered, or moved on to a newer connection meanwhile
            logger.info(
                "%s: resending %s %s (%s)",
                connection.label,
                command.command_type,
                command.id,
                "never sent" if not command.written else "unanswered",
            )
            command.written = True
            try:
                await self._send(connection, command.frame(connection.session_id))
            except UnityError as exc:  # stays pending; this socket's own end settles it
                logger.warning("%s: resend of %s failed: %s", connection.label, command.id, exc)
                return

    async def _send(self, connection: UnityConnection, text: str) -> None:
        """Send one frame. While the sweep runs, its watchdog guards every send (no timer
        per send); without it (a manager used outside ``running()``) the send is bounded
        by ``send_timeout`` itself, and an editor that stopped reading is cut off."""
        if self.sweeping:
            await connection.send_text(text)
            return
        try:
            async with asyncio.timeout(connection.send_timeout):
                await connection.send_text(text)
        except TimeoutError:
            await connection.cut_off(f"a send waited {connection.send_timeout:g}s")

    async def _courtesy(self, connection: UnityConnection, message: MovesiaMessage) -> None:
        """A frame nobody waits for (``cancel``): whatever goes wrong is only logged."""
        try:
            await self._send(connection, message.to_json())
        except Exception:
            logger.debug("%s: %s not sent", connection.label, message.type, exc_info=True)

    def fail_all(self) -> None:
        """Shutdown: no command will be answered any more."""
        self.closing = True
        for task in list(self._loose):
            task.cancel()
        for command in self.commands.pending():
            self.commands.fail(
                command,
                ServerShuttingDownError(
                    f"server is shutting down; {command.command_type!r} was not answered"
                ),
            )

    # ── the sweep ──────────────────────────────────────────────────────────────────

    async def sweep_deadlines(self) -> None:
        """The one timer of every command: time out what is due, then sleep until the
        earliest deadline (or until an earlier one is added). Also the send watchdog:
        a connection whose oldest send has waited ``send_timeout`` is closed with 1008
        (the backlog bound catches an editor that stops reading under heavy traffic;
        this catches it under light traffic). Runs until cancelled."""
        watch_every = max(0.01, self.config.send_timeout / 4)
        self._deadline_added = asyncio.Event()  # bound to this loop, whatever ran before
        self.sweeping = True
        try:
            while True:
                now = self.clock()
                self.sweep(now)
                wake_at = min(
                    self.commands.next_deadline() or math.inf,
                    self.ticks.next_at(),
                    now + watch_every,
                )
                self._wake_at = wake_at
                self._deadline_added.clear()
                with anyio.move_on_after(max(0.0, wake_at - now)):
                    await self._deadline_added.wait()
        finally:
            self.sweeping = False
            self._wake_at = math.inf

    def sweep(self, now: float) -> None:
        """One pass: time out the commands that are due, fire the progress ticks that are
        due; close stuck connections."""
        for command in self.commands.due(now):
            self.time_out(command, command.started)
        self.ticks.fire(now)
        for connection in self._connections():
            stuck = connection.stuck_for(now)
            if stuck < connection.send_timeout or connection.closed:
                continue
            logger.warning(
                "%s: Unity is not reading (a send waited %.1fs); closing", connection.label, stuck
            )
            if self.tasks is not None:
                self.tasks.start_soon(
                    connection.close,
                    CloseCode.POLICY_VIOLATION,
                    f"slow_consumer: a send waited {connection.send_timeout:g}s",
                )


class Ticks:
    """The sweep's timed wake-ups, earliest first: a heap of (clock time, tie-break,
    future), like ``CommandTable``'s deadlines. A tick whose waiter left (its future
    done or cancelled) is stale and skipped when it reaches the top; the heap is rebuilt
    when stale entries outnumber the live ones."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._stale = 0

    def __len__(self) -> int:
        """Ticks still waited for."""
        return sum(1 for _, _, tick in self._heap if not tick.done())

    def add(self, at: float, tick: asyncio.Future[None]) -> None:
        """Resolve ``tick`` once the clock reaches ``at``."""
        heapq.heappush(self._heap, (at, next(self._order), tick))

    def leave(self, tick: asyncio.Future[None]) -> None:
        """The waiter no longer waits for ``tick`` (it fired, or the wait ended first)."""
        if tick.done():
            return  # fired: already off the heap
        tick.cancel()
        self._stale += 1
        if self._stale > 1024 and self._stale > 2 * (len(self._heap) - self._stale):
            self._heap = [entry for entry in self._heap if not entry[2].done()]
            heapq.heapify(self._heap)
            self._stale = 0

    def next_at(self) -> float:
        """The clock time of the earliest live tick (``math.inf`` if none)."""
        heap = self._heap
        while heap:
            at, _, tick = heap[0]
            if not tick.done():
                return at
            heapq.heappop(heap)
            self._stale = max(0, self._stale - 1)
        return math.inf

    def fire(self, now: float) -> None:
        """Resolve every live tick due at ``now`` or earlier."""
        heap = self._heap
        while self.next_at() <= now:
            heapq.heappop(heap)[2].set_result(None)


async def send_quietly(connection: UnityConnection, message: MovesiaMessage) -> bool:
    """Send a reply or a courtesy frame. False when the socket is already going away:
    the caller keeps routing the frames it has received (the read loop ends when the
    socket's close arrives, not on a failed reply)."""
    try:
        await connection.send(message)
    except ConnectionLostError as exc:
        logger.debug("%s: %s not sent: %s", connection.label, message.type, exc)
        return False
    return True


def cancel_envelope(request_id: str, session: str) -> MovesiaMessage:
    return MovesiaMessage.create("cancel", {"request_id": request_id}, session=session)
