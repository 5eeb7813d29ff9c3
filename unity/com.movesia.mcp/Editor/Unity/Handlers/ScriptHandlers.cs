// write_script: write a C# file, import it, answer after the compile (and the reload).
using System.IO;
using System.Text;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using UnityEditor;

namespace Movesia.Mcp.Editor
{
    internal static class ScriptHandlers
    {
        private static readonly UTF8Encoding Utf8NoBom = new UTF8Encoding(false);

        public static CommandOutcome WriteScript(JObject args)
        {
            string path = ProjectPaths.RequireAssetPath(Args.RequiredString(args, "path"), ".cs", false);
            string contents = Args.RequiredString(args, "contents");
            string full = ProjectPaths.ToFullPath(EditorContext.ProjectPath, path);
            bool created = !File.Exists(full);
            if (!created && File.ReadAllText(full, Encoding.UTF8) == contents)
            {
                // Same bytes: Unity sees no change, so nothing imports or compiles. Report the
                // state of the last compile instead of waiting for one that never comes.
                bool failed = EditorUtility.scriptCompilationFailed;
                return CommandOutcome.Done(new JObject
                {
                    { "path", path },
                    { "created", false },
                    { "compiled", !failed },
                    { "errors", new JArray() },
                    { "unchanged", true },
                });
            }
            // New folders through the AssetDatabase, so they are imported before the script.
            AssetFolders.Ensure(path);
            File.WriteAllText(full, contents, Utf8NoBom);
            AssetDatabase.ImportAsset(path, ImportAssetOptions.ForceUpdate);
            // The core answers after the compile: compiled and errors are replaced with its
            // outcome; after a successful compile the answer goes out after the domain reload.
            var result = new JObject
            {
                { "path", path },
                { "created", created },
                { "compiled", false },
                { "errors", new JArray() },
            };
            PlayModeNote(result);
            return CommandOutcome.AfterCompile(result);
        }

        /// <summary>In play mode Unity may hold the compile back until play mode ends (Preferences).</summary>
        public static void PlayModeNote(JObject result)
        {
            if (EditorApplication.isPlaying)
            {
                result["note"] = "Unity is in play mode: with Preferences > General > Script Changes While Playing "
                    + "set to 'Recompile After Finished Playing', scripts compile only when play mode stops";
            }
        }
    }
}
