// Generated from tool_schemas/ by Documentation~/tools/make_catalog_facts.py: do not edit.
// unity/build.sh fails when it is stale (regenerate after regenerating tool_schemas/).
using System;
using System.Collections.Generic;

namespace Movesia.Mcp.Editor
{
    internal static class CatalogFacts
    {
        /// <summary>Read-only commands (readOnlyHint) that do not survive a domain reload.</summary>
        public static readonly HashSet<string> ReadOnly = new HashSet<string>(StringComparer.Ordinal)
        {
            "capture_view", "find_objects", "get_editor_state", "get_hierarchy",
            "get_project_settings", "get_selection", "inspect_object", "list_packages",
            "list_tests", "read_console", "read_script", "search_assets",
        };

        /// <summary>Commands that survive a domain reload (survives_reload): a compile, play mode.</summary>
        public static readonly HashSet<string> SurvivesReload = new HashSet<string>(StringComparer.Ordinal)
        {
            "add_package", "delete_asset", "edit_script", "refresh_assets", "remove_package",
            "run_tests", "set_play_mode", "write_script",
        };
    }
}
