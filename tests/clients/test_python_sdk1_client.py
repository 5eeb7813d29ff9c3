"""The Python SDK 1.x client (``mcp<2``, its own venv) drives the server over stdio and
over streamable HTTP: setLevel, unknown tools, unknown arguments, structured output
validated against the schemas, a failed batch (``py_mcp1_client.py``)."""

from __future__ import annotations

from external import HERE, MCP1_PYTHON, SERVER, http_server, require_mcp1, run_script

SCRIPT = str(HERE / "py_mcp1_client.py")


def test_python_sdk_1x_over_stdio() -> None:
    require_mcp1()
    report = run_script([str(MCP1_PYTHON), SCRIPT, "stdio", *SERVER])
    assert report["sdk"].startswith("1.")
    assert report["protocolVersion"] == "2025-11-25"


def test_python_sdk_1x_over_http() -> None:
    require_mcp1()
    with http_server() as url:
        report = run_script([str(MCP1_PYTHON), SCRIPT, "http", url])
    assert report["sdk"].startswith("1.")
    assert report["transport"] == "http"
