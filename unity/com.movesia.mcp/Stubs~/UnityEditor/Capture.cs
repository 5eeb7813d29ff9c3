// Hand-written compile-time stub of the Scene view members capture_view uses.
// Never shipped, never loaded by Unity. See Documentation~/stubs.md.
namespace UnityEditor
{
    public class SceneView : EditorWindow
    {
        public static SceneView lastActiveSceneView { get { throw null; } }

        public UnityEngine.Camera camera { get { throw null; } }
    }
}
