// What the handlers and the window share: the project, the live link and the log.
using Movesia.Mcp.Core;

namespace Movesia.Mcp.Editor
{
    public static class EditorContext
    {
        /// <summary>The project folder: absolute, forward slashes, no trailing slash.</summary>
        public static string ProjectPath { get; internal set; }

        /// <summary>The link to the server; null until the bootstrap ran (or when it skipped this process).</summary>
        public static EditorLink Link { get; internal set; }

        internal static ILog Log { get; set; }

        internal static void LogError(string message)
        {
            if (Log != null)
            {
                Log.Error(message);
            }
        }
    }
}
