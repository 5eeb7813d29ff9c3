using System;
using System.Collections.Generic;
using System.IO;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;

namespace Movesia.Mcp.FakeEditor
{
    /// <summary>An IStateStore kept in one JSON object file, written through on every change.</summary>
    public sealed class FileStore : IStateStore
    {
        private readonly string path;
        private readonly Dictionary<string, string> values = new Dictionary<string, string>();

        public FileStore(string path)
        {
            this.path = path;
            if (!File.Exists(path))
            {
                return;
            }
            try
            {
                JObject o = Json.ParseObject(File.ReadAllText(path));
                foreach (JProperty p in o.Properties())
                {
                    if (p.Value.Type == JTokenType.String)
                    {
                        values[p.Name] = (string)p.Value;
                    }
                }
            }
            catch (Exception e)
            {
                Console.Error.WriteLine("[Movesia] state file " + path + " could not be read (" + e.Message + "); starting empty");
            }
        }

        public string Get(string key)
        {
            string v;
            return values.TryGetValue(key, out v) ? v : null;
        }

        public void Set(string key, string value)
        {
            if (value == null)
            {
                Remove(key);
                return;
            }
            values[key] = value;
            Save();
        }

        public void Remove(string key)
        {
            if (values.Remove(key))
            {
                Save();
            }
        }

        private void Save()
        {
            var o = new JObject();
            foreach (var pair in values)
            {
                o[pair.Key] = pair.Value;
            }
            string dir = Path.GetDirectoryName(Path.GetFullPath(path));
            Directory.CreateDirectory(dir);
            string tmp = path + ".tmp";
            File.WriteAllText(tmp, o.ToString(Newtonsoft.Json.Formatting.None));
            if (File.Exists(path))
            {
                File.Delete(path);
            }
            File.Move(tmp, path);
        }
    }
}
