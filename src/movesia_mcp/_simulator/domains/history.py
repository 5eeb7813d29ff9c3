"""Undo and redo (catalog v2), over ``simulator/undo.py``'s history."""

from __future__ import annotations

from ...catalog._tools import UndoParams
from .base import EditorCore, Outcome


class UndoCommands(EditorCore):
    """Catalog domain *undo and redo*."""

    def _undo(self, p: UndoParams) -> Outcome:
        return self._undo_redo(p.steps, redo=False)

    def _redo(self, p: UndoParams) -> Outcome:
        return self._undo_redo(p.steps, redo=True)

    def _undo_redo(self, steps: int, *, redo: bool) -> Outcome:
        state, names = self.history.step(steps, redo=redo, graph=self.graph, assets=self.assets)
        if state is not None:
            self._put_back(state)
        return {"steps": len(names), "names": names}
