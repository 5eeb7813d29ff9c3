"""Every failure a caller can act on has its own class.

MovesiaError
├── ConfigError                 an environment variable or option is invalid (also a ValueError)
├── EnvelopeError               an inbound frame breaks the envelope rules (has ``code``;
│                               also a ValueError)
├── HandshakeError              the editor's handshake is missing or invalid (closed with 4000)
├── PortInUseError              the Unity port is taken or unusable (has ``in_use``)
├── RelaySecretError            the relay's secret file cannot be trusted, or is missing
└── UnityError                  a command could not produce Unity's answer
    ├── NotConnectedError       no editor is connected (or not the one asked for)
    │   └── AmbiguousProjectError   several editors are connected and none was chosen
    ├── ConnectionLostError     the editor's connection died while the command was in flight
    ├── CommandTimeoutError     no answer in time (also a TimeoutError)
    ├── UnityCommandError       Unity answered with an error; carries Unity's message
    ├── CommandTooLargeError    the command is larger than the send backlog; it was not sent
    └── ServerShuttingDownError the server stopped while the command was pending

Every class is defined here; ``handshake``, ``server.runtime`` and ``server.relay_secret``
re-export the one they raise. ``tests/unit/test_exception_tree.py`` checks this drawing
against the classes (parents, other bases, and that no subclass is missing).
"""

from __future__ import annotations


class MovesiaError(Exception):
    """Base class of every error this package raises on purpose."""


class ConfigError(MovesiaError, ValueError):
    """A configuration value is invalid. The message names the variable."""


class EnvelopeError(MovesiaError, ValueError):
    """An inbound frame is not a valid envelope.

    ``code`` is the machine-readable reason sent back in the ``error`` envelope.
    """

    def __init__(self, code: str, message: str, ref_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref_id = ref_id


class HandshakeError(MovesiaError):
    """The handshake is missing or invalid; the connection is closed with 4000."""


class PortInUseError(MovesiaError):
    """The Unity port is taken; the message says what to do.

    ``in_use`` is true when something holds the port (EADDRINUSE), which may be another
    movesia-mcp to relay to; false when the address cannot be used at all."""

    def __init__(self, message: str, *, in_use: bool = False) -> None:
        super().__init__(message)
        self.in_use = in_use


class RelaySecretError(MovesiaError):
    """The secret file or its directory cannot be trusted (or does not exist)."""


class UnityError(MovesiaError):
    """A Unity command did not produce an answer."""


class NotConnectedError(UnityError):
    """No Unity editor is connected, or not the project that was asked for."""


class AmbiguousProjectError(NotConnectedError):
    """Several editors are connected and the command named none of them."""

    def __init__(self, message: str, projects: list[str]) -> None:
        super().__init__(message)
        self.projects = projects


class ConnectionLostError(UnityError):
    """The editor's connection closed while the command was in flight.

    ``delivered`` is True when Unity acknowledged the command before the loss: it may
    have acted on it, so retrying a mutation could apply it twice.
    """

    def __init__(self, message: str, *, delivered: bool) -> None:
        super().__init__(message)
        self.delivered = delivered


class CommandTimeoutError(UnityError, TimeoutError):
    """Unity did not answer within the command's timeout."""


class UnityCommandError(UnityError):
    """Unity answered the command with an error; ``unity_message`` is Unity's text."""

    def __init__(self, command_type: str, unity_message: str, body: dict[str, object]) -> None:
        super().__init__(f"Unity reported an error for {command_type!r}: {unity_message}")
        self.command_type = command_type
        self.unity_message = unity_message
        self.body = body


class CommandTooLargeError(UnityError):
    """One command is larger than ``MAX_SEND_BACKLOG_BYTES``; it was not sent."""


class ServerShuttingDownError(UnityError):
    """The server is shutting down; the command will not be answered."""
