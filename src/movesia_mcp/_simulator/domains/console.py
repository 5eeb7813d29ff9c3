"""The console: read it by pages, clear it."""

from __future__ import annotations

from ...catalog._tools import NoParams, ReadConsoleParams
from .base import EditorCore, Outcome


class ConsoleCommands(EditorCore):
    """Catalog domain *console* (``EditorCore._log`` writes to it)."""

    def _read_console(self, p: ReadConsoleParams) -> Outcome:
        wanted = set(p.types) if p.types is not None else None
        entries = [e for e in reversed(self.console) if wanted is None or e.type in wanted]
        page = entries[p.offset : p.offset + p.limit]
        end = p.offset + len(page)
        return {
            "entries": [e.to_dict(p.include_stacktrace) for e in page],
            "total": len(entries),
            "next_offset": end if end < len(entries) else None,
        }

    def _clear_console(self, p: NoParams) -> Outcome:
        # Unity's Clear keeps compiler errors: they go only when the code compiles.
        kept = [entry for entry in self.console if entry.from_compiler]
        cleared = len(self.console) - len(kept)
        self.console = kept
        self._emit("console_cleared", {})
        return {"success": True, "message": f"cleared {cleared} console entries"}
