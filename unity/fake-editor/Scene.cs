// The fake editor's in-memory scene and the handlers behind the same CommandTable the real
// editor uses. Results follow tool_schemas/<tool>.json (the server validates them).
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;

namespace Movesia.Mcp.FakeEditor
{
    public sealed class FakeObject
    {
        public int InstanceId;
        public string Name;
        public FakeObject Parent;
        public readonly List<FakeObject> Children = new List<FakeObject>();
        public readonly List<string> Components = new List<string> { "Transform" };
        public string Tag = "Untagged";
        public int Layer;
        public bool Active = true;
        public float[] Position = { 0, 0, 0 };
        public float[] Rotation = { 0, 0, 0 };
        public float[] Scale = { 1, 1, 1 };

        public string Path
        {
            get { return Parent == null ? Name : Parent.Path + "/" + Name; }
        }

        public IEnumerable<FakeObject> Walk()
        {
            yield return this;
            foreach (FakeObject c in Children)
            {
                foreach (FakeObject d in c.Walk())
                {
                    yield return d;
                }
            }
        }

        public JObject Summary()
        {
            var o = new JObject();
            o["instance_id"] = InstanceId;
            o["name"] = Name;
            o["path"] = Path;
            o["active"] = Active;
            o["child_count"] = Children.Count;
            o["components"] = new JArray(Components.ToArray());
            o["layer"] = Layer;
            o["tag"] = Tag;
            return o;
        }
    }

    public sealed class FakeScene
    {
        private static readonly string[] Layers = { "Default", "TransparentFX", "Ignore Raycast", "", "Water", "UI" };
        private static readonly Dictionary<string, string[]> Primitives = new Dictionary<string, string[]>
        {
            { "Empty", new string[0] },
            { "Cube", new[] { "MeshFilter", "MeshRenderer", "BoxCollider" } },
            { "Sphere", new[] { "MeshFilter", "MeshRenderer", "SphereCollider" } },
            { "Capsule", new[] { "MeshFilter", "MeshRenderer", "CapsuleCollider" } },
            { "Cylinder", new[] { "MeshFilter", "MeshRenderer", "CapsuleCollider" } },
            { "Plane", new[] { "MeshFilter", "MeshRenderer", "MeshCollider" } },
            { "Quad", new[] { "MeshFilter", "MeshRenderer", "MeshCollider" } },
        };

        public readonly string Name = "SampleScene";
        public readonly List<FakeObject> Roots = new List<FakeObject>();
        private int nextId = 10000;

        public FakeScene()
        {
            FakeObject camera = Add("Main Camera", null, "Empty");
            camera.Components.Add("Camera");
            camera.Components.Add("AudioListener");
            camera.Tag = "MainCamera";
            camera.Position = new float[] { 0, 1, -10 };
            FakeObject light = Add("Directional Light", null, "Empty");
            light.Components.Add("Light");
        }

        public IEnumerable<FakeObject> All
        {
            get { return Roots.SelectMany(r => r.Walk()); }
        }

        public FakeObject Find(string path)
        {
            string p = (path ?? "").Trim('/');
            return All.FirstOrDefault(o => o.Path == p);
        }

        public FakeObject Add(string name, FakeObject parent, string primitive)
        {
            var o = new FakeObject { InstanceId = nextId, Name = name, Parent = parent };
            nextId += 2;
            o.Components.AddRange(Primitives[primitive]);
            if (parent == null)
            {
                Roots.Add(o);
            }
            else
            {
                parent.Children.Add(o);
            }
            return o;
        }

        public static bool IsPrimitive(string name)
        {
            return Primitives.ContainsKey(name);
        }

