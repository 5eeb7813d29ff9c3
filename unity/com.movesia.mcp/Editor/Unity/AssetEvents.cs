// assets_imported / assets_deleted / assets_moved events (the server ACKs them and shows them
// in unity://events), from Unity's post-import callback. Bounded: at most MaxPaths paths per
// event, with the full count.
using System;
using Newtonsoft.Json.Linq;
using UnityEditor;

namespace Movesia.Mcp.Editor
{
    public sealed class MovesiaAssetEvents : AssetPostprocessor
    {
        private const int MaxPaths = 100;

        // Called by Unity on the main thread after every import batch.
        private static void OnPostprocessAllAssets(
            string[] importedAssets, string[] deletedAssets, string[] movedAssets, string[] movedFromAssetPaths)
        {
            if (EditorContext.Link == null)
            {
                return;
            }
            try
            {
                if (importedAssets != null && importedAssets.Length > 0)
                {
                    EditorEvents.Send("assets_imported", Paths(importedAssets));
                }
                if (deletedAssets != null && deletedAssets.Length > 0)
                {
                    EditorEvents.Send("assets_deleted", Paths(deletedAssets));
                }
                if (movedAssets != null && movedAssets.Length > 0)
                {
                    JObject body = Paths(movedAssets);
                    body["from"] = Bounded(movedFromAssetPaths ?? new string[0]);
                    EditorEvents.Send("assets_moved", body);
                }
            }
            catch (Exception e)
            {
                EditorContext.LogError("asset events failed: " + e.Message);
            }
        }

        private static JObject Paths(string[] paths)
        {
            return new JObject { { "paths", Bounded(paths) }, { "count", paths.Length } };
        }

        private static JArray Bounded(string[] paths)
        {
            var list = new JArray();
            for (int i = 0; i < paths.Length && i < MaxPaths; i++)
            {
                list.Add(paths[i]);
            }
            return list;
        }
    }
}
