"""Logging to stderr only: stdout is the MCP stdio channel."""

from __future__ import annotations

import logging
import sys

logger = logging.getLogger("movesia_mcp")


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # uvicorn's access log and the SDK's session-manager life-cycle lines are noise for a
    # desktop MCP server: a normal start says one line at INFO (the relay endpoint runs a
    # session manager even under stdio)
    for chatty in ("uvicorn.access", "mcp.server.streamable_http_manager"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