        public static int LayerIndex(JToken layer)
        {
            if (layer.Type == JTokenType.Integer)
            {
                int n = (int)layer;
                if (n < 0 || n > 31)
                {
                    throw new CommandException("layer must be 0..31, got " + n);
                }
                return n;
            }
            string name = JsonValues.ToText(layer, "layer");
            int i = Array.FindIndex(Layers, l => l.Length > 0 && string.Equals(l, name, StringComparison.OrdinalIgnoreCase));
            if (i < 0)
            {
                throw new CommandException("no layer is named '" + name + "'; layers: " + string.Join(", ", Layers.Where(l => l.Length > 0).ToArray()));
            }
            return i;
        }
    }

    /// <summary>The handlers, registered in a CommandTable that survives the simulated reloads.</summary>
    public sealed class FakeHandlers
    {
        public const string UnityVersion = "6000.0.23f1";

        private readonly FakeScene scene;
        private readonly string projectPath;
        private readonly FakeCompiler compiler;

        public FakeHandlers(FakeScene scene, string projectPath, FakeCompiler compiler)
        {
            this.scene = scene;
            this.projectPath = projectPath;
            this.compiler = compiler;
        }

        public CommandTable Table(FakePlayMode playMode)
        {
            var t = new CommandTable();
            t.Register("get_editor_state", GetEditorState);
            t.Register("get_hierarchy", GetHierarchy);
            t.Register("create_gameobject", CreateGameObject);
            t.Register("find_objects", FindObjects);
            t.Register("write_script", WriteScript);
            FakeV2Handlers.Register(t, playMode);  // catalog v2, fixed content
            return t;
        }

        private CommandOutcome GetEditorState(JObject args)
        {
            var r = new JObject();
            r["unity_version"] = UnityVersion;
            r["project_path"] = projectPath;
            r["is_playing"] = false;
            r["is_paused"] = false;
            r["is_compiling"] = compiler.IsCompiling;
            r["active_scene"] = scene.Name;
            r["loaded_scenes"] = new JArray(scene.Name);
            r["selection"] = new JArray();
            return CommandOutcome.Done(r);
        }

        private CommandOutcome GetHierarchy(JObject args)
        {
            int depth = Int(args, "depth", 2, 0, 10);
            int limit = Int(args, "limit", 100, 1, 500);
            int maxNodes = Int(args, "max_nodes", 500, 1, 5000);
            int offset = Int(args, "offset", 0, 0, int.MaxValue);
            string sceneName = Text(args, "scene");
            if (sceneName != null && sceneName != scene.Name)
            {
                throw new CommandException("scene '" + sceneName + "' is not loaded; loaded: " + scene.Name);
            }
            string root = Text(args, "root");
            List<FakeObject> entries;
            if (root != null)
            {
                FakeObject start = scene.Find(root);
                if (start == null)
                {
                    throw new CommandException("GameObject '" + root + "' not found in the loaded scenes");
                }
                entries = start.Children;
            }
            else
            {
                entries = scene.Roots;
            }
            List<FakeObject> page = entries.Skip(offset).Take(limit).ToList();
            int budget = maxNodes - page.Count;
            var nodes = new JArray();
            foreach (FakeObject o in page)
            {
                nodes.Add(Node(o, 0, depth, ref budget));
            }
            int end = offset + page.Count;
            var r = new JObject();
            r["nodes"] = nodes;
            r["total"] = entries.Count;
            r["offset"] = offset;
            r["next_offset"] = end < entries.Count ? (JToken)end : JValue.CreateNull();
            r["total_objects"] = scene.All.Count();
            return CommandOutcome.Done(r);
        }

        private static JObject Node(FakeObject o, int level, int depth, ref int budget)
        {
            if (level > 0)
            {
                budget--;
            }
            bool expand = o.Children.Count > 0 && level < depth && o.Children.Count <= budget;
            var n = new JObject();
            n["instance_id"] = o.InstanceId;
            n["name"] = o.Name;
            n["path"] = o.Path;
            n["active"] = o.Active;
            n["child_count"] = o.Children.Count;
            var children = new JArray();
            if (expand)
            {
                foreach (FakeObject c in o.Children)
                {
                    children.Add(Node(c, level + 1, depth, ref budget));
                }
            }
            n["children"] = children;
            n["children_truncated"] = o.Children.Count > 0 && !expand;
            return n;
        }

