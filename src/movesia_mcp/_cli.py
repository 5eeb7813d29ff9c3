"""The ``movesia-mcp`` command.

    movesia-mcp [--transport stdio|http] [--simulate-unity]   serve (default: MCP on stdio)
    movesia-mcp demo                                            the whole chain, no Unity
    movesia-mcp status                                          ask a running server
    movesia-mcp simulate-unity --url ws://...                   attach a simulated editor
    movesia-mcp install CLIENT                                  register in an MCP client

Every option has an environment variable; the flag wins when both are given.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Sequence

from ._config import Config
from ._exceptions import ConfigError
from ._hints import print_terminal_hint
from ._install import add_install_parser, run_install
from ._log import configure_logging
from ._version import __version__

logger = logging.getLogger("movesia_mcp._cli")

LoopFactory = Callable[[], asyncio.AbstractEventLoop]
EVENT_LOOPS = ("auto", "uvloop", "asyncio")

ENV_HELP = """\
environment variables (a flag overrides its variable):
  SERVER_HOST=127.0.0.1        --host       MOVESIA_TRANSPORT=stdio   --transport
  SERVER_PORT=8765             --port       MOVESIA_SIMULATE_UNITY=0  --simulate-unity
  LOG_LEVEL=INFO               --log-level  MOVESIA_SIM_OBJECTS       --objects
  MOVESIA_TOKEN                --token      MOVESIA_ALLOWED_ORIGINS (comma-separated)
  MOVESIA_STATE_DIR            where the port holder keeps its relay secret (per user)
  MOVESIA_EVENT_LOOP=auto      auto (uvloop when installed: movesia-mcp[fast]), uvloop, asyncio
  UNITY_HANDSHAKE_TIMEOUT=10.0  UNITY_COMMAND_TIMEOUT=30.0  INTERRUPT_TIMEOUT=120.0
  UNITY_RECONNECT_GRACE=5.0     HEARTBEAT_SWEEP_MS=40000    HEARTBEAT_PING_AFTER_MS=90000
  HEARTBEAT_MAX_IDLE_MS=600000  COMPILE_SUSPEND_MS=120000   MAX_MESSAGE_BYTES=16777216
  UNITY_SEND_TIMEOUT=10.0       MAX_SEND_BACKLOG_BYTES=8388608  MAX_UNITY_CONNECTIONS=100
