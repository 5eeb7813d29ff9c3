using System;
using System.IO;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using NUnit.Framework;

namespace Movesia.Mcp.Tests
{
    [TestFixture]
    public class ProjectPathsTests
    {
        [TestCase("Assets/Scripts/Player.cs", ".cs", "Assets/Scripts/Player.cs")]
        [TestCase("Assets\\Scripts\\Player.cs", ".cs", "Assets/Scripts/Player.cs")]
        [TestCase("Assets/Materials/", null, "Assets/Materials")]
        [TestCase("Assets/Scenes/Main.unity", ".unity", "Assets/Scenes/Main.unity")]
        [TestCase("Assets/Été/Ça va.mat", ".mat", "Assets/Été/Ça va.mat")]
        [TestCase("Assets/A.B/x.prefab", ".prefab", "Assets/A.B/x.prefab")]
        [TestCase("Assets/Console.cs", ".cs", "Assets/Console.cs")]
        [TestCase("Assets/COM10.txt", null, "Assets/COM10.txt")]
        public void AcceptsAndNormalises(string path, string extension, string expected)
        {
            Assert.AreEqual(expected, ProjectPaths.RequireAssetPath(path, extension, false));
        }

        [TestCase(null, "empty")]
        [TestCase("  ", "empty")]
        [TestCase("/etc/passwd", "absolute")]
        [TestCase("C:/Windows/x.cs", "absolute")]
        [TestCase("Library/x.asset", "outside")]
        [TestCase("ProjectSettings/ProjectSettings.asset", "outside")]
        [TestCase("assets/x.cs", "spelled 'Assets'")]
        [TestCase("Assets", "folder itself")]
        [TestCase("Assets/", "folder itself")]
        [TestCase("Assets/../secret.txt", "'..'")]
        [TestCase("Assets/./a.cs", "'.'")]
        [TestCase("Assets/a/../../b", "'..'")]
        [TestCase("Assets//a.cs", "empty folder name")]
        [TestCase("Assets/a\u0000.cs", "control character")]
        [TestCase("Assets/a\n.cs", "control character")]
        [TestCase("Assets/C:x.cs", "':'")]
        [TestCase("Assets/a?.cs", "'?'")]
        [TestCase("Assets/CON", "reserved")]
        [TestCase("Assets/con.cs", "reserved")]
        [TestCase("Assets/Aux.tar.gz", "reserved")]
        [TestCase("Assets/LPT1.txt", "reserved")]
        [TestCase("Assets/com9", "reserved")]
        [TestCase("Assets/nul/x.cs", "reserved")]
        [TestCase("Assets/name./x.cs", "ends with a dot")]
        [TestCase("Assets/name /x.cs", "ends with a space")]
        [TestCase("Packages/com.x/a.cs", "outside")]
        public void Refuses(string path, string words)
        {
            var e = Assert.Throws<CommandException>(() => ProjectPaths.RequireAssetPath(path, null, false));
            StringAssert.Contains(words, e.Message);
        }

        [TestCase("Assets/Scripts/Player.txt")]
        [TestCase("Assets/Scripts/.cs")]
        [TestCase("Assets/Scripts")]
        public void RequiresTheExtension(string path)
        {
            var e = Assert.Throws<CommandException>(() => ProjectPaths.RequireAssetPath(path, ".cs", false));
            StringAssert.Contains(".cs file", e.Message);
        }

        [Test]
        public void PackagesOnlyWhenAllowed()
        {
            Assert.AreEqual("Packages/com.me.tools/Runtime/A.cs", ProjectPaths.RequireAssetPath("Packages/com.me.tools/Runtime/A.cs", ".cs", true));
            Assert.Throws<CommandException>(() => ProjectPaths.RequireAssetPath("Packages", null, true));
            var e = Assert.Throws<CommandException>(() => ProjectPaths.RequireAssetPath("Packages/x.cs", ".cs", false));
            StringAssert.Contains("'Assets/'", e.Message);
        }

        [Test]
        public void RefusesOverlongPaths()
        {
            Assert.Throws<CommandException>(() => ProjectPaths.RequireAssetPath("Assets/" + new string('a', 2000) + ".cs", ".cs", false));
        }

