// search_assets, refresh_assets, delete_asset, and the material commands.
using System;
using System.Collections.Generic;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using UnityEditor;
using UnityEngine;
using UnityEngine.Rendering;
using UnityEngine.SceneManagement;

namespace Movesia.Mcp.Editor
{
    internal static class AssetHandlers
    {
        public static CommandOutcome SearchAssets(JObject args)
        {
            string query = Args.StringOr(args, "query", "");
            string folder = Args.OptionalString(args, "folder");
            int limit = Args.Int(args, "limit", 50, 1, 500);
            int offset = Args.Int(args, "offset", 0, 0, int.MaxValue);
            string[] guids;
            if (folder != null)
            {
                string trimmed = folder.Trim().TrimEnd('/');
                string checkedFolder = trimmed == "Assets" ? "Assets" : ProjectPaths.RequireAssetPath(trimmed, null, false);
                if (!AssetDatabase.IsValidFolder(checkedFolder))
                {
                    throw new CommandException("'" + checkedFolder + "' is not a folder of the project");
                }
                guids = AssetDatabase.FindAssets(query, new[] { checkedFolder });
            }
            else
            {
                guids = AssetDatabase.FindAssets(query);
            }
            // FindAssets may list an asset once per sub-asset match: keep each path once, sorted.
            var paths = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (string guid in guids)
            {
                string path = AssetDatabase.GUIDToAssetPath(guid);
                if (!string.IsNullOrEmpty(path) && !paths.ContainsKey(path))
                {
                    paths[path] = guid;
                }
            }
            var all = new List<KeyValuePair<string, string>>(paths);
            var assets = new JArray();
            int end = Math.Min(all.Count, offset + limit);
            for (int i = offset; i < end; i++)
            {
                Type type = AssetDatabase.GetMainAssetTypeAtPath(all[i].Key);
                assets.Add(new JObject
                {
                    { "path", all[i].Key },
                    { "type", TypeName(type, all[i].Key) },
                    { "guid", all[i].Value },
                });
            }
            return CommandOutcome.Done(new JObject
            {
                { "assets", assets },
                { "total", all.Count },
                { "next_offset", end < all.Count ? new JValue(end) : JValue.CreateNull() },
            });
        }

        private static string TypeName(Type type, string path)
        {
            if (type == null)
            {
                return "Unknown";
            }
            if (type == typeof(GameObject) && path.EndsWith(".prefab", StringComparison.OrdinalIgnoreCase))
            {
                return "Prefab";
            }
            if (type == typeof(MonoScript))
            {
                return "Script";
            }
            if (type == typeof(SceneAsset))
            {
                return "Scene";
            }
            return type.Name;
        }

        public static CommandOutcome RefreshAssets(JObject args)
        {
            AssetDatabase.Refresh(ImportAssetOptions.Default);
            // The core answers once the editor has settled, replacing compiled/errors with the
            // compile's outcome (compiled stays false when nothing needed compiling).
            var result = new JObject
            {
                { "success", true },
                { "compiled", false },
                { "errors", new JArray() },
            };
            ScriptHandlers.PlayModeNote(result);
            return CommandOutcome.AfterCompile(result);
        }

        public static CommandOutcome DeleteAsset(JObject args)
        {
            string path = ProjectPaths.RequireAssetPath(Args.RequiredString(args, "path"), null, false);
            bool isFolder = AssetDatabase.IsValidFolder(path);
            if (!isFolder && AssetDatabase.LoadMainAssetAtPath(path) == null && string.IsNullOrEmpty(AssetDatabase.AssetPathToGUID(path)))
            {
                throw new CommandException("no asset at '" + path + "'");
            }
            foreach (Scene scene in Targets.LoadedScenes())
            {
                if (scene.path == path || (isFolder && scene.path.StartsWith(path + "/", StringComparison.Ordinal)))
                {
                    throw new CommandException(
                        "scene '" + scene.name + "' is open; open another scene before deleting it");
                }
            }
            // To the OS trash rather than gone for good: a wrong delete can be recovered.
            if (!AssetDatabase.MoveAssetToTrash(path))
            {
                throw new CommandException("Unity could not delete '" + path + "'; see read_console");
            }
            // Deleting a script recompiles; the core answers once the editor has settled.
            return CommandOutcome.AfterCompile(new JObject
            {
                { "success", true },
                { "message", "deleted '" + path + "' (moved to the trash)" },
                { "deleted", new JArray(path) },
            });
        }

