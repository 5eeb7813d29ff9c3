"""How many tools an MCP client is offered, derived from the catalog, never written out.

The Unity tools are the catalog's (``movesia_mcp.catalog.UNITY_TOOLS``); the server adds
its own few (``SERVER_TOOL_NAMES``, which ``tests/mcp_e2e/test_tools_e2e.py`` checks
against what the server really lists). Scripts of outside clients (``tests/clients/``)
get the count in the environment variable ``EXPECTED_TOOLS_ENV``.
"""

from __future__ import annotations

from movesia_mcp.catalog import UNITY_TOOLS

SERVER_TOOL_NAMES = frozenset(
    {"get_connection_status", "list_projects", "select_project", "wait_for_compile"}
)
UNITY_TOOL_COUNT = len(UNITY_TOOLS)
TOOL_COUNT = UNITY_TOOL_COUNT + len(SERVER_TOOL_NAMES)
EXPECTED_TOOLS_ENV = "MOVESIA_EXPECTED_TOOLS"
