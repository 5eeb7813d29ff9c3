"""movesia-mcp: an MCP server bridging AI assistants and the Unity Editor.

Everything a program may use is exported here: what the README's library section uses and
every type in those signatures. The modules themselves are private (``_name.py``); the
public modules are this package, ``python -m movesia_mcp`` and ``movesia_mcp.catalog``.
"""

# First, before any module that needs Python 3.11: older interpreters stop here with one line.
from . import _python_check  # noqa: F401
from ._bounds import ByteBoundedDeque
from ._commands import CommandState, CommandTable, PendingCommand, ResponseKind
from ._config import Config, HeartbeatConfig, UnityManagerConfig
from ._connection import UnityConnection
from ._envelope import ACK_REQUIRED_TYPES, CloseCode, ConnectionSource, MovesiaMessage
from ._exceptions import (
    AmbiguousProjectError,
    CommandTimeoutError,
    CommandTooLargeError,
    ConfigError,
    ConnectionLostError,
    EnvelopeError,
    HandshakeError,
    MovesiaError,
    NotConnectedError,
    PortInUseError,
    RelaySecretError,
    ServerShuttingDownError,
    UnityCommandError,
    UnityError,
)
from ._handshake import Identity
from ._heartbeat import HeartbeatManager, Verdict
from ._log import logger
from ._router import Acked, Answered, Event, MessageRouter, Outcome, Peer, Rejected, Reply
from ._routes import create_app, unity_routes
from ._sessions import SessionTable, TakeoverDecision
from ._unity_manager import UnityManager
from ._unity_session import CommandProgress, StateSignal, UnitySession
from ._version import __version__

__all__ = [
    "ACK_REQUIRED_TYPES",
    "Acked",
    "AmbiguousProjectError",
    "Answered",
    "ByteBoundedDeque",
    "CloseCode",
    "CommandProgress",
    "CommandState",
    "CommandTable",
    "CommandTimeoutError",
    "CommandTooLargeError",
    "Config",
    "ConfigError",
    "ConnectionLostError",
    "ConnectionSource",
    "EnvelopeError",
    "Event",
    "HandshakeError",
    "HeartbeatConfig",
    "HeartbeatManager",
    "Identity",
    "MessageRouter",
    "MovesiaError",
    "MovesiaMessage",
    "NotConnectedError",
    "Outcome",
    "Peer",
    "PendingCommand",
    "PortInUseError",
    "Rejected",
    "RelaySecretError",
    "Reply",
    "ResponseKind",
    "ServerShuttingDownError",
    "SessionTable",
    "StateSignal",
    "TakeoverDecision",
    "UnityCommandError",
    "UnityConnection",
    "UnityError",
    "UnityManager",
    "UnityManagerConfig",
    "UnitySession",
    "Verdict",
    "__version__",
    "create_app",
    "logger",
    "unity_routes",
]
