"""The byte-bound and HTTP-hygiene settings: documented defaults, parsing, refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from movesia_mcp._config import Config
from movesia_mcp._exceptions import ConfigError

KiB = 1024
MiB = 1024 * KiB

BOUNDS: list[tuple[str, Callable[[Config], Any], Any, str, Any]] = [
    ("MAX_EVENT_BYTES", lambda c: c.unity.max_event_bytes, 64 * KiB, "1000", 1000),
    ("MAX_RECENT_EVENTS_BYTES", lambda c: c.unity.max_recent_events_bytes, 4 * MiB, "5", 5),
    ("MAX_COMPILE_ERRORS", lambda c: c.unity.max_compile_errors, 100, "7", 7),
    ("MAX_COMPILE_ERRORS_BYTES", lambda c: c.unity.max_compile_errors_bytes, 64 * KiB, "9", 9),
    ("MAX_PENDING_DELIVERY_BYTES", lambda c: c.unity.max_pending_delivery_bytes, 16 * MiB, "3", 3),
    ("MAX_STATUS_BYTES", lambda c: c.unity.max_status_bytes, 256 * KiB, "4096", 4096),
    ("MAX_RESOURCE_BYTES", lambda c: c.max_resource_bytes, 1 * MiB, "2048", 2048),
    ("MAX_CONSOLE_ENTRY_BYTES", lambda c: c.max_console_entry_bytes, 16 * KiB, "512", 512),
    ("MAX_LOG_NOTIFICATIONS_PER_S", lambda c: c.max_log_notifications_per_s, 10, "50", 50),
    ("HTTP_REQUEST_TIMEOUT", lambda c: c.http_request_timeout, 10.0, "2.5", 2.5),
]
IDS = [b[0] for b in BOUNDS]


@pytest.mark.parametrize(("name", "read", "default", "raw", "parsed"), BOUNDS, ids=IDS)
def test_each_bound_has_its_documented_default_and_is_parsed(
    name: str, read: Callable[[Config], Any], default: Any, raw: str, parsed: Any
) -> None:
    assert read(Config.from_env({})) == default
    assert read(Config()) == default
    assert read(Config.from_env({name: raw})) == parsed


@pytest.mark.parametrize("name", IDS)
@pytest.mark.parametrize("raw", ["0", "-1", "lots", "inf"])
def test_an_invalid_bound_stops_start_up_naming_the_variable(name: str, raw: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Config.from_env({name: raw})


def test_programmatic_defaults_agree_with_the_configuration() -> None:
    """build_server, ClientHub and serving() used without a Config apply the same
    documented defaults as the command line."""
    import inspect

    from movesia_mcp._server import resources, runtime, tools
    from movesia_mcp._server.hub import ClientHub

    config = Config()
    assert config.max_resource_bytes == resources.DEFAULT_RESOURCE_BYTES
    assert config.max_console_entry_bytes == tools.DEFAULT_CONSOLE_ENTRY_BYTES
    assert ClientHub().max_logs_per_s == config.max_log_notifications_per_s
    timeout = inspect.signature(runtime.serving).parameters["request_timeout"].default
    assert timeout == config.http_request_timeout
