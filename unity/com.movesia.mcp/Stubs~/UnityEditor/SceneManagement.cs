// Stubs: EditorSceneManager, CompilationPipeline, InternalEditorUtility (see Editor.cs).
using System;
using UnityEngine.SceneManagement;

namespace UnityEditor.SceneManagement
{
    public enum OpenSceneMode { Single, Additive, AdditiveWithoutLoading }

    public enum NewSceneSetup { EmptyScene, DefaultGameObjects }

    public enum NewSceneMode { Single, Additive }

    public sealed class EditorSceneManager : SceneManager
    {
        public delegate void SceneSavedCallback(Scene scene);

        public delegate void SceneOpenedCallback(Scene scene, OpenSceneMode mode);

        public static event SceneSavedCallback sceneSaved { add { } remove { } }

        public static event SceneOpenedCallback sceneOpened { add { } remove { } }

        public static bool MarkSceneDirty(Scene scene) { throw null; }

        public static Scene OpenScene(string scenePath, OpenSceneMode mode) { throw null; }

        public static Scene NewScene(NewSceneSetup setup, NewSceneMode mode) { throw null; }

        public static bool SaveScene(Scene scene) { throw null; }

        public static bool SaveScene(Scene scene, string dstScenePath) { throw null; }
    }
}

namespace UnityEditor.Compilation
{
    public enum CompilerMessageType { Error = 0, Warning = 1, Info = 2 }

    public struct CompilerMessage
    {
        public string message;
        public string file;
        public int line;
        public int column;
        public CompilerMessageType type;
    }

    public static class CompilationPipeline
    {
        public static event Action<object> compilationStarted { add { } remove { } }

        public static event Action<string, CompilerMessage[]> assemblyCompilationFinished { add { } remove { } }

        public static event Action<object> compilationFinished { add { } remove { } }
    }
}

namespace UnityEditorInternal
{
    public class InternalEditorUtility
    {
        public static string[] tags { get { throw null; } }
    }
}
