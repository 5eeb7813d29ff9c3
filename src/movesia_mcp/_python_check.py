"""Stop at once, in one readable line, on a Python older than 3.11.

The package's ``__init__`` imports this module before anything else, so an older
interpreter never reaches a module that uses 3.11 features (which would fail with a
SyntaxError or ImportError traceback). That is why this file sticks to syntax every
Python 3 parses: no f-strings, no ``from __future__ import annotations``, annotations
as strings only.
"""

import sys

MINIMUM = (3, 11)


def unsupported_python(version: "tuple[int, ...]", executable: str) -> "str | None":
    """The message for a Python too old to run movesia-mcp, or None when it is new enough."""
    if tuple(version[:2]) >= MINIMUM:
        return None
    running = ".".join(str(part) for part in version[:3])
    needed = ".".join(str(part) for part in MINIMUM)
    return (
        "movesia-mcp needs Python "
        + needed
        + " or newer, but this is Python "
        + running
        + " ("
        + (executable or "unknown interpreter")
        + "); install it with a newer Python, e.g. python"
        + needed
        + " -m venv .venv"
    )


def _refuse_unsupported_python() -> None:
    message = unsupported_python(tuple(sys.version_info[:3]), sys.executable)
    if message is not None:
        raise SystemExit(message)  # printed to stderr as one line, exit status 1


_refuse_unsupported_python()
