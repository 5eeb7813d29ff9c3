// get_project_settings: the project's settings assets read through SerializedObject, plus
// a few values from the public API where the asset's names are obscure.
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using UnityEditor;
using UnityEngine;

namespace Movesia.Mcp.Editor
{
    internal static class SettingsHandlers
    {
        private const int MaxSettingsChars = 100000;

        public static CommandOutcome GetProjectSettings(JObject args)
        {
            string category = Args.RequiredString(args, "category");
            JObject settings = SettingsFile(FileOf(category));
            switch (category)
            {
                case "player":
                    settings["companyName"] = PlayerSettings.companyName;
                    settings["productName"] = PlayerSettings.productName;
                    settings["bundleVersion"] = PlayerSettings.bundleVersion;
                    settings["colorSpace"] = PlayerSettings.colorSpace.ToString();
                    break;
                case "tags_and_layers":
                    settings["tags"] = new JArray(UnityEditorInternal.InternalEditorUtility.tags);
                    var layers = new JObject();
                    for (int i = 0; i < 32; i++)
                    {
                        string name = LayerMask.LayerToName(i);
                        if (!string.IsNullOrEmpty(name))
                        {
                            layers[i.ToString()] = name;
                        }
                    }
                    settings["layers"] = layers;
                    break;
                case "time":
                    settings["fixedDeltaTime"] = Values.Num(Time.fixedDeltaTime);
                    settings["timeScale"] = Values.Num(Time.timeScale);
                    break;
                case "physics":
                    settings["gravity"] = Values.Vec(Physics.gravity);
                    break;
                case "quality":
                    settings["currentLevel"] = QualitySettings.GetQualityLevel();
                    settings["levelNames"] = new JArray(QualitySettings.names);
                    break;
                default:
                    break;
            }
            return CommandOutcome.Done(new JObject
            {
                { "category", category },
                { "settings", SerializedValues.Trim(settings, MaxSettingsChars) },
            });
        }

        private static string FileOf(string category)
        {
            switch (category)
            {
                case "player":
                    return "ProjectSettings/ProjectSettings.asset";
                case "quality":
                    return "ProjectSettings/QualitySettings.asset";
                case "physics":
                    return "ProjectSettings/DynamicsManager.asset";
                case "time":
                    return "ProjectSettings/TimeManager.asset";
                case "tags_and_layers":
                    return "ProjectSettings/TagManager.asset";
                case "editor":
                    return "ProjectSettings/EditorSettings.asset";
                case "graphics":
                    return "ProjectSettings/GraphicsSettings.asset";
                default:
                    throw new CommandException(
                        "unknown category '" + category + "'; use player, quality, physics, time, tags_and_layers, editor or graphics");
            }
        }

        private static JObject SettingsFile(string file)
        {
            Object[] assets = AssetDatabase.LoadAllAssetsAtPath(file);
            if (assets == null || assets.Length == 0 || assets[0] == null)
            {
                return new JObject();
            }
            // Settings assets are large: one level of nesting keeps the answer readable.
            return SerializedValues.Read(assets[0], 1);
        }
    }
}
