"""Hypothesis profiles and the example budget of the fuzz suite.

Two profiles, chosen by the ``MOVESIA_FULL`` environment variable:

- ``movesia-fuzz-ci`` (default): derandomized (same inputs on every run, so never
  flaky), no example database, small example counts; the whole fuzz suite runs in a
  few seconds.
- ``movesia-fuzz-full`` (``MOVESIA_FULL=1``): random inputs, the example database in
  ``.hypothesis/``, and at least ``FULL_MINIMUM`` generated inputs over the suite. The
  count is checked when the session ends: a full run that ran every fuzz test but fewer
  inputs fails.

The profiles are registered here and applied per test through ``fuzz_settings`` (as a
``parent``), not with ``settings.load_profile``: loading a profile is global and would
change every other Hypothesis test of the session too. The deadline is off in both
profiles: the socket tests do real I/O, and a slow CI machine must not make a pure test
fail on timing either.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

FULL = os.environ.get("MOVESIA_FULL", "").strip().lower() not in ("", "0", "false", "no")
FULL_MINIMUM = 10_000

_COMMON: dict[str, Any] = {
    "deadline": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("movesia-fuzz-ci", derandomize=True, database=None, **_COMMON)
settings.register_profile("movesia-fuzz-full", derandomize=False, **_COMMON)
PROFILE = "movesia-fuzz-full" if FULL else "movesia-fuzz-ci"

# Examples per test: (default run, MOVESIA_FULL=1 run). Every key is one @given test.
BUDGET: dict[str, tuple[int, int]] = {
    "decode_arbitrary_frames": (500, 2500),
    "parse_json_values": (300, 1500),
    "parse_near_valid_envelopes": (500, 2500),
    "envelope_round_trip": (200, 1000),
    "decode_round_trip": (150, 600),
    "handshake_identify": (500, 2000),
    "derived_session_id": (100, 400),
    "handshake_over_socket": (60, 300),
    "session_table": (100, 600),
    "router_over_socket": (100, 800),
    "router_sans_io": (500, 2500),  # the same decision table, on MessageRouter.receive
    "admission": (100, 600),  # 1.1: secret and project binding, against a model
}

# Regression tests for bugs the fuzzer found (now fixed); reported, but their counts do
# not count towards FULL_MINIMUM since they search one narrow kind of input.
BUG_HUNTS: dict[str, tuple[int, int]] = {
    "deep_nesting": (25, 100),
    "deep_nesting_over_socket": (10, 30),
    "surrogate_project_path": (25, 100),
}


def fuzz_settings(key: str, **overrides: Any) -> settings:
    """The active profile with ``key``'s example count (see ``BUDGET``)."""
    ci, full = BUDGET[key] if key in BUDGET else BUG_HUNTS[key]
    options: dict[str, Any] = {"max_examples": full if FULL else ci, **overrides}
    return settings(settings.get_profile(PROFILE), **options)


# Inputs each fuzz test actually ran (its body was entered), by BUDGET key, plus extra
# counters such as the number of frames sent over sockets.
EXAMPLES: Counter[str] = Counter()
FRAMES: Counter[str] = Counter()


def count(key: str) -> None:
    EXAMPLES[key] += 1


def _total() -> int:
    return sum(EXAMPLES[key] for key in BUDGET)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not FULL or not all(EXAMPLES[key] for key in BUDGET):
        return  # a default run, or only part of the fuzz suite was selected
    if _total() < FULL_MINIMUM and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not EXAMPLES:
        return
    write = terminalreporter.write_line
    terminalreporter.section(f"fuzz inputs ({PROFILE})")
    for key in BUDGET:
        write(f"{key:28} {EXAMPLES[key]:>7}")
    for key, value in sorted(EXAMPLES.items()):
        if key not in BUDGET:
            write(f"{key:28} {value:>7}")
    for key, value in sorted(FRAMES.items()):
        write(f"{key:28} {value:>7}  (frames)")
    write(f"{'total':28} {_total():>7}")
    if FULL and all(EXAMPLES[key] for key in BUDGET):
        verdict = "ok" if _total() >= FULL_MINIMUM else "TOO FEW: the full run fails"
        write(f"full-run minimum {FULL_MINIMUM}: {verdict}")