byte bounds (what an editor's messages may cost) and HTTP hygiene:
  MAX_EVENT_BYTES=65536          MAX_RECENT_EVENTS_BYTES=4194304  MAX_COMPILE_ERRORS=100
  MAX_COMPILE_ERRORS_BYTES=65536 MAX_STATUS_BYTES=262144          MAX_RESOURCE_BYTES=1048576
  MAX_CONSOLE_ENTRY_BYTES=16384  MAX_LOG_NOTIFICATIONS_PER_S=10
  MAX_PENDING_DELIVERY_BYTES=16777216  HTTP_REQUEST_TIMEOUT=10.0 (slowloris cut-off)
"""


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address of the Unity listener (SERVER_HOST)")
    parser.add_argument("--port", type=int, help="port of the Unity listener (SERVER_PORT)")
    parser.add_argument("--token", help="shared secret Unity must present (MOVESIA_TOKEN)")
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING or ERROR (LOG_LEVEL)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="movesia-mcp",
        description="MCP server that lets AI assistants inspect and change the Unity project "
        "you have open. With no command it serves MCP on stdio and listens for the Unity "
        "Editor on ws://127.0.0.1:8765/ws/unity.",
        epilog=ENV_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"movesia-mcp {__version__}")
    _common(parser)
    parser.add_argument(
        "--transport",
        choices=["stdio", "http"],
        help="MCP transport: stdio for desktop clients, or streamable HTTP "
        "at /mcp on the Unity port (MOVESIA_TRANSPORT)",
    )
    parser.add_argument(
        "--simulate-unity",
        action="store_true",
        default=None,
        help="attach a built-in simulated Unity editor (MOVESIA_SIMULATE_UNITY=1)",
    )
    parser.add_argument(
        "--objects", type=int, help="scene size of the simulated editor (MOVESIA_SIM_OBJECTS)"
    )
    sub = parser.add_subparsers(dest="command")

    demo = sub.add_parser(
        "demo",
        help="run the whole chain with a simulated editor and a real MCP client, and narrate it",
    )
    demo.add_argument("--plain", action="store_true", help="plain lines even on a terminal")

    status = sub.add_parser("status", help="ask a running server what it sees")
    _common(status)
    status.add_argument("--json", action="store_true", help="print the raw JSON")

    sim = sub.add_parser("simulate-unity", help="attach a simulated editor to a running server")
    sim.add_argument(
        "--url",
        default=None,
        help="Unity endpoint of the server (default ws://SERVER_HOST:SERVER_PORT/ws/unity)",
    )
    sim.add_argument("--project", default="SimProject", help="project name (default SimProject)")
    sim.add_argument("--objects", type=int, default=None, help="scene size (default: sample scene)")
    sim.add_argument("--token", help="token to present (MOVESIA_TOKEN)")
    sim.add_argument("--log-level", help="DEBUG, INFO, WARNING or ERROR (LOG_LEVEL)")
    add_install_parser(sub)
    return parser


def _env_with_flags(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    for flag, name in (
        ("host", "SERVER_HOST"),
        ("port", "SERVER_PORT"),
        ("token", "MOVESIA_TOKEN"),
        ("log_level", "LOG_LEVEL"),
    ):
        value = getattr(args, flag, None)
        if value is not None:
            env[name] = str(value)
    return env


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "install":
        return run_install(args)
    env = _env_with_flags(args)
    try:
        config = Config.from_env(env)
    except ConfigError as exc:
        print(f"movesia-mcp: configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(config.log_level)
    command = args.command
    if command == "status":
        from ._status import run_status

        return run_status(config, as_json=args.json)
    if command == "demo":
        from ._demo import run_demo

        return int(run_demo(plain=args.plain))
    if command == "simulate-unity":
        return _simulate_unity(config, args)
    return _serve(config, args, env)


def _serve(config: Config, args: argparse.Namespace, env: dict[str, str]) -> int:
    from ._exceptions import PortInUseError
    from ._server.runtime import Transport, run
    from ._server.stdio import ensure_standard_fds

    # Before the event loop exists: its own descriptors must not take a missing fd 0.
    ensure_standard_fds()

    requested = args.transport or env.get("MOVESIA_TRANSPORT", "stdio")
    transports: dict[str, Transport] = {"stdio": "stdio", "http": "http"}
    if requested not in transports:
        print(
            f"movesia-mcp: MOVESIA_TRANSPORT={requested!r} is invalid: use stdio or http",
            file=sys.stderr,
        )
        return 2
    transport = transports[requested]
    print_terminal_hint(transport)
    simulate = args.simulate_unity
    if simulate is None:
        simulate = env.get("MOVESIA_SIMULATE_UNITY", "").lower() in ("1", "true", "yes", "on")
    objects = args.objects
    if objects is None and env.get("MOVESIA_SIM_OBJECTS"):
        try:
            objects = int(env["MOVESIA_SIM_OBJECTS"])
        except ValueError:
            print("movesia-mcp: MOVESIA_SIM_OBJECTS must be an integer", file=sys.stderr)
            return 2
    try:
        loop_name, loop_factory = event_loop(env.get("MOVESIA_EVENT_LOOP", "auto"))
    except ConfigError as exc:
        print(f"movesia-mcp: configuration error: {exc}", file=sys.stderr)
        return 2
    logger.debug("event loop: %s", loop_name)
    try:
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            runner.run(run(config, transport, simulate_unity=simulate, simulated_objects=objects))
    except PortInUseError as exc:
        print(f"movesia-mcp: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130
    return 0


def event_loop(choice: str) -> tuple[str, LoopFactory | None]:
    """The event loop ``serve`` runs on, by its name, and the factory that makes it
    (None: asyncio's default loop).

    ``auto`` takes uvloop when it is installed (the ``fast`` extra, Linux and macOS) and
    asyncio otherwise; ``uvloop`` insists on it; ``asyncio`` never uses it.
    """
    choice = choice.strip().lower() or "auto"
    if choice not in EVENT_LOOPS:
        raise ConfigError(f"MOVESIA_EVENT_LOOP={choice!r} is invalid: use {', '.join(EVENT_LOOPS)}")
    if choice == "asyncio":
        return "asyncio", None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise ConfigError(
                "MOVESIA_EVENT_LOOP=uvloop but uvloop is not installed: install "
                "movesia-mcp[fast] (Linux and macOS) or use auto"
            ) from None
        return "asyncio", None
    return "uvloop", uvloop.new_event_loop


def _simulate_unity(config: Config, args: argparse.Namespace) -> int:
    from ._simulator.editor import run_simulated_editor

    url = args.url or f"ws://{config.server_host}:{config.server_port}/ws/unity"
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            run_simulated_editor(
                url,
                project_path=f"/Users/dev/Projects/{args.project}",
                objects=args.objects,
                token=config.token,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