        private CommandOutcome CreateGameObject(JObject args)
        {
            string name = Text(args, "name");
            if (string.IsNullOrEmpty(name))
            {
                throw new CommandException("name is required and must not be empty");
            }
            string primitive = Text(args, "primitive") ?? "Empty";
            if (!FakeScene.IsPrimitive(primitive))
            {
                throw new CommandException("primitive must be one of Empty, Cube, Sphere, Capsule, Cylinder, Plane, Quad; got '" + primitive + "'");
            }
            FakeObject parent = null;
            string parentPath = Text(args, "parent");
            if (parentPath != null)
            {
                parent = scene.Find(parentPath);
                if (parent == null)
                {
                    throw new CommandException("parent '" + parentPath + "' not found in the loaded scenes");
                }
            }
            float[] position = Vector(args, "position");
            float[] rotation = Vector(args, "rotation");
            float[] scale = Vector(args, "scale");
            FakeObject o = scene.Add(name, parent, primitive);
            o.Position = position ?? o.Position;
            o.Rotation = rotation ?? o.Rotation;
            o.Scale = scale ?? o.Scale;
            var r = new JObject();
            r["object"] = o.Summary();
            return CommandOutcome.Done(r);
        }

        private CommandOutcome FindObjects(JObject args)
        {
            string name = Text(args, "name");
            string tag = Text(args, "tag");
            string component = Text(args, "component");
            JToken layerArg = args["layer"];
            int layer = layerArg == null || layerArg.Type == JTokenType.Null ? -1 : FakeScene.LayerIndex(layerArg);
            int limit = Int(args, "limit", 50, 1, 500);
            List<FakeObject> hits = scene.All.Where(o =>
                (name == null || o.Name.IndexOf(name, StringComparison.OrdinalIgnoreCase) >= 0)
                && (tag == null || o.Tag == tag)
                && (component == null || o.Components.Any(c => string.Equals(c, component, StringComparison.OrdinalIgnoreCase)))
                && (layer < 0 || o.Layer == layer)).ToList();
            var r = new JObject();
            r["objects"] = new JArray(hits.Take(limit).Select(o => (object)o.Summary()).ToArray());
            r["total"] = hits.Count;
            r["truncated"] = hits.Count > limit;
            return CommandOutcome.Done(r);
        }

        private CommandOutcome WriteScript(JObject args)
        {
            string path = ProjectPaths.RequireAssetPath(Text(args, "path"), ".cs", false);
            JToken contents = args["contents"];
            if (contents == null || contents.Type != JTokenType.String)
            {
                throw new CommandException("contents must be the C# source text");
            }
            string full = ProjectPaths.ToFullPath(projectPath, path);
            bool created = !File.Exists(full);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full));
            File.WriteAllText(full, (string)contents, new UTF8Encoding(false));
            compiler.Request();
            var r = new JObject();
            r["path"] = path;
            r["created"] = created;
            return CommandOutcome.AfterCompile(r);
        }

        private static string Text(JObject args, string key)
        {
            JToken t = args[key];
            if (t == null || t.Type == JTokenType.Null)
            {
                return null;
            }
            return JsonValues.ToText(t, key);
        }

        private static int Int(JObject args, string key, int fallback, int min, int max)
        {
            JToken t = args[key];
            if (t == null || t.Type == JTokenType.Null)
            {
                return fallback;
            }
            int n = JsonValues.ToInt(t, key);
            if (n < min || n > max)
            {
                throw new CommandException(key + " must be between " + min + " and " + max + ", got " + n);
            }
            return n;
        }

        private static float[] Vector(JObject args, string key)
        {
            JToken t = args[key];
            return t == null || t.Type == JTokenType.Null ? null : JsonValues.ToFloats(t, 3, key);
        }
    }
}
