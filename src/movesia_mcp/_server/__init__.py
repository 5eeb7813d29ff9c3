"""The MCP side: tools, resources and notifications over stdio or streamable HTTP."""