        [Test]
        public void FullPathStaysInsideTheProject()
        {
            string project = Path.Combine(Path.GetTempPath(), "movesia-paths-test");
            string full = ProjectPaths.ToFullPath(project, "Assets/Scripts/A.cs");
            Assert.AreEqual(Path.Combine(Path.Combine(Path.Combine(Path.GetFullPath(project), "Assets"), "Scripts"), "A.cs"), full);
            Assert.Throws<CommandException>(() => ProjectPaths.ToFullPath(project, "Assets/../../etc/passwd"));
            Assert.Throws<CommandException>(() => ProjectPaths.ToFullPath(project, "/etc/passwd"));
            Assert.Throws<CommandException>(() => ProjectPaths.ToFullPath("", "Assets/A.cs"));
        }

        [Test]
        public void FullPathAcceptsAProjectPathWithTrailingSlash()
        {
            string project = Path.Combine(Path.GetTempPath(), "movesia-paths-test") + "/";
            StringAssert.EndsWith(Path.Combine("Assets", "A.cs"), ProjectPaths.ToFullPath(project, "Assets/A.cs"));
        }
    }

    [TestFixture]
    public class JsonValuesTests
    {
        private static JToken J(string text)
        {
            return Json.Parse(text);
        }

        [Test]
        public void FloatsFromArrayAndObject()
        {
            CollectionAssert.AreEqual(new[] { 1f, 2.5f, -3f }, JsonValues.ToFloats(J("[1, 2.5, -3]"), 3, "position"));
            CollectionAssert.AreEqual(new[] { 1f, 2f, 3f }, JsonValues.ToFloats(J("{\"x\":1,\"y\":2,\"z\":3}"), 3, "position"));
            CollectionAssert.AreEqual(new[] { 1f, 2f }, JsonValues.ToFloats(J("{\"X\":1,\"Y\":\"2\"}"), 2, "offset"));
            CollectionAssert.AreEqual(new[] { 0f, 0f, 4f, 5f }, JsonValues.ToFloats(J("{\"x\":0,\"y\":0,\"width\":4,\"height\":5}"), 4, "rect", new[] { "x", "y", "width", "height" }));
        }

        [TestCase("[1, 2]", "exactly 3 numbers")]
        [TestCase("[1, 2, \"a\"]", "position[2] must be a number")]
        [TestCase("{\"x\":1,\"y\":2}", "missing 'z'")]
        [TestCase("{\"x\":1,\"y\":2,\"z\":3,\"q\":4}", "unexpected key 'q'")]
        [TestCase("\"1,2,3\"", "must be [x, y, z]")]
        [TestCase("null", "needs a value")]
        [TestCase("[1, 2, 1e40]", "out of range")]
        public void FloatsRefuseWrongShapesNamingTheProperty(string json, string words)
        {
            var e = Assert.Throws<CommandException>(() => JsonValues.ToFloats(J(json), 3, "position"));
            StringAssert.Contains("position", e.Message);
            StringAssert.Contains(words, e.Message);
        }

        [Test]
        public void FromFloatsWritesShortDecimals()
        {
            JArray a = JsonValues.FromFloats(0.1f, 1.5f, -2f);
            Assert.AreEqual(0.1, (double)a[0], "not 0.10000000149011612");
            Assert.AreEqual(1.5, (double)a[1]);
            Assert.AreEqual(-2.0, (double)a[2]);
            StringAssert.StartsWith("[0.1,", a.ToString(Newtonsoft.Json.Formatting.None));
            Assert.AreEqual(0.1, (double)JsonValues.FromFloat(0.1f));
            Assert.AreEqual(JTokenType.Null, JsonValues.FromFloat(float.NaN).Type);
        }

        [Test]
        public void ColoursInEveryShape()
        {
            CollectionAssert.AreEqual(new[] { 1f, 0f, 0f, 1f }, JsonValues.ToColor(J("[1, 0, 0]"), "color"));
            CollectionAssert.AreEqual(new[] { 1f, 0f, 0f, 0.5f }, JsonValues.ToColor(J("[1, 0, 0, 0.5]"), "color"));
            CollectionAssert.AreEqual(new[] { 0f, 1f, 0f, 1f }, JsonValues.ToColor(J("{\"r\":0,\"g\":1,\"b\":0}"), "color"));
            CollectionAssert.AreEqual(new[] { 1f, 0f, 1f, 0f }, JsonValues.ToColor(J("\"#FF00FF00\""), "color"));
            float[] c = JsonValues.ToColor(J("\"#336699\""), "color");
            Assert.AreEqual(0x33 / 255f, c[0], 1e-6);
            Assert.AreEqual(1f, c[3]);
        }

