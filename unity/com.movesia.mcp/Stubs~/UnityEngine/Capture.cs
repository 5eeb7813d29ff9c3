// Hand-written compile-time stubs of the UnityEngine members capture_view uses (cameras,
// render textures, reading pixels back, PNG encoding). Never shipped, never loaded by Unity.
// Signatures checked against Unity's public C# reference: see Documentation~/stubs.md.
namespace UnityEngine
{
    public sealed class Camera : Behaviour
    {
        public static Camera main { get { throw null; } }

        public static Camera[] allCameras { get { throw null; } }

        public RenderTexture targetTexture { get { throw null; } set { throw null; } }

        public void Render() { throw null; }

        public Vector3 WorldToViewportPoint(Vector3 position) { throw null; }
    }

    public class RenderTexture : Texture
    {
        public RenderTexture(int width, int height, int depth) { }

        public static RenderTexture active { get { throw null; } set { throw null; } }

        public void Release() { throw null; }
    }

    public enum TextureFormat { RGB24 = 3 }

    public sealed class Texture2D : Texture
    {
        public Texture2D(int width, int height, TextureFormat textureFormat, bool mipChain) { }

        public void ReadPixels(Rect source, int destX, int destY) { throw null; }

        public void Apply() { throw null; }
    }

    public static class ImageConversion
    {
        public static byte[] EncodeToPNG(this Texture2D tex) { throw null; }
    }
}
