// Stubs: UnityEngine value types (see Object.cs).
namespace UnityEngine
{
    public struct Vector2
    {
        public float x;
        public float y;

        public Vector2(float x, float y) { this.x = x; this.y = y; }
    }

    public struct Vector3
    {
        public float x;
        public float y;
        public float z;

        public Vector3(float x, float y, float z) { this.x = x; this.y = y; this.z = z; }
    }

    public struct Vector4
    {
        public float x;
        public float y;
        public float z;
        public float w;

        public Vector4(float x, float y, float z, float w) { this.x = x; this.y = y; this.z = z; this.w = w; }
    }

    public struct Vector2Int
    {
        public Vector2Int(int x, int y) { }

        public int x { get { throw null; } set { throw null; } }

        public int y { get { throw null; } set { throw null; } }
    }

    public struct Vector3Int
    {
        public Vector3Int(int x, int y, int z) { }

        public int x { get { throw null; } set { throw null; } }

        public int y { get { throw null; } set { throw null; } }

        public int z { get { throw null; } set { throw null; } }
    }

    public struct Quaternion
    {
        public float x;
        public float y;
        public float z;
        public float w;

        public Quaternion(float x, float y, float z, float w) { this.x = x; this.y = y; this.z = z; this.w = w; }

        public static Quaternion Euler(Vector3 euler) { throw null; }

        public Vector3 eulerAngles { get { throw null; } set { throw null; } }
    }

    public struct Color
    {
        public float r;
        public float g;
        public float b;
        public float a;

        public Color(float r, float g, float b, float a) { this.r = r; this.g = g; this.b = b; this.a = a; }
    }

    public struct Rect
    {
        public Rect(float x, float y, float width, float height) { }

        public float x { get { throw null; } set { throw null; } }

        public float y { get { throw null; } set { throw null; } }

        public float width { get { throw null; } set { throw null; } }

        public float height { get { throw null; } set { throw null; } }
    }

    public struct Bounds
    {
        public Bounds(Vector3 center, Vector3 size) { }

        public Vector3 center { get { throw null; } set { throw null; } }

        public Vector3 size { get { throw null; } set { throw null; } }
    }

    public struct LayerMask
    {
        public static int NameToLayer(string layerName) { throw null; }

        public static string LayerToName(int layer) { throw null; }
    }

    public enum ColorSpace { Uninitialized = -1, Gamma = 0, Linear = 1 }

    public enum LogType { Error = 0, Assert = 1, Warning = 2, Log = 3, Exception = 4 }
}
