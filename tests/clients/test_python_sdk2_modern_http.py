"""The project's own SDK (``mcp`` 2.x) as a 2026-07-28 client over real streamable HTTP:
no ``logging/setLevel`` in that era, so the per-request ``_meta`` log level decides, and
the logs of what the request caused ride its own response stream."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from external import http_server
from mcp import Client, MCPError
from mcp.types import INVALID_PARAMS, LoggingMessageNotificationParams

# One server for the module: each case writes its own file (the same text twice in one
# file would not compile again).
BROKEN_SCRIPT = "using UnityEngine;\n\npublic class {name} : MonoBehaviour\n{{\n"
DEADLINE = 60.0


@pytest.fixture(scope="module")
def url() -> Any:
    with http_server() as served:
        yield served


@pytest.mark.parametrize(
    ("log_level", "expected"),
    [
        ("info", [("info", "compile_started"), ("error", "compile_finished")]),
        ("error", [("error", "compile_finished")]),
        (None, []),
    ],
)
async def test_a_2026_request_over_http_gets_the_logs_it_opted_in_to(
    url: str, log_level: Any, expected: list[tuple[str, str]]
) -> None:
    logs: list[LoggingMessageNotificationParams] = []

    async def on_log(params: LoggingMessageNotificationParams) -> None:
        logs.append(params)

    async with (
        asyncio.timeout(DEADLINE),
        Client(url, log_level=log_level, logging_callback=on_log) as client,
    ):
        assert client.protocol_version == "2026-07-28"
        name = f"HttpBroken{str(log_level).title()}"
        arguments = {
            "path": f"Assets/Scripts/{name}.cs",
            "contents": BROKEN_SCRIPT.format(name=name),
        }
        result = await client.call_tool("write_script", arguments)
        assert result.is_error is False
        assert result.structured_content is not None
        assert result.structured_content["compiled"] is False
    compile_logs = [
        (log.level, log.data["event"])
        for log in logs
        if isinstance(log.data, dict) and str(log.data.get("event")).startswith("compile_")
    ]
    assert compile_logs == expected


async def test_unknown_tools_and_arguments_over_http_in_2026(url: str) -> None:
    async with asyncio.timeout(DEADLINE), Client(url) as client:
        assert client.protocol_version == "2026-07-28"
        with pytest.raises(MCPError) as raised:
            await client.call_tool("get_hierarchi", {})
        wrong = await client.call_tool("get_hierarchy", {"dept": 1})
    assert raised.value.error.code == INVALID_PARAMS
    assert "did you mean 'get_hierarchy'?" in raised.value.error.message
    assert wrong.is_error is True
    assert "'dept' (did you mean 'depth'?)" in " ".join(
        c.text for c in wrong.content if c.type == "text"
    )
