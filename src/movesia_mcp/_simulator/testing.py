"""The simulated editor's Unity Test Framework: a small fixed suite, run for real.

A few EditMode and PlayMode tests, one failing with an NUnit message and stack, one
ignored, so ``list_tests`` and ``run_tests`` answer as Unity does. Filters combine as the
Test Framework's ``Filter`` does: within a field any value matches, across fields all
must. A PlayMode run enters play mode, which reloads the domain: the answer goes out on
the next connection (``reloads`` tells the editor so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..catalog._tools import ListTestsParams, RunTestsParams


@dataclass(frozen=True, slots=True)
class FakeTest:
    name: str
    mode: str
    assembly: str
    categories: tuple[str, ...] = ()
    outcome: str = "Passed"  # Passed, Failed, Skipped
    message: str = ""
    stack: str = ""
    duration: float = 0.01

    def info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "mode": self.mode,
            "assembly": self.assembly,
            "categories": list(self.categories),
        }


EDIT = "Game.Tests.EditMode"
PLAY = "Game.Tests.PlayMode"
SUITE: tuple[FakeTest, ...] = (
    FakeTest("Game.Tests.PlayerTests.MovesForward", "EditMode", EDIT, ("Movement",)),
    FakeTest("Game.Tests.PlayerTests.JumpsOnce", "EditMode", EDIT, ("Movement",), duration=0.02),
    FakeTest("Game.Tests.InventoryTests.AddsItem", "EditMode", EDIT),
    FakeTest(
        "Game.Tests.InventoryTests.DropsItemWhenFull",
        "EditMode",
        EDIT,
        outcome="Failed",
        message="  Expected: 9\n  But was:  10\n",
        stack="at Game.Tests.InventoryTests.DropsItemWhenFull () [0x0001c] in "
        "Assets/Tests/EditMode/InventoryTests.cs:31\n",
        duration=0.03,
    ),
    FakeTest(
        "Game.Tests.InventoryTests.SortsByWeight",
        "EditMode",
        EDIT,
        outcome="Skipped",
        message="sorting is not implemented yet",
        duration=0.0,
    ),
    FakeTest(
        "Game.Tests.PlayMode.SpawnTests.SpawnsPlayer", "PlayMode", PLAY, ("Smoke",), duration=0.4
    ),
    FakeTest("Game.Tests.PlayMode.SpawnTests.SpawnsEnemies", "PlayMode", PLAY, duration=0.6),
)


def list_tests(p: ListTestsParams) -> dict[str, Any]:
    found = [t for t in SUITE if p.mode is None or t.mode == p.mode]
    page = found[p.offset : p.offset + p.limit]
    end = p.offset + len(page)
    return {
        "tests": [t.info() for t in page],
        "total": len(found),
        "offset": p.offset,
        "next_offset": end if end < len(found) else None,
    }


def run_tests(p: RunTestsParams) -> dict[str, Any]:
    """The answer of a run (an ``error`` answer for a bad name pattern)."""
    try:
        patterns = [re.compile(g) for g in p.group_names]
    except re.error as exc:
        return {"error": f"group_names: {exc.pattern!r} is not a regular expression: {exc}"}
    ran = [
        t
        for t in SUITE
        if t.mode == p.mode
        and (not p.test_names or t.name in p.test_names)
        and (not patterns or any(rx.search(t.name) for rx in patterns))
        and (not p.categories or set(p.categories) & set(t.categories))
        and (not p.assemblies or t.assembly in p.assemblies)
    ]
    failed = [t for t in ran if t.outcome == "Failed"]
    page = failed[p.offset : p.offset + p.limit]
    end = p.offset + len(page)
    return {
        "mode": p.mode,
        "passed": sum(t.outcome == "Passed" for t in ran),
        "failed": len(failed),
        "skipped": sum(t.outcome == "Skipped" for t in ran),
        "total": len(ran),
        "duration": round(sum(t.duration for t in ran), 3),
        "failures": [
            {"name": t.name, "message": t.message, "stack": t.stack, "duration": t.duration}
            for t in page
        ],
        "offset": p.offset,
        "next_offset": end if end < len(failed) else None,
        "complete": True,
    }
