"""Every failure a caller can act on has its own class.

MovesiaError
├── ConfigError                 an environment variable or option is invalid
├── EnvelopeError               an inbound frame breaks the envelope rules (has ``code``)
└── UnityError                  a command could not produce Unity's answer
    ├── NotConnectedError       no editor is connected (or not the one asked for)
    │   └── AmbiguousProjectError   several editors are connected and none was chosen
    ├── ConnectionLostError     the editor's connection died while the command was in flight
    ├── CommandTimeoutError     no answer in time (also a ``TimeoutError``)
    ├── UnityCommandError       Unity answered with an error; carries Unity's message
    └── ServerShuttingDownError the server stopped while the command was pending
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
