"""movesia-mcp: an MCP server bridging AI assistants and the Unity Editor.

Everything a program may use is exported here: what the README's library section uses and
every type in those signatures. The modules themselves are private (``_name.py``); the
public modules are this package, ``python -m movesia_mcp`` and ``movesia_mcp.catalog``.
"""

# First, before any module that needs Python 3.11: older interpreters stop here with one line.
from . import _python_check  # noqa: F401
from ._version import __version__
from .bounds import ByteBoundedDeque
from .commands import CommandState, CommandTable, PendingCommand
from .config import Config, HeartbeatConfig, UnityManagerConfig
from .connection import UnityConnection
from .envelope import ACK_REQUIRED_TYPES, CloseCode, ConnectionSource, MovesiaMessage
from .exceptions import (
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
from .handshake import Identity
from .heartbeat import HeartbeatManager, Verdict
from .log import logger
from .router import Acked, Answered, Event, MessageRouter, Outcome, Peer, Rejected, Reply
from .routes import create_app, unity_routes
from .sessions import SessionTable, TakeoverDecision
from .unity_manager import UnityManager
from .unity_session import CommandProgress, StateSignal, UnitySession

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
