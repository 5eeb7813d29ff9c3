// Stubs: UnityEngine static services, scenes, rendering and IMGUI (see Object.cs).
using System;

namespace UnityEngine
{
    public static class Debug
    {
        public static void Log(object message) { throw null; }

        public static void LogWarning(object message) { throw null; }

        public static void LogError(object message) { throw null; }
    }

    public class Application
    {
        public delegate void LogCallback(string condition, string stackTrace, LogType type);

        public static event LogCallback logMessageReceivedThreaded { add { } remove { } }

        public static string dataPath { get { throw null; } }

        public static string unityVersion { get { throw null; } }

        public static bool isBatchMode { get { throw null; } }

        public static RuntimePlatform platform { get { throw null; } }
    }

    public class Time
    {
        public static int frameCount { get { throw null; } }

        public static float fixedDeltaTime { get { throw null; } set { throw null; } }

        public static float timeScale { get { throw null; } set { throw null; } }
    }

    public class Physics
    {
        public static Vector3 gravity { get { throw null; } set { throw null; } }
    }

    public sealed class QualitySettings : Object
    {
        public static int GetQualityLevel() { throw null; }

        public static string[] names { get { throw null; } }
    }

    public class GUIStyle { }

    public class GUIContent
    {
        public GUIContent(string text) { }

        public GUIContent(string text, string tooltip) { }
    }

    public sealed class GUILayoutOption { }

    public class GUILayout
    {
        public static bool Button(string text, params GUILayoutOption[] options) { throw null; }

        public static GUILayoutOption Height(float height) { throw null; }
    }
}

namespace UnityEngine.SceneManagement
{
    public struct Scene
    {
        public string name { get { throw null; } }

        public string path { get { throw null; } }

        public bool isLoaded { get { throw null; } }

        public bool isDirty { get { throw null; } }

        public int rootCount { get { throw null; } }

        public bool IsValid() { throw null; }

        public GameObject[] GetRootGameObjects() { throw null; }

        public override bool Equals(object other) { throw null; }

        public override int GetHashCode() { throw null; }

        public static bool operator ==(Scene lhs, Scene rhs) { throw null; }

        public static bool operator !=(Scene lhs, Scene rhs) { throw null; }
    }

    public class SceneManager
    {
        public static int sceneCount { get { throw null; } }

        public static Scene GetSceneAt(int index) { throw null; }

        public static Scene GetActiveScene() { throw null; }

        public static bool SetActiveScene(Scene scene) { throw null; }

        public static void MoveGameObjectToScene(GameObject go, Scene scene) { throw null; }
    }
}

namespace UnityEngine.Rendering
{
    public enum ShaderPropertyType { Color = 0, Vector = 1, Float = 2, Range = 3, Texture = 4, Int = 5 }

    public abstract class RenderPipelineAsset : ScriptableObject
    {
        public virtual Material defaultMaterial { get { throw null; } }
    }

    public sealed class GraphicsSettings : Object
    {
        public static RenderPipelineAsset defaultRenderPipeline { get { throw null; } set { throw null; } }
    }
}

namespace UnityEngine
{
    public class TextAsset : Object { }
}

namespace UnityEngine
{
    public enum RuntimePlatform { OSXEditor = 0, OSXPlayer = 1, WindowsPlayer = 2, WindowsEditor = 7, LinuxPlayer = 13, LinuxEditor = 16 }
}
