"""The event feed: what editors report, kept and handed to subscribers (PROTOCOL.md §7).

Domain events are clipped to their byte bounds and kept in a bounded recent-events
buffer; every state change (connected, disconnected, compile, selection, event) goes to
the subscribers in order, from a queue of its own, off the editor's read loop (a
subscriber may itself send a command, whose answer arrives on that very socket). A
stuck subscriber holds at most ``max_pending_deliveries`` changes and
``max_pending_delivery_bytes`` of them; later ones are dropped with a warning.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Iterable
from typing import Any

from ._bounds import ByteBoundedDeque, clip_compile_result, clip_sized, json_size
from ._config import UnityManagerConfig
from ._envelope import MovesiaMessage
from ._unity_session import DomainEventHandler, StateChange, StateListener

logger = logging.getLogger("movesia_mcp.unity")


class EventFeed:
    def __init__(
        self,
        config: UnityManagerConfig,
        on_domain_event: DomainEventHandler | None = None,
        interrupt_manager: Any = None,
    ) -> None:
        self.config = config
        self.interrupt_manager = interrupt_manager
        self.recent_events: ByteBoundedDeque[MovesiaMessage] = ByteBoundedDeque(
            config.recent_events, config.max_recent_events_bytes, event_size
        )
        self.event_handlers: list[DomainEventHandler] = [on_domain_event] if on_domain_event else []
        self.state_listeners: list[StateListener] = []
        self.queue: asyncio.Queue[StateChange] | None = None
        self.dropped = 0
        self._bytes = 0
        self._costs: deque[int] = deque()  # in the queue's order

    def clip(self, message: MovesiaMessage) -> int:
        """Cut ``message``'s body to its byte bound; returns what keeping it costs."""
        if message.type == "compile_finished":
            message.body = clip_compile_result(
                message.body, self.config.max_compile_errors, self.config.max_compile_errors_bytes
            )
            return event_size(message)
        message.body, body_bytes = clip_sized(message.body, self.config.max_event_bytes)
        return body_bytes + len(message.type) + 64

    async def publish(self, change: StateChange, cost: int = 0) -> None:
        """Queue ``change`` for the subscribers (or, outside ``run``, deliver it now)."""
        queue = self.queue
        if queue is None:  # not running: nothing else would deliver it
            await self.deliver(change)
            return
        try:
            if self._bytes + cost > self.config.max_pending_delivery_bytes:
                raise asyncio.QueueFull
            queue.put_nowait(change)
            self._costs.append(cost)
            self._bytes += cost
        except asyncio.QueueFull:
            self.dropped += 1
            if self.dropped % 1000 == 1:
                logger.warning(
                    "subscribers are %d changes behind; dropped %d so far",
                    queue.qsize(),
                    self.dropped,
                )

    def open(self) -> asyncio.Queue[StateChange]:
        """Start queueing changes (``run`` delivers them); returns the queue."""
        self.queue = asyncio.Queue(self.config.max_pending_deliveries)
        self._bytes = 0
        self._costs.clear()
        return self.queue

    async def run(self, queue: asyncio.Queue[StateChange]) -> None:
        """Deliver the changes queued on ``queue``, in order, until cancelled."""
        try:
            while True:
                change = await queue.get()
                self._bytes -= self._costs.popleft()
                await self.deliver(change)
        finally:
            if self.queue is queue:
                self.queue = None

    async def deliver(self, change: StateChange) -> None:
        message = change.message
        if message is not None:  # a domain event, not a connect/disconnect of the layer
            await _call_each(self.event_handlers, message, "on_domain_event handler")
        if message is not None and message.type == "compile_finished" and self.interrupt_manager:
            resume = getattr(self.interrupt_manager, "resume_all", None)
            if resume is not None:
                await _call_each([resume], None, "interrupt_manager.resume_all")
        await _call_each(self.state_listeners, change, "state listener")


async def _call_each(callbacks: Iterable[Any], argument: Any, what: str) -> None:
    for callback in list(callbacks):
        try:
            await (callback() if argument is None else callback(argument))
        except Exception:
            logger.exception("%s failed", what)


def event_size(message: MovesiaMessage) -> int:
    """What keeping ``message`` costs: its body (the part an editor controls the size of)
    and a fixed allowance for the rest."""
    return json_size(message.body) + len(message.type) + 64
