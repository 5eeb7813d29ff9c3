"""movesia-mcp: an MCP server bridging AI assistants and the Unity Editor."""

# First, before any module that needs Python 3.11: older interpreters stop here with one line.
from . import _python_check  # noqa: F401
from ._version import __version__
from .commands import CommandState, PendingCommand
from .config import Config, HeartbeatConfig, UnityManagerConfig
from .envelope import ACK_REQUIRED_TYPES, CloseCode, ConnectionSource, MovesiaMessage
from .exceptions import (
    AmbiguousProjectError,
    CommandTimeoutError,
    CommandTooLargeError,
    ConfigError,
    ConnectionLostError,
    EnvelopeError,
    MovesiaError,
    NotConnectedError,
    ServerShuttingDownError,
    UnityCommandError,
    UnityError,
)
from .heartbeat import HeartbeatManager
from .log import logger
from .router import MessageRouter
from .routes import create_app, unity_routes
from .sessions import SessionTable, TakeoverDecision
from .unity_manager import UnityManager
from .unity_session import CommandProgress, UnitySession

__all__ = [
    "ACK_REQUIRED_TYPES",
    "AmbiguousProjectError",
    "CloseCode",
    "CommandProgress",
    "CommandState",
    "CommandTimeoutError",
    "CommandTooLargeError",
    "Config",
    "ConfigError",
    "ConnectionLostError",
    "ConnectionSource",
    "EnvelopeError",
    "HeartbeatConfig",
    "HeartbeatManager",
    "MessageRouter",
    "MovesiaError",
    "MovesiaMessage",
    "NotConnectedError",
    "PendingCommand",
    "ServerShuttingDownError",
    "SessionTable",
    "TakeoverDecision",
    "UnityCommandError",
    "UnityError",
    "UnityManager",
    "UnityManagerConfig",
    "UnitySession",
    "__version__",
    "create_app",
    "logger",
    "unity_routes",
]
