"""Configuration: programmatic dataclasses and ``Config.from_env()`` (PROTOCOL.md §10).

An invalid value raises ``ConfigError`` naming the variable, and start-up stops there.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from ._exceptions import ConfigError

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class HeartbeatConfig:
    sweep_interval_ms: int = 40_000
    ping_after_idle_ms: int = 90_000
    max_idle_ms: int = 600_000
    compile_suspend_ms: int = 120_000
    compile_grace_ms: int = 30_000


@dataclass(frozen=True, slots=True)
class UnityManagerConfig:
    handshake_timeout: float = 10.0
    command_timeout: float = 30.0
    interrupt_timeout: float = 120.0
    # How long a session that dropped outside a compile is still expected back. A domain
    # reload (play mode, asset import) closes the socket without compile_started.
    reconnect_grace: float = 5.0
    # A send that cannot complete in this time means the peer stopped reading.
    send_timeout: float = 10.0
    # Bytes of frames waiting to be written to one editor before it counts as stuck.
    max_send_backlog_bytes: int = 8 * 1024 * 1024
    # Open Unity WebSockets (handshaking included); more are closed with 1013.
    max_connections: int = 100
    # How often a waiting command reports progress.
    progress_interval: float = 1.0
    recent_events: int = 200
    # State changes waiting for subscribers (MCP notifications, on_domain_event); more
    # are dropped with a warning rather than let a stalled subscriber grow memory.
    max_pending_deliveries: int = 10_000
    heartbeat: HeartbeatConfig = field(default_factory=HeartbeatConfig)
    # ── byte bounds on what an editor's messages cost us (PROTOCOL.md §8, 1.1) ─────────
    # One event body as kept and relayed (longer strings are cut, with a marker).
    max_event_bytes: int = 64 * 1024
    # All recent events together; the oldest leave first.
    max_recent_events_bytes: int = 4 * 1024 * 1024
    # Compiler errors kept from one compile_finished: the first N, and at most this many bytes.
    max_compile_errors: int = 100
    max_compile_errors_bytes: int = 64 * 1024
    # State changes waiting for subscribers, in bytes (beside max_pending_deliveries).
    max_pending_delivery_bytes: int = 16 * 1024 * 1024
    # One status answer (/unity/status, get_connection_status, list_projects, unity://status).
    max_status_bytes: int = 256 * 1024


LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Config:
    server_host: str = "127.0.0.1"
    server_port: int = 8765
    log_level: str = "INFO"
    token: str | None = None
    max_message_bytes: int = 16 * 1024 * 1024
    allowed_origins: tuple[str, ...] = ()
    unity: UnityManagerConfig = field(default_factory=UnityManagerConfig)
    # ── MCP-side bounds and HTTP hygiene (hardening) ─────────────────────────────────
    # One resource answer (unity://events, unity://console, ...).
    max_resource_bytes: int = 1024 * 1024
    # One Unity console entry as relayed in a log notification or unity://console.
    max_console_entry_bytes: int = 16 * 1024
    # MCP log notifications per second; more are folded into a count.
    max_log_notifications_per_s: int = 10
    # An HTTP request whose headers and body have not all arrived by then is closed.
    http_request_timeout: float = 10.0

    def validate(self) -> Config:
        hb = self.unity.heartbeat
        if hb.ping_after_idle_ms >= hb.max_idle_ms:
            raise ConfigError(
                f"HEARTBEAT_PING_AFTER_MS={hb.ping_after_idle_ms} must be below "
                f"HEARTBEAT_MAX_IDLE_MS={hb.max_idle_ms}, or idle editors are closed unpinged"
            )
        if not is_loopback(self.server_host) and not self.token:
            raise ConfigError(
                f"SERVER_HOST={self.server_host} is not a loopback address: set MOVESIA_TOKEN "
                "so that only your Unity editor can connect"
            )
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ
        d = cls()
        hb = d.unity.heartbeat
        reader = _EnvReader(env)
        heartbeat = HeartbeatConfig(
            sweep_interval_ms=reader.get("HEARTBEAT_SWEEP_MS", _positive_int, hb.sweep_interval_ms),
            ping_after_idle_ms=reader.get(
                "HEARTBEAT_PING_AFTER_MS", _positive_int, hb.ping_after_idle_ms
            ),
            max_idle_ms=reader.get("HEARTBEAT_MAX_IDLE_MS", _positive_int, hb.max_idle_ms),
            compile_suspend_ms=reader.get(
                "COMPILE_SUSPEND_MS", _positive_int, hb.compile_suspend_ms
            ),
        )
        unity = UnityManagerConfig(
            handshake_timeout=reader.get(
                "UNITY_HANDSHAKE_TIMEOUT", _positive_float, d.unity.handshake_timeout
            ),
            command_timeout=reader.get(
                "UNITY_COMMAND_TIMEOUT", _positive_float, d.unity.command_timeout
            ),
            interrupt_timeout=reader.get(
                "INTERRUPT_TIMEOUT", _positive_float, d.unity.interrupt_timeout
            ),
            reconnect_grace=reader.get(
                "UNITY_RECONNECT_GRACE", _non_negative_float, d.unity.reconnect_grace
            ),
            send_timeout=reader.get("UNITY_SEND_TIMEOUT", _positive_float, d.unity.send_timeout),
            max_send_backlog_bytes=reader.get(
                "MAX_SEND_BACKLOG_BYTES", _positive_int, d.unity.max_send_backlog_bytes
            ),
            max_connections=reader.get(
                "MAX_UNITY_CONNECTIONS", _positive_int, d.unity.max_connections
            ),
            heartbeat=heartbeat,
            **_unity_bounds(reader, d.unity),
        )
        origins = reader.get("MOVESIA_ALLOWED_ORIGINS", _csv, d.allowed_origins)
        return cls(
            server_host=reader.get("SERVER_HOST", _non_empty, d.server_host),
            server_port=reader.get("SERVER_PORT", _port, d.server_port),
            log_level=reader.get("LOG_LEVEL", _log_level, d.log_level),
            token=env.get("MOVESIA_TOKEN", "").strip() or None,
            max_message_bytes=reader.get("MAX_MESSAGE_BYTES", _positive_int, d.max_message_bytes),
            allowed_origins=origins,
            unity=unity,
            max_resource_bytes=reader.get(
                "MAX_RESOURCE_BYTES", _positive_int, d.max_resource_bytes
            ),
            max_console_entry_bytes=reader.get(
                "MAX_CONSOLE_ENTRY_BYTES", _positive_int, d.max_console_entry_bytes
            ),
            max_log_notifications_per_s=reader.get(
                "MAX_LOG_NOTIFICATIONS_PER_S", _positive_int, d.max_log_notifications_per_s
            ),
            http_request_timeout=reader.get(
                "HTTP_REQUEST_TIMEOUT", _positive_float, d.http_request_timeout
            ),
        ).validate()


def _unity_bounds(reader: _EnvReader, d: UnityManagerConfig) -> dict[str, int]:
    """The byte bounds of ``UnityManagerConfig`` from the environment."""
    return {
        "max_event_bytes": reader.get("MAX_EVENT_BYTES", _positive_int, d.max_event_bytes),
        "max_recent_events_bytes": reader.get(
            "MAX_RECENT_EVENTS_BYTES", _positive_int, d.max_recent_events_bytes
        ),
        "max_compile_errors": reader.get("MAX_COMPILE_ERRORS", _positive_int, d.max_compile_errors),
        "max_compile_errors_bytes": reader.get(
            "MAX_COMPILE_ERRORS_BYTES", _positive_int, d.max_compile_errors_bytes
        ),
        "max_pending_delivery_bytes": reader.get(
            "MAX_PENDING_DELIVERY_BYTES", _positive_int, d.max_pending_delivery_bytes
        ),
        "max_status_bytes": reader.get("MAX_STATUS_BYTES", _positive_int, d.max_status_bytes),
    }


class _EnvReader:
    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def get(self, name: str, parse: Callable[[str], T], default: T) -> T:
        raw = self._env.get(name)
        if raw is None or raw.strip() == "":
            return default
        try:
            return parse(raw.strip())
        except ValueError as exc:
            raise ConfigError(f"{name}={raw!r} is invalid: {exc}") from None


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("must be a positive integer")
    return value


def _positive_float(raw: str) -> float:
    value = float(raw)
    if not value > 0 or value == float("inf"):
        raise ValueError("must be a positive number of seconds")
    return value


def _non_negative_float(raw: str) -> float:
    value = float(raw)
    if not value >= 0 or value == float("inf"):
        raise ValueError("must be zero or a positive number of seconds")
    return value


def _port(raw: str) -> int:
    value = int(raw)
    if not 0 <= value <= 65535:
        raise ValueError("must be a port number between 0 and 65535")
    return value


def _non_empty(raw: str) -> str:
    return raw


def _log_level(raw: str) -> str:
    level = raw.upper()
    if level not in logging.getLevelNamesMapping():
        raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
    return level


def _csv(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())
