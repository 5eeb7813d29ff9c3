"""Tests (catalog v2): ``list_tests`` and ``run_tests`` over ``simulator/testing.py``."""

from __future__ import annotations

from ...catalog._tools import ListTestsParams, RunTestsParams
from .. import testing
from .base import Compilation, EditorCore, Outcome


class TestCommands(EditorCore):
    """Catalog domain *tests*; a PlayMode run reloads the domain."""

    def _list_tests(self, p: ListTestsParams) -> Outcome:
        return testing.list_tests(p)

    def _run_tests(self, p: RunTestsParams) -> Outcome:
        answer = testing.run_tests(p)
        if p.mode == "PlayMode" and "error" not in answer:  # play mode reloads the domain
            return Compilation(answer, [])
        return answer
