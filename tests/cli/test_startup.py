"""What a person sees when starting ``movesia-mcp`` wrongly: an old Python, or the stdio
server run by hand in a terminal."""

from __future__ import annotations

import ast
import io
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import movesia_mcp
from movesia_mcp._hints import TERMINAL_HINT, terminal_hint
from movesia_mcp._python_check import unsupported_python

PACKAGE = Path(movesia_mcp.__file__).parent


# ── Python older than 3.11 ─────────────────────────────────────────────────────────────


@pytest.mark.parametrize("version", [(3, 10, 12), (3, 8, 0), (3, 6, 15), (2, 7, 18)])
def test_an_old_python_gets_one_line_that_says_what_is_needed(
    version: tuple[int, int, int],
) -> None:
    message = unsupported_python(version, "/usr/bin/python-old")
    running = ".".join(map(str, version))
    assert message == (
        f"movesia-mcp needs Python 3.11 or newer, but this is Python {running} "
        "(/usr/bin/python-old); install it with a newer Python, e.g. python3.11 -m venv .venv"
    )


@pytest.mark.parametrize("version", [(3, 11, 0), (3, 11, 7), (3, 12, 1), (3, 14, 0), (4, 0)])
def test_python_3_11_and_newer_pass(version: tuple[int, ...]) -> None:
    assert unsupported_python(version, sys.executable) is None


@pytest.mark.parametrize(
    "entry",
    [
        "import movesia_mcp._cli",  # what the console script does first
        "import runpy; runpy.run_module('movesia_mcp', run_name='__main__')",  # python -m
    ],
)
def test_an_old_python_stops_at_import_with_that_line_and_no_traceback(entry: str) -> None:
    pretend = "import sys; sys.version_info = (3, 9, 18, 'final', 0); "
    result = subprocess.run(
        [sys.executable, "-c", pretend + entry, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    message = unsupported_python((3, 9, 18), sys.executable)
    assert message is not None
    assert result.stderr == message + "\n"


def evaluated_safely(annotation: ast.expr) -> bool:
    """A string (never evaluated), None, or a builtin name every Python 3 has."""
    if isinstance(annotation, ast.Constant):
        return annotation.value is None or isinstance(annotation.value, str)
    return isinstance(annotation, ast.Name) and annotation.id in ("str", "int")


@pytest.mark.parametrize("module", ["__init__.py", "_python_check.py"])
def test_the_guard_and_what_runs_before_it_parse_on_older_pythons(module: str) -> None:
    """An old interpreter compiles ``__init__`` and the guard before the guard runs, so
    they must not use syntax it lacks (f-strings, evaluated annotations, __future__
    annotations, walrus, match...)."""
    source = (PACKAGE / module).read_text()
    ast.parse(source, feature_version=(3, 7))
    tree = ast.parse(source)
    for node in ast.walk(tree):
        assert not isinstance(node, ast.JoinedStr), f"f-string at line {node.lineno}"
        assert not isinstance(node, ast.AnnAssign), f"variable annotation at line {node.lineno}"
        if isinstance(node, ast.ImportFrom):
            assert node.module != "__future__", "__future__ import"
        if isinstance(node, ast.FunctionDef):
            annotations = [a.annotation for a in node.args.args] + [node.returns]
            for annotation in annotations:
                assert annotation is None or evaluated_safely(annotation), (
                    f"annotation in {node.name} that an old Python cannot evaluate"
                )
    if module == "__init__.py":
        first_import = next(n for n in tree.body if isinstance(n, ast.ImportFrom))
        assert [alias.name for alias in first_import.names] == ["_python_check"]


# ── run by hand in a terminal ──────────────────────────────────────────────────────────


def test_the_hint_is_one_line_naming_the_demo() -> None:
    assert "\n" not in TERMINAL_HINT
    assert len(TERMINAL_HINT) <= 100
    assert "movesia-mcp demo" in TERMINAL_HINT
    assert "MCP client" in TERMINAL_HINT


def test_terminal_hint_only_for_a_terminal() -> None:
    master, slave = os.openpty()
    try:
        with open(slave, closefd=False) as tty:
            assert terminal_hint(tty) == TERMINAL_HINT
    finally:
        os.close(master)
        os.close(slave)
    assert terminal_hint(io.StringIO("")) is None
    assert terminal_hint(None) is None
    closed = io.StringIO()
    closed.close()
    assert terminal_hint(closed) is None


def start_server(stdin: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "movesia_mcp"],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "SERVER_PORT": "0", "LOG_LEVEL": "WARNING"},
    )


def test_stdio_server_started_in_a_terminal_prints_the_hint_to_stderr_only() -> None:
    master, slave = os.openpty()
    proc = start_server(slave)
    os.close(slave)
    lines: queue.Queue[bytes] = queue.Queue()
    assert proc.stderr is not None
    stderr = proc.stderr
    threading.Thread(target=lambda: lines.put(stderr.readline()), daemon=True).start()
    try:
        first = lines.get(timeout=60)  # a hang guard, not a timing assertion
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        os.close(master)
    assert first.decode() == TERMINAL_HINT + "\n"
    assert out == b""


def test_stdio_server_started_by_a_client_prints_no_hint() -> None:
    proc = start_server(subprocess.PIPE)
    try:
        out, err = proc.communicate(input=b"", timeout=60)  # stdin closes: the server stops
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    assert TERMINAL_HINT not in err.decode()
    assert out == b""