        public static CommandOutcome CreateMaterial(JObject args)
        {
            string path = ProjectPaths.RequireAssetPath(Args.RequiredString(args, "path"), ".mat", false);
            string shaderName = Args.StringOr(args, "shader", "Standard");
            JToken color = args["color"];
            JObject properties = Args.OptionalObject(args, "properties");
            if (AssetDatabase.LoadMainAssetAtPath(path) != null)
            {
                throw new CommandException("an asset already exists at '" + path + "'; use modify_material");
            }
            Shader shader = Materials.FindShader(shaderName);
            var material = new Material(shader);
            Materials.Apply(material, color, properties);
            AssetFolders.Ensure(path);
            AssetDatabase.CreateAsset(material, path);
            AssetDatabase.SaveAssets();
            return CommandOutcome.Done(Materials.Result(path, material));
        }

        public static CommandOutcome ModifyMaterial(JObject args)
        {
            string path = ProjectPaths.RequireAssetPath(Args.RequiredString(args, "path"), null, false);
            string shaderName = Args.OptionalString(args, "shader");
            JToken color = args["color"];
            JObject properties = Args.OptionalObject(args, "properties");
            Material material = AssetDatabase.LoadAssetAtPath<Material>(path);
            if (material == null)
            {
                throw new CommandException("no material asset at '" + path + "'");
            }
            Shader shader = shaderName == null ? null : Materials.FindShader(shaderName);
            // Check on a copy first: a bad value leaves the asset untouched.
            var trial = new Material(material);
            if (shader != null)
            {
                trial.shader = shader;
            }
            Materials.Apply(trial, color, properties);
            UnityEngine.Object.DestroyImmediate(trial);
            Undo.RecordObject(material, "Modify material");
            if (shader != null)
            {
                material.shader = shader;
            }
            Materials.Apply(material, color, properties);
            EditorUtility.SetDirty(material);
            AssetDatabase.SaveAssets();
            return CommandOutcome.Done(Materials.Result(path, material));
        }

        public static CommandOutcome AssignMaterial(JObject args)
        {
            GameObject go = Targets.Target(args);
            string path = ProjectPaths.RequireAssetPath(Args.RequiredString(args, "material_path"), null, false);
            int slot = Args.Int(args, "slot", 0, 0, 1000);
            Material material = AssetDatabase.LoadAssetAtPath<Material>(path);
            if (material == null)
            {
                throw new CommandException("no material asset at '" + path + "'");
            }
            Renderer renderer = go.GetComponent<Renderer>();
            if (renderer == null)
            {
                throw new CommandException("'" + Targets.PathOf(go) + "' has no Renderer; add a MeshRenderer first");
            }
            Material[] materials = renderer.sharedMaterials;
            if (slot > materials.Length)
            {
                throw new CommandException(
                    "material slot " + slot + " is out of range; the " + renderer.GetType().Name + " of '"
                    + Targets.PathOf(go) + "' has " + materials.Length + " slot(s)");
            }
            if (slot == materials.Length)
            {
                Array.Resize(ref materials, materials.Length + 1);
            }
            materials[slot] = material;
            Undo.RecordObject(renderer, "Assign material");
            renderer.sharedMaterials = materials;
            Targets.Touched(go);
            return CommandOutcome.Done(new JObject
            {
                { "object", Targets.Summary(go) },
                { "component", HierarchyHandlers.ComponentInfo(renderer) },
            });
        }
    }

    /// <summary>Shader lookup and material properties as JSON.</summary>
    internal static class Materials
    {
        public static Shader FindShader(string name)
        {
            Shader shader = Shader.Find(name);
            if (shader != null)
            {
                return shader;
            }
            // "Standard" does not exist under a scriptable render pipeline: use its default.
            if (name == "Standard" && GraphicsSettings.defaultRenderPipeline != null)
            {
                Material fallback = GraphicsSettings.defaultRenderPipeline.defaultMaterial;
                if (fallback != null && fallback.shader != null)
                {
                    return fallback.shader;
                }
            }
            throw new CommandException(
                "shader '" + name + "' not found; use a shader of this project, e.g. 'Standard' (built-in pipeline), "
                + "'Universal Render Pipeline/Lit' (URP), 'HDRP/Lit' (HDRP) or 'Unlit/Color'");
        }

