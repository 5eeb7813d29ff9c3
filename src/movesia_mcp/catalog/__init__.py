"""The catalog: every Unity command as data (name, models, annotations, reload), and every
resource and resource template with what refreshes it (``resources``)."""

from ._tools import RELOAD_SURVIVING, TOOLS_BY_COMMAND, TOOLS_BY_NAME, UNITY_TOOLS, ToolSpec

__all__ = ["RELOAD_SURVIVING", "TOOLS_BY_COMMAND", "TOOLS_BY_NAME", "UNITY_TOOLS", "ToolSpec"]
