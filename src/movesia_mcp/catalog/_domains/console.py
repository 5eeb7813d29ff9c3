"""The Unity console: reading and clearing its entries."""

from __future__ import annotations

from pydantic import Field

from .._models import LogType, Params, Result


class ReadConsoleParams(Params):
    types: list[LogType] | None = Field(None, description="Only these log types")
    offset: int = Field(0, ge=0, description="Skip this many entries, newest first")
    limit: int = Field(50, ge=1, le=500, description="At most this many entries")
    include_stacktrace: bool = Field(False, description="Include each entry's stack trace")


class LogEntry(Result):
    type: LogType
    message: str
    stacktrace: str | None = None
    timestamp: float | None = None


class ConsoleResult(Result):
    entries: list[LogEntry]
    total: int
    next_offset: int | None = None
