"""Configuration from the environment (PROTOCOL.md §10, §8)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from movesia_mcp._config import Config
from movesia_mcp._exceptions import ConfigError


def test_defaults_match_protocol_section_10() -> None:
    config = Config.from_env({})

    assert (config.server_host, config.server_port, config.log_level) == (
        "127.0.0.1",
        8765,
        "INFO",
    )
    assert (
        config.unity.handshake_timeout,
        config.unity.command_timeout,
        config.unity.interrupt_timeout,
    ) == (10.0, 30.0, 120.0)
    heartbeat = config.unity.heartbeat
    assert (
        heartbeat.sweep_interval_ms,
        heartbeat.ping_after_idle_ms,
        heartbeat.max_idle_ms,
        heartbeat.compile_suspend_ms,
    ) == (40_000, 90_000, 600_000, 120_000)
    assert config.token is None
    assert config.max_message_bytes == 16_777_216


def test_compile_finished_grace_defaults_to_30_seconds() -> None:
    assert Config.from_env({}).unity.heartbeat.compile_grace_ms == 30_000


def test_default_config_equals_from_empty_environment() -> None:
    assert Config.from_env({}) == Config()


PARSED: list[tuple[str, str, Callable[[Config], Any], Any]] = [
    ("SERVER_HOST", "localhost", lambda c: c.server_host, "localhost"),
    ("SERVER_PORT", "9000", lambda c: c.server_port, 9000),
    ("LOG_LEVEL", "DEBUG", lambda c: c.log_level, "DEBUG"),
    ("UNITY_HANDSHAKE_TIMEOUT", "2.5", lambda c: c.unity.handshake_timeout, 2.5),
    ("UNITY_COMMAND_TIMEOUT", "45", lambda c: c.unity.command_timeout, 45.0),
    ("INTERRUPT_TIMEOUT", "300", lambda c: c.unity.interrupt_timeout, 300.0),
    ("HEARTBEAT_SWEEP_MS", "1000", lambda c: c.unity.heartbeat.sweep_interval_ms, 1000),
    ("HEARTBEAT_PING_AFTER_MS", "2000", lambda c: c.unity.heartbeat.ping_after_idle_ms, 2000),
    ("HEARTBEAT_MAX_IDLE_MS", "95000", lambda c: c.unity.heartbeat.max_idle_ms, 95000),
    ("COMPILE_SUSPEND_MS", "4000", lambda c: c.unity.heartbeat.compile_suspend_ms, 4000),
    ("MOVESIA_TOKEN", "s3cret", lambda c: c.token, "s3cret"),
    ("MAX_MESSAGE_BYTES", "1024", lambda c: c.max_message_bytes, 1024),
]


@pytest.mark.parametrize(("name", "raw", "read", "expected"), PARSED, ids=[p[0] for p in PARSED])
def test_each_variable_is_parsed(
    name: str, raw: str, read: Callable[[Config], Any], expected: Any
) -> None:
    assert read(Config.from_env({name: raw})) == expected


def test_surrounding_whitespace_is_ignored() -> None:
    assert Config.from_env({"SERVER_PORT": " 9000 "}).server_port == 9000


def test_empty_value_means_default() -> None:
    assert Config.from_env({"SERVER_PORT": ""}).server_port == 8765


def test_empty_token_means_no_token() -> None:
    assert Config.from_env({"MOVESIA_TOKEN": ""}).token is None


def test_log_level_is_case_insensitive() -> None:
    assert Config.from_env({"LOG_LEVEL": "warning"}).log_level == "WARNING"


def test_from_env_reads_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVER_PORT", "9123")

    assert Config.from_env().server_port == 9123


INVALID = [
    ("SERVER_PORT", "http"),
    ("SERVER_PORT", "70000"),
    ("SERVER_PORT", "-1"),
    ("LOG_LEVEL", "LOUD"),
    ("UNITY_HANDSHAKE_TIMEOUT", "soon"),
    ("UNITY_HANDSHAKE_TIMEOUT", "0"),
    ("UNITY_COMMAND_TIMEOUT", "-5"),
    ("UNITY_COMMAND_TIMEOUT", "nan"),
    ("INTERRUPT_TIMEOUT", "inf"),
    ("HEARTBEAT_SWEEP_MS", "0"),
    ("HEARTBEAT_PING_AFTER_MS", "1.5"),
    ("HEARTBEAT_MAX_IDLE_MS", "-1"),
    ("COMPILE_SUSPEND_MS", "two minutes"),
    ("MAX_MESSAGE_BYTES", "0"),
    ("MAX_MESSAGE_BYTES", "16MiB"),
]


@pytest.mark.parametrize(("name", "raw"), INVALID, ids=[f"{n}={r}" for n, r in INVALID])
def test_invalid_value_raises_config_error_naming_the_variable(name: str, raw: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Config.from_env({name: raw})


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "unity-box.lan"])
def test_non_loopback_host_without_token_is_refused(host: str) -> None:
    with pytest.raises(ConfigError, match="MOVESIA_TOKEN"):
        Config.from_env({"SERVER_HOST": host})


def test_non_loopback_host_refusal_names_server_host() -> None:
    with pytest.raises(ConfigError, match="SERVER_HOST"):
        Config.from_env({"SERVER_HOST": "0.0.0.0"})


def test_non_loopback_host_with_token_is_accepted() -> None:
    config = Config.from_env({"SERVER_HOST": "0.0.0.0", "MOVESIA_TOKEN": "s3cret"})

    assert (config.server_host, config.token) == ("0.0.0.0", "s3cret")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_host_needs_no_token(host: str) -> None:
    assert Config.from_env({"SERVER_HOST": host}).server_host == host


def test_ping_threshold_at_or_above_max_idle_is_refused() -> None:
    with pytest.raises(ConfigError, match="HEARTBEAT_PING_AFTER_MS"):
        Config.from_env({"HEARTBEAT_PING_AFTER_MS": "5000", "HEARTBEAT_MAX_IDLE_MS": "5000"})
