// The fake editor's catalog v2 commands, with fixed content: capture_view answers a flat
// grey PNG of exactly the asked size (written here: zlib via DeflateStream, CRC-32 and
// Adler-32 by hand), run_tests a fixed small result (EditMode: 2 passed, 1 failed with a
// message and stack, 1 skipped, answered at once; PlayMode: a simulated run across two
// domain reloads, answered from its end through AwaitCallback, see FakePlayMode). Filters
// are accepted and ignored.
using System;
using System.IO;
using System.IO.Compression;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;

namespace Movesia.Mcp.FakeEditor
{
    public static class FakeV2Handlers
    {
        private static readonly uint[] CrcTable = MakeCrcTable();

        private static FakePlayMode playMode;

        public static void Register(CommandTable t, FakePlayMode playModeRuns)
        {
            playMode = playModeRuns;
            t.Register("capture_view", CaptureView);
            t.Register("run_tests", RunTests);
        }

        private static CommandOutcome CaptureView(JObject args)
        {
            string view = Text(args, "view") ?? "game";
            string camera = Text(args, "camera");
            int width = Size(args, "width", 640);
            int height = Size(args, "height", 360);
            byte[] png = Png(width, height, 128, 128, 128);
            var r = new JObject();
            r["view"] = view;
            r["camera"] = view == "scene" ? null : (camera ?? "Main Camera");
            r["width"] = width;
            r["height"] = height;
            r["objects_drawn"] = 0;
            r["mime_type"] = "image/png";
            r["png_bytes"] = png.Length;
            r["png_base64"] = Convert.ToBase64String(png);
            return CommandOutcome.Done(r);
        }

        private static CommandOutcome RunTests(JObject args)
        {
            string mode = Text(args, "mode");
            if (mode != "EditMode" && mode != "PlayMode")
            {
                throw new CommandException("mode must be EditMode or PlayMode");
            }
            bool edit = mode == "EditMode";
            if (!edit)
            {
                return playMode.Start(Count(args, "offset", 0, 0), Count(args, "limit", 50, 1));
            }
            var failures = new JArray();
            if (edit)
            {
                var f = new JObject();
                f["name"] = "Fake.Tests.MathTests.AddsBadly";
                f["message"] = "  Expected: 4\n  But was:  5\n";
                f["stack"] = "at Fake.Tests.MathTests.AddsBadly () in Assets/Tests/MathTests.cs:12\n";
                f["duration"] = 0.01;
                failures.Add(f);
            }
            var r = new JObject();
            r["mode"] = mode;
            r["passed"] = edit ? 2 : 1;
            r["failed"] = edit ? 1 : 0;
            r["skipped"] = edit ? 1 : 0;
            r["total"] = edit ? 4 : 1;
            r["duration"] = 0.05;
            r["failures"] = failures;
            r["offset"] = 0;
            r["next_offset"] = null;
            r["complete"] = true;
            return CommandOutcome.Done(r);
        }

        private static string Text(JObject args, string key)
        {
            JToken t = args[key];
            return t == null || t.Type == JTokenType.Null ? null : JsonValues.ToText(t, key);
        }

        private static int Count(JObject args, string key, int fallback, int min)
        {
            JToken t = args[key];
            int n = t == null || t.Type == JTokenType.Null ? fallback : JsonValues.ToInt(t, key);
            if (n < min)
            {
                throw new CommandException(key + " must be at least " + min + ", got " + n);
            }
            return n;
        }

        private static int Size(JObject args, string key, int fallback)
        {
            JToken t = args[key];
            int n = t == null || t.Type == JTokenType.Null ? fallback : JsonValues.ToInt(t, key);
            if (n < 16 || n > 2048)
            {
                throw new CommandException(key + " must be between 16 and 2048, got " + n);
            }
            return n;
        }

        /// <summary>A PNG of one colour: 8-bit RGB, every row unfiltered.</summary>
        public static byte[] Png(int width, int height, byte r, byte g, byte b)
        {
            int stride = width * 3 + 1;
            var raw = new byte[stride * height];
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    int at = y * stride + 1 + x * 3;
                    raw[at] = r;
                    raw[at + 1] = g;
                    raw[at + 2] = b;
                }
            }
            var header = new byte[13];
            BigEndian(header, 0, (uint)width);
            BigEndian(header, 4, (uint)height);
            header[8] = 8;  // bit depth
            header[9] = 2;  // colour type: RGB
            using (var png = new MemoryStream())
            {
                png.Write(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, 0, 8);
                Chunk(png, "IHDR", header);
                Chunk(png, "IDAT", Zlib(raw));
                Chunk(png, "IEND", new byte[0]);
                return png.ToArray();
            }
        }

        private static byte[] Zlib(byte[] data)
        {
            using (var output = new MemoryStream())
            {
                output.WriteByte(0x78);
                output.WriteByte(0x9C);
                using (var deflate = new DeflateStream(output, CompressionMode.Compress, true))
                {
                    deflate.Write(data, 0, data.Length);
                }
                uint a = 1, b = 0;
                foreach (byte d in data)
                {
                    a = (a + d) % 65521;
                    b = (b + a) % 65521;
                }
                var adler = new byte[4];
                BigEndian(adler, 0, (b << 16) | a);
                output.Write(adler, 0, 4);
                return output.ToArray();
            }
        }

        private static void Chunk(Stream png, string kind, byte[] data)
        {
            var length = new byte[4];
            BigEndian(length, 0, (uint)data.Length);
            png.Write(length, 0, 4);
            var typed = new byte[4 + data.Length];
            for (int i = 0; i < 4; i++)
            {
                typed[i] = (byte)kind[i];
            }
            Array.Copy(data, 0, typed, 4, data.Length);
            png.Write(typed, 0, typed.Length);
            var crc = new byte[4];
            BigEndian(crc, 0, Crc32(typed));
            png.Write(crc, 0, 4);
        }

        private static uint Crc32(byte[] data)
        {
            uint c = 0xFFFFFFFF;
            foreach (byte d in data)
            {
                c = CrcTable[(c ^ d) & 0xFF] ^ (c >> 8);
            }
            return c ^ 0xFFFFFFFF;
        }

        private static uint[] MakeCrcTable()
        {
            var table = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                uint c = n;
                for (int k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
                }
                table[n] = c;
            }
            return table;
        }

        private static void BigEndian(byte[] into, int at, uint value)
        {
            into[at] = (byte)(value >> 24);
            into[at + 1] = (byte)(value >> 16);
            into[at + 2] = (byte)(value >> 8);
            into[at + 3] = (byte)value;
        }
    }
}
