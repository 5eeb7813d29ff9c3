// Path rules shared by every handler that touches the disk: an asset path stays inside the
// project's Assets/ (or Packages/ where the catalog allows it), checked before any I/O.
using System;
using System.IO;
using System.Text;

namespace Movesia.Mcp.Core
{
    public static class ProjectPaths
    {
        public const int MaxPathLength = 1024;

        private static readonly string[] Reserved = { "CON", "PRN", "AUX", "NUL" };
        private const string ForbiddenChars = ":<>\"|?*";

        /// <summary>
        /// Validates a project-relative asset path and returns it normalised (backslashes
        /// become "/", trailing "/" dropped). Refuses, with a CommandException naming the
        /// problem: empty or absolute paths, anything outside Assets/ (or Packages/ when
        /// allowPackages), the root folder itself, "." and ".." segments, empty segments,
        /// control characters, ':' and the other characters Windows forbids, reserved device
        /// names (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with any extension), segments ending in
        /// a dot or a space, and a missing requiredExtension (e.g. ".cs").
        /// </summary>
        public static string RequireAssetPath(string path, string requiredExtension, bool allowPackages)
        {
            string where = allowPackages ? "inside Assets/ or Packages/" : "inside Assets/";
            if (path == null || path.Trim().Length == 0)
            {
                throw new CommandException("the path is empty: give a project-relative path " + where + ", e.g. 'Assets/Scripts/Player.cs'");
            }
            if (path.Length > MaxPathLength)
            {
                throw new CommandException("the path is " + path.Length + " characters long; at most " + MaxPathLength + " are allowed");
            }
            for (int i = 0; i < path.Length; i++)
            {
                char c = path[i];
                if (c < 0x20 || c == 0x7F)
                {
                    throw new CommandException("the path '" + Printable(path) + "' contains a control character (code " + (int)c + ")");
                }
            }
            string p = path.Replace('\\', '/');
            if (p.StartsWith("/", StringComparison.Ordinal) || (p.Length >= 2 && p[1] == ':' && char.IsLetter(p[0])))
            {
                throw new CommandException("'" + path + "' is an absolute path: give a project-relative path " + where + ", e.g. 'Assets/Scripts/Player.cs'");
            }
            while (p.EndsWith("/", StringComparison.Ordinal))
            {
                p = p.Substring(0, p.Length - 1);
            }
            string[] segments = p.Split('/');
            string root = segments[0];
            bool isAssets = root == "Assets";
            bool isPackages = root == "Packages";
            if (!isAssets && !(isPackages && allowPackages))
            {
                string hint = string.Equals(root, "Assets", StringComparison.OrdinalIgnoreCase) ? " (the folder is spelled 'Assets')" : "";
                throw new CommandException("'" + path + "' is outside the project's asset folders: the path must start with "
                    + (allowPackages ? "'Assets/' or 'Packages/'" : "'Assets/'") + hint);
            }
            if (segments.Length == 1)
            {
                throw new CommandException("'" + path + "' is the " + root + " folder itself: name a file or folder inside it");
            }
            for (int i = 0; i < segments.Length; i++)
            {
                CheckSegment(path, segments[i]);
            }
            if (!string.IsNullOrEmpty(requiredExtension))
            {
                string name = segments[segments.Length - 1];
                if (!name.EndsWith(requiredExtension, StringComparison.OrdinalIgnoreCase) || name.Length == requiredExtension.Length)
                {
                    throw new CommandException("'" + path + "' must name a " + requiredExtension + " file, e.g. '" + Example(requiredExtension) + "'");
                }
            }
            return p;
        }

        /// <summary>
        /// The absolute path of a validated asset path under projectPath; re-checks that the
        /// result stays inside the project (nothing escapes through the combination).
        /// </summary>
        public static string ToFullPath(string projectPath, string assetPath)
        {
            if (string.IsNullOrEmpty(projectPath))
            {
                throw new CommandException("the project path is unknown");
            }
            string relative = RequireAssetPath(assetPath, null, true);
            string projectFull = Path.GetFullPath(projectPath.Replace('\\', '/'));
            string trimmed = projectFull.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            string full = Path.GetFullPath(Path.Combine(trimmed, relative.Replace('/', Path.DirectorySeparatorChar)));
            string prefix = trimmed + Path.DirectorySeparatorChar;
            if (!full.StartsWith(prefix, StringComparison.Ordinal))
            {
                throw new CommandException("'" + assetPath + "' resolves outside the project folder");
            }
            return full;
        }

        private static void CheckSegment(string path, string segment)
        {
            if (segment.Length == 0)
            {
                throw new CommandException("'" + path + "' has an empty folder name ('//')");
            }
            if (segment == "." || segment == "..")
            {
                throw new CommandException("'" + path + "' contains a '" + segment + "' segment: paths must not climb out of or around folders");
            }
            int bad = segment.IndexOfAny(ForbiddenChars.ToCharArray());
            if (bad >= 0)
            {
                throw new CommandException("'" + path + "' contains '" + segment[bad] + "', which is not allowed in file names");
            }
            char last = segment[segment.Length - 1];
            if (last == '.' || last == ' ')
            {
                throw new CommandException("'" + path + "': the name '" + segment + "' ends with a " + (last == '.' ? "dot" : "space") + ", which Windows cannot store");
            }
            if (segment[0] == ' ')
            {
                throw new CommandException("'" + path + "': the name '" + segment + "' starts with a space");
            }
            int dot = segment.IndexOf('.');
            string stem = (dot >= 0 ? segment.Substring(0, dot) : segment).TrimEnd(' ').ToUpperInvariant();
            if (IsReserved(stem))
            {
                throw new CommandException("'" + path + "': '" + segment + "' is a reserved device name on Windows (" + stem + "); choose another name");
            }
        }

        private static bool IsReserved(string stem)
        {
            for (int i = 0; i < Reserved.Length; i++)
            {
                if (stem == Reserved[i])
                {
                    return true;
                }
            }
            if (stem.Length == 4 && (stem.StartsWith("COM", StringComparison.Ordinal) || stem.StartsWith("LPT", StringComparison.Ordinal)))
            {
                char d = stem[3];
                return d >= '1' && d <= '9';
            }
            return false;
        }

        private static string Example(string extension)
        {
            switch (extension.ToLowerInvariant())
            {
                case ".cs":
                    return "Assets/Scripts/Player.cs";
                case ".unity":
                    return "Assets/Scenes/Main.unity";
                case ".mat":
                    return "Assets/Materials/Red.mat";
                case ".prefab":
                    return "Assets/Prefabs/Enemy.prefab";
                default:
                    return "Assets/Folder/Name" + extension;
            }
        }

        private static string Printable(string text)
        {
            var sb = new StringBuilder();
            foreach (char c in text)
            {
                sb.Append(c < 0x20 || c == 0x7F ? '?' : c);
            }
            return sb.ToString();
        }
    }
}