        [TestCase("[1, 0]", "3 or 4 numbers")]
        [TestCase("\"red\"", "must be")]
        [TestCase("\"#GG0000\"", "bad hex")]
        [TestCase("{\"r\":1,\"g\":1}", "missing 'b'")]
        [TestCase("true", "got a boolean")]
        public void ColoursRefuseOtherShapes(string json, string words)
        {
            var e = Assert.Throws<CommandException>(() => JsonValues.ToColor(J(json), "m_Color"));
            StringAssert.Contains("m_Color", e.Message);
            StringAssert.Contains(words, e.Message);
        }

        [TestCase("true", true)]
        [TestCase("false", false)]
        [TestCase("1", true)]
        [TestCase("0", false)]
        [TestCase("\"True\"", true)]
        [TestCase("\" false \"", false)]
        public void Bools(string json, bool expected)
        {
            Assert.AreEqual(expected, JsonValues.ToBool(J(json), "enabled"));
        }

        [TestCase("2")]
        [TestCase("\"yes\"")]
        [TestCase("null")]
        [TestCase("[true]")]
        public void BoolRefusals(string json)
        {
            var e = Assert.Throws<CommandException>(() => JsonValues.ToBool(J(json), "m_Enabled"));
            StringAssert.Contains("m_Enabled must be true or false", e.Message);
        }

        [TestCase("3", 3)]
        [TestCase("3.0", 3)]
        [TestCase("\"-7\"", -7)]
        public void Ints(string json, int expected)
        {
            Assert.AreEqual(expected, JsonValues.ToInt(J(json), "layer"));
        }

        [TestCase("3.5", "whole number")]
        [TestCase("\"x\"", "whole number")]
        [TestCase("4294967296", "between")]
        [TestCase("true", "whole number")]
        public void IntRefusals(string json, string words)
        {
            var e = Assert.Throws<CommandException>(() => JsonValues.ToInt(J(json), "layer"));
            StringAssert.Contains("layer", e.Message);
            StringAssert.Contains(words, e.Message);
        }

        [Test]
        public void FloatsAndText()
        {
            Assert.AreEqual(2.5f, JsonValues.ToFloat(J("2.5"), "mass"));
            Assert.AreEqual(2f, JsonValues.ToFloat(J("\"2\""), "mass"));
            Assert.Throws<CommandException>(() => JsonValues.ToFloat(J("\"heavy\""), "mass"));
            Assert.AreEqual("hello", JsonValues.ToText(J("\"hello\""), "name"));
            Assert.AreEqual("12", JsonValues.ToText(J("12"), "name"));
            Assert.AreEqual("true", JsonValues.ToText(J("true"), "name"));
            var e = Assert.Throws<CommandException>(() => JsonValues.ToText(J("{}"), "m_Name"));
            StringAssert.Contains("m_Name must be a string", e.Message);
        }

        [Test]
        public void EnumsByNameOrIndex()
        {
            var names = new[] { "Everything", "Only Mesh", "None" };
            Assert.AreEqual(1, JsonValues.ToEnumIndex(J("\"only mesh\""), names, "mode"));
            Assert.AreEqual(1, JsonValues.ToEnumIndex(J("\"OnlyMesh\""), names, "mode"));
            Assert.AreEqual(2, JsonValues.ToEnumIndex(J("2"), names, "mode"));
            var e = Assert.Throws<CommandException>(() => JsonValues.ToEnumIndex(J("\"Some\""), names, "mode"));
            StringAssert.Contains("Everything, Only Mesh, None", e.Message);
            Assert.Throws<CommandException>(() => JsonValues.ToEnumIndex(J("7"), names, "mode"));
        }

        [Test]
        public void PlainValuesToJson()
        {
            Assert.AreEqual(JTokenType.Null, JsonValues.FromPlain(null).Type);
            Assert.AreEqual(true, (bool)JsonValues.FromPlain(true));
            Assert.AreEqual(5L, (long)JsonValues.FromPlain(5));
            Assert.AreEqual(0.1, (double)JsonValues.FromPlain(0.1f));
            Assert.AreEqual("Sunday", (string)JsonValues.FromPlain(DayOfWeek.Sunday));
            Assert.AreEqual(3, ((JArray)JsonValues.FromPlain(new[] { 1f, 2f, 3f })).Count);
            Assert.AreEqual("x", (string)JsonValues.FromPlain("x"));
        }
    }
}
