// Packages (catalog v2): list_packages, add_package, remove_package through the Package
// Manager's Client requests. A request is polled on the main thread from
// EditorApplication.update (never waited on); add/remove answer through AfterCompile: while
// a request is in flight the probe reports the editor busy (UnityProbe.IsUpdating), so the
// core waits for the resolve, then for the compile and the domain reload it causes.
using System.Collections.Generic;
using System.Text.RegularExpressions;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using UnityEditor;
using UnityEditor.PackageManager;
using UnityEditor.PackageManager.Requests;

namespace Movesia.Mcp.Editor
{
    internal static class PackageHandlers
    {
        private const string BuiltinPrefix = "com.unity.modules.";

        // The same rules as the server's catalog (catalog/tools.py): checked again here,
        // because a command can come from anything that speaks the protocol.
        private static readonly Regex Name = new Regex(
            "^[a-z0-9][a-z0-9_-]*(\\.[a-z0-9][a-z0-9_-]*){2,}$");
        private static readonly Regex Semver = new Regex(
            "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)"
            + "(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$");
        private static readonly Regex GitUrl = new Regex(
            "^(git\\+)?https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%@+-]+)+\\.git"
            + "(\\?path=[A-Za-z0-9._~%/-]+)?(#[A-Za-z0-9._/+-]+)?$");

        private sealed class Pending
        {
            public Request Request;
            public JObject Result;
            public string Asked;
            public bool Adding;
        }

        private static readonly List<Pending> pending = new List<Pending>();

        /// <summary>A Package Manager request of ours is still running.</summary>
        public static bool RequestInFlight
        {
            get { return pending.Count > 0; }
        }

        public static CommandOutcome ListPackages(JObject args)
        {
            bool builtin = Args.Bool(args, "include_builtin", false);
            var list = new JArray();
            var sorted = new List<PackageInfo>(PackageInfo.GetAllRegisteredPackages());
            sorted.Sort((a, b) => string.CompareOrdinal(a.name, b.name));
            foreach (PackageInfo info in sorted)
            {
                if (!builtin && (info.source == PackageSource.BuiltIn || info.name.StartsWith(BuiltinPrefix)))
                {
                    continue;
                }
                list.Add(Describe(info));
            }
            return CommandOutcome.Done(new JObject { { "packages", list }, { "total", list.Count } });
        }

        public static CommandOutcome AddPackage(JObject args)
        {
            string package = Args.RequiredString(args, "package");
            RequirePackageId(package);
            string name = IsGit(package) ? "" : package.Split('@')[0];
            var result = new JObject
            {
                { "package", package },
                { "name", name },
                { "version", null },
                { "compiled", false },
                { "errors", new JArray() },
            };
            Start(Client.Add(package), result, package, true);
            ScriptHandlers.PlayModeNote(result);
            return CommandOutcome.AfterCompile(result);
        }

        public static CommandOutcome RemovePackage(JObject args)
        {
            string name = Args.RequiredString(args, "name");
            if (!Name.IsMatch(name) || name.Length > 214)
            {
                throw new CommandException("'" + name + "' is not a package name: use lower case reverse-domain form like 'com.unity.textmeshpro'");
            }
            if (name.StartsWith(BuiltinPrefix))
            {
                throw new CommandException("cannot remove " + name + ": built-in modules are switched off in Window > Package Manager, not removed");
            }
            var result = new JObject
            {
                { "package", name },
                { "name", name },
                { "version", null },
                { "compiled", false },
                { "errors", new JArray() },
            };
            Start(Client.Remove(name), result, name, false);
            ScriptHandlers.PlayModeNote(result);
            return CommandOutcome.AfterCompile(result);
        }

        private static void RequirePackageId(string package)
        {
            if (package.StartsWith("https://") || package.StartsWith("git+https://"))
            {
                if (package.Length > 2048 || !GitUrl.IsMatch(package))
                {
                    throw new CommandException("'" + package + "' is not a usable git URL: give 'https://host/owner/repo.git' (optionally '?path=' and '#revision')");
                }
                return;
            }
            int at = package.IndexOf('@');
            string name = at < 0 ? package : package.Substring(0, at);
            if (!Name.IsMatch(name) || name.Length > 214)
            {
                throw new CommandException("'" + package + "' is not a package: give 'com.company.name', 'com.company.name@1.2.3' or an https git URL");
            }
            if (at >= 0 && !Semver.IsMatch(package.Substring(at + 1)))
            {
                throw new CommandException("'" + package + "': the version after '@' must be semantic, like '3.0.6'");
            }
        }

        private static bool IsGit(string package)
        {
            return package.StartsWith("https://") || package.StartsWith("git+https://");
        }

        private static void Start(Request request, JObject result, string asked, bool adding)
        {
            if (pending.Count == 0)
            {
                EditorApplication.update += Poll;
            }
            pending.Add(new Pending { Request = request, Result = result, Asked = asked, Adding = adding });
        }

        /// <summary>
        /// Each editor tick: finished requests fill in the answer the core holds (it is the
        /// same JObject). A failure becomes success=false with the Package Manager's message,
        /// which the server reports as a tool error.
        /// </summary>
        private static void Poll()
        {
            for (int i = pending.Count - 1; i >= 0; i--)
            {
                Pending p = pending[i];
                if (!p.Request.IsCompleted)
                {
                    continue;
                }
                pending.RemoveAt(i);
                if (p.Request.Status == StatusCode.Success)
                {
                    AddRequest add = p.Request as AddRequest;
                    if (p.Adding && add != null && add.Result != null)
                    {
                        p.Result["name"] = add.Result.name;
                        p.Result["version"] = add.Result.version;
                    }
                }
                else
                {
                    string why = p.Request.Error != null ? p.Request.Error.message : "the Package Manager gave no reason";
                    p.Result["success"] = false;
                    p.Result["message"] = "cannot " + (p.Adding ? "add " : "remove ") + p.Asked + ": " + why;
                }
            }
            if (pending.Count == 0)
            {
                EditorApplication.update -= Poll;
            }
        }

        // builds: PackageInfo
        private static JObject Describe(PackageInfo info)
        {
            return new JObject
            {
                { "name", info.name },
                { "version", info.version },
                { "source", SourceName(info.source) },
                { "display_name", info.displayName ?? "" },
            };
        }

        private static string SourceName(PackageSource source)
        {
            switch (source)
            {
                case PackageSource.Registry:
                    return "registry";
                case PackageSource.BuiltIn:
                    return "builtin";
                case PackageSource.Embedded:
                    return "embedded";
                case PackageSource.Local:
                    return "local";
                case PackageSource.LocalTarball:
                    return "local_tarball";
                case PackageSource.Git:
                    return "git";
                default:
                    return "unknown";
            }
        }
    }
}
