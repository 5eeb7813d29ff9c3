"""MCP tool calls for the C# integration tests: JSON lines in, JSON lines out.

    python mcp_driver.py http://127.0.0.1:PORT/mcp

Prints {"ready": true} once the MCP client is connected, then for every input line
{"id": N, "tool": NAME, "args": {...}} one output line {"id": N, "is_error": ...,
"structured": {...} | null, "text": "..."}. Calls run concurrently, answers come in the
order they finish. Logs go to stderr.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from mcp import Client


async def _call(client: Client, request: dict[str, Any]) -> None:
    answer: dict[str, Any] = {"id": request.get("id")}
    try:
        result = await client.call_tool(request["tool"], request.get("args") or {})
        answer["is_error"] = bool(result.is_error)
        answer["structured"] = result.structured_content
        answer["text"] = " ".join(getattr(part, "text", "") for part in result.content)
    except Exception as exc:  # reported to the test, which fails with it
        answer["is_error"] = True
        answer["structured"] = None
        answer["text"] = f"{type(exc).__name__}: {exc}"
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()


async def main(url: str) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with Client(url) as client:
        sys.stdout.write(json.dumps({"ready": True}) + "\n")
        sys.stdout.flush()
        tasks: set[asyncio.Task[None]] = set()
        while line := await reader.readline():
            if not line.strip():
                continue
            task = asyncio.create_task(_call(client, json.loads(line)))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