        public static void Apply(Material material, JToken color, JObject properties)
        {
            if (color != null && color.Type != JTokenType.Null)
            {
                string main = MainColor(material);
                if (main == null)
                {
                    throw new CommandException("shader '" + material.shader.name + "' has no color property");
                }
                material.SetColor(main, Values.ToColor(color, "color"));
            }
            if (properties == null)
            {
                return;
            }
            Shader shader = material.shader;
            foreach (KeyValuePair<string, JToken> pair in properties)
            {
                string name = pair.Key;
                int index = shader.FindPropertyIndex(name);
                if (index < 0 && !name.StartsWith("_", StringComparison.Ordinal))
                {
                    name = "_" + name;
                    index = shader.FindPropertyIndex(name);
                }
                if (index < 0)
                {
                    throw new CommandException(
                        "shader '" + shader.name + "' has no property '" + pair.Key + "'; it has: " + Names(shader));
                }
                string what = shader.name + "." + name;
                switch (shader.GetPropertyType(index))
                {
                    case ShaderPropertyType.Color:
                        material.SetColor(name, Values.ToColor(pair.Value, what));
                        break;
                    case ShaderPropertyType.Vector:
                        material.SetVector(name, Values.ToVector4(pair.Value, what));
                        break;
                    case ShaderPropertyType.Texture:
                        material.SetTexture(name, TextureAt(pair.Value, what));
                        break;
                    case ShaderPropertyType.Int:
                        material.SetInteger(name, (int)Values.ToLong(pair.Value, what));
                        break;
                    default:
                        material.SetFloat(name, Values.ToFloat(pair.Value, what));
                        break;
                }
            }
        }

        private static Texture TextureAt(JToken value, string what)
        {
            if (value == null || value.Type == JTokenType.Null)
            {
                return null;
            }
            string path = ProjectPaths.RequireAssetPath(Values.ToText(value, what), null, true);
            Texture texture = AssetDatabase.LoadAssetAtPath<Texture>(path);
            if (texture == null)
            {
                throw new CommandException(what + ": no texture at '" + path + "'");
            }
            return texture;
        }

        private static string MainColor(Material material)
        {
            if (material.HasProperty("_BaseColor"))
            {
                return "_BaseColor";
            }
            if (material.HasProperty("_Color"))
            {
                return "_Color";
            }
            return null;
        }

        private static string Names(Shader shader)
        {
            var names = new List<string>();
            int count = shader.GetPropertyCount();
            for (int i = 0; i < count && i < 80; i++)
            {
                names.Add(shader.GetPropertyName(i));
            }
            return string.Join(", ", names.ToArray());
        }

        // builds: MaterialResult
        public static JObject Result(string path, Material material)
        {
            Shader shader = material.shader;
            var properties = new JObject();
            int count = shader.GetPropertyCount();
            for (int i = 0; i < count; i++)
            {
                string name = shader.GetPropertyName(i);
                switch (shader.GetPropertyType(i))
                {
                    case ShaderPropertyType.Color:
                        properties[name] = Values.Rgba(material.GetColor(name));
                        break;
                    case ShaderPropertyType.Vector:
                        properties[name] = Values.Vec(material.GetVector(name));
                        break;
                    case ShaderPropertyType.Texture:
                        properties[name] = SerializedValues.Reference(material.GetTexture(name));
                        break;
                    case ShaderPropertyType.Int:
                        properties[name] = material.GetInteger(name);
                        break;
                    default:
                        properties[name] = Values.Num(material.GetFloat(name));
                        break;
                }
            }
            var result = new JObject
            {
                { "path", path },
                { "shader", shader.name },
                { "properties", properties },
            };
            string main = MainColor(material);
            if (main != null)
            {
                result["color"] = Values.Rgba(material.GetColor(main));
            }
            return result;
        }
    }
}
