"""The one line ``movesia-mcp`` prints when a person starts it by hand in a terminal.

An MCP client starts the server with pipes on stdin and stdout; a terminal on stdin means
someone typed ``movesia-mcp`` and would otherwise see nothing happen. The hint goes to
stderr: stdout is the MCP channel even then.
"""

from __future__ import annotations

import sys
from typing import TextIO

# one line that fits a 100-column terminal
TERMINAL_HINT = (
    "movesia-mcp: waiting for an MCP client on stdin (Ctrl-C quits); "
    "'movesia-mcp demo' shows it working"
)


def terminal_hint(stdin: TextIO | None) -> str | None:
    """The hint when ``stdin`` is a terminal, else None."""
    try:
        interactive = stdin is not None and stdin.isatty()
    except (ValueError, OSError):  # closed or detached stream
        interactive = False
    return TERMINAL_HINT if interactive else None


def print_terminal_hint(transport: str) -> None:
    """Print the hint to stderr when stdio MCP is about to wait on a terminal."""
    hint = terminal_hint(sys.stdin) if transport == "stdio" else None
    if hint is not None:
        sys.stderr.write(hint + "\n")
        sys.stderr.flush()
