"""The Unity Test Framework: listing and running the project's tests."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .._models import Params, Result

TestMode = Literal["EditMode", "PlayMode"]


class ListTestsParams(Params):
    mode: TestMode | None = Field(
        None, description="Only EditMode or PlayMode tests; omit for both"
    )
    offset: int = Field(0, ge=0, description="Skip this many tests (paging)")
    limit: int = Field(100, ge=1, le=500, description="At most this many tests")


class TestInfo(Result):
    name: str = Field(description="Full name, e.g. 'Game.Tests.PlayerTests.MovesForward'")
    mode: TestMode
    assembly: str = Field(description="Test assembly, e.g. 'Game.Tests.EditMode'")
    categories: list[str] = Field(default_factory=list)


class ListTestsResult(Result):
    tests: list[TestInfo]
    total: int = Field(description="Tests matching 'mode'")
    offset: int
    next_offset: int | None = Field(None, description="Pass as 'offset' for the next page")


class RunTestsParams(Params):
    mode: TestMode = Field(description="Run the EditMode or the PlayMode tests")
    test_names: list[str] = Field(
        default_factory=list, description="Only tests with these full names (from list_tests)"
    )
    group_names: list[str] = Field(
        default_factory=list,
        description="Only tests whose full name matches one of these regular expressions, "
        "e.g. '^Game[.]Tests[.]PlayerTests[.]'",
    )
    categories: list[str] = Field(
        default_factory=list, description="Only tests in one of these NUnit categories"
    )
    assemblies: list[str] = Field(
        default_factory=list, description="Only tests in these test assemblies (no '.dll')"
    )
    offset: int = Field(0, ge=0, description="Skip this many failures of the answer (paging)")
    limit: int = Field(
        50, ge=1, le=200, description="At most this many failures, with message and stack"
    )


class TestFailure(Result):
    name: str
    message: str
    stack: str = ""
    duration: float = Field(0.0, description="Seconds")


class RunTestsResult(Result):
    mode: TestMode
    passed: int
    failed: int
    skipped: int
    total: int = Field(description="Tests run: passed + failed + skipped")
    duration: float = Field(0.0, description="Seconds the run took")
    failures: list[TestFailure] = Field(description="This page of the failed tests")
    offset: int
    next_offset: int | None = Field(None, description="Run again with this 'offset' for more")
    complete: bool = Field(
        True,
        description="True: the counts cover the whole run (a PlayMode run is answered when "
        "it ends; one that does not end in time is an error). False only from plug-in "
        "0.1.0 that answered mid-run with partial counts",
    )
