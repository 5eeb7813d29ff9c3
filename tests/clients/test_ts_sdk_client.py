"""The TypeScript SDK client (npm ``@modelcontextprotocol/sdk``) drives the server over
stdio and over streamable HTTP: setLevel, unknown tools, unknown arguments, structured
output validated against every schema it meets, a failed batch (``ts_client.mjs``)."""

from __future__ import annotations

from external import HERE, SERVER, TS_SDK, http_server, require_ts_sdk, run_script

SCRIPT = str(HERE / "ts_client.mjs")


def test_typescript_sdk_over_stdio() -> None:
    require_ts_sdk()
    report = run_script(["node", SCRIPT, str(TS_SDK), "stdio", *SERVER])
    assert report["sdk"].startswith("1.")
    assert report["transport"] == "stdio"


def test_typescript_sdk_over_http() -> None:
    require_ts_sdk()
    with http_server() as url:
        report = run_script(["node", SCRIPT, str(TS_SDK), "http", url])
    assert report["transport"] == "http"
    assert report["protocolVersion"] == "2025-11-25"
