// Creating the folders of an asset path through the AssetDatabase (so they get .meta files).
using Movesia.Mcp.Core;
using UnityEditor;

namespace Movesia.Mcp.Editor
{
    internal static class AssetFolders
    {
        /// <summary>Create the missing folders above a checked asset path ("Assets/A/B/x.mat" -> Assets/A, Assets/A/B).</summary>
        public static void Ensure(string assetPath)
        {
            int slash = assetPath.LastIndexOf('/');
            if (slash <= 0)
            {
                return;
            }
            string folder = assetPath.Substring(0, slash);
            if (AssetDatabase.IsValidFolder(folder))
            {
                return;
            }
            Ensure(folder);
            int cut = folder.LastIndexOf('/');
            string guid = AssetDatabase.CreateFolder(folder.Substring(0, cut), folder.Substring(cut + 1));
            if (string.IsNullOrEmpty(guid))
            {
                throw new CommandException("could not create the folder '" + folder + "'");
            }
        }
    }
}
