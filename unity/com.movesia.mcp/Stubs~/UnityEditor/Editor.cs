// Hand-written compile-time stubs of the UnityEditor members the Movesia editor layer
// uses (see Stubs~/UnityEngine/Object.cs). Signatures checked against Unity's public C#
// reference: see Documentation~/stubs.md.
using System;
using UnityEngine;
using UnityEngine.SceneManagement;
using Object = UnityEngine.Object;

namespace UnityEditor
{
    [AttributeUsage(AttributeTargets.Class)]
    public class InitializeOnLoadAttribute : Attribute { }

    [AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
    public sealed class MenuItem : Attribute
    {
        public MenuItem(string itemName) { }
    }

    public enum PlayModeStateChange { EnteredEditMode, ExitingEditMode, EnteredPlayMode, ExitingPlayMode }

    public enum PauseState { Paused, Unpaused }

    [Flags]
    public enum ImportAssetOptions { Default = 0, ForceUpdate = 1, ForceSynchronousImport = 8, ImportRecursive = 256, DontDownloadFromCacheServer = 8192, ForceUncompressedImport = 16384 }

    public enum InteractionMode { AutomatedAction, UserAction }

    public sealed class EditorApplication
    {
        public delegate void CallbackFunction();

        public static CallbackFunction update;

        public static event Action hierarchyChanged { add { } remove { } }

        public static event Action<PlayModeStateChange> playModeStateChanged { add { } remove { } }

        public static event Action<PauseState> pauseStateChanged { add { } remove { } }

        public static event Action quitting { add { } remove { } }

        public static bool isPlaying { get { throw null; } set { throw null; } }

        public static bool isPaused { get { throw null; } set { throw null; } }

        public static bool isCompiling { get { throw null; } }

        public static bool isUpdating { get { throw null; } }

        public static bool isPlayingOrWillChangePlaymode { get { throw null; } }

        public static double timeSinceStartup { get { throw null; } }

        public static void QueuePlayerLoopUpdate() { throw null; }

        public static void Step() { throw null; }

        public static bool ExecuteMenuItem(string menuItemPath) { throw null; }
    }

    public static class AssemblyReloadEvents
    {
        public delegate void AssemblyReloadCallback();

        public static event AssemblyReloadCallback beforeAssemblyReload { add { } remove { } }
    }

    public sealed class AssetDatabase
    {
        public static bool IsAssetImportWorkerProcess() { throw null; }

        public static string[] FindAssets(string filter) { throw null; }

        public static string[] FindAssets(string filter, string[] searchInFolders) { throw null; }

        public static string GUIDToAssetPath(string guid) { throw null; }

        public static string AssetPathToGUID(string path) { throw null; }

        public static string GetAssetPath(Object assetObject) { throw null; }

        public static Type GetMainAssetTypeAtPath(string assetPath) { throw null; }

        public static T LoadAssetAtPath<T>(string assetPath) where T : Object { throw null; }

        public static Object LoadMainAssetAtPath(string assetPath) { throw null; }

        public static Object[] LoadAllAssetsAtPath(string assetPath) { throw null; }

        public static void Refresh(ImportAssetOptions options) { throw null; }

        public static void ImportAsset(string path, ImportAssetOptions options) { throw null; }

        public static bool MoveAssetToTrash(string path) { throw null; }

        public static void CreateAsset(Object asset, string path) { throw null; }

        public static void SaveAssets() { throw null; }

        public static bool IsValidFolder(string path) { throw null; }

        public static string CreateFolder(string parentFolder, string newFolderName) { throw null; }
    }

    public sealed class EditorUtility
    {
        public static bool scriptCompilationFailed { get { throw null; } }

        public static void SetDirty(Object target) { throw null; }

#if UNITY_6000_5_OR_NEWER
        [Obsolete("InstanceIDToObject(int) is obsolete. Use EditorUtility.EntityIdToObject instead.", true)]
#endif
        public static Object InstanceIDToObject(int instanceID) { throw null; }

#if UNITY_6000_4_OR_NEWER
        public static Object EntityIdToObject(EntityId entityId) { throw null; }
#endif
    }

    public class Undo
    {
        public static void RegisterCreatedObjectUndo(Object objectToUndo, string name) { throw null; }

        public static void SetTransformParent(Transform transform, Transform newParent, string name) { throw null; }

        public static void DestroyObjectImmediate(Object objectToUndo) { throw null; }

        public static void RecordObject(Object objectToUndo, string name) { throw null; }

        public static void MoveGameObjectToScene(GameObject go, Scene scene, string name) { throw null; }

        public static Component AddComponent(GameObject gameObject, Type type) { throw null; }

        public static void IncrementCurrentGroup() { throw null; }

        public static int GetCurrentGroup() { throw null; }

        public static void SetCurrentGroupName(string name) { throw null; }

        public static void CollapseUndoOperations(int groupIndex) { throw null; }

        public static void PerformUndo() { throw null; }

        public static void PerformRedo() { throw null; }

        public static string GetCurrentGroupName() { throw null; }

        public static void RevertAllDownToGroup(int group) { throw null; }
    }

    public sealed class PropertyModification { }

    public sealed class PrefabUtility
    {
        public static bool IsOutermostPrefabInstanceRoot(GameObject gameObject) { throw null; }

        public static bool IsPartOfPrefabInstance(Object componentOrGameObject) { throw null; }

        public static T GetCorrespondingObjectFromSource<T>(T componentOrGameObject) where T : Object { throw null; }

        public static Object InstantiatePrefab(Object assetComponentOrGameObject, Scene destinationScene) { throw null; }

        public static PropertyModification[] GetPropertyModifications(Object targetPrefab) { throw null; }

        public static void SetPropertyModifications(Object targetPrefab, PropertyModification[] modifications) { throw null; }

        public static string GetPrefabAssetPathOfNearestInstanceRoot(Object instanceComponentOrGameObject) { throw null; }

        public static GameObject GetOutermostPrefabInstanceRoot(Object componentOrGameObject) { throw null; }

        public static GameObject SaveAsPrefabAssetAndConnect(GameObject instanceRoot, string assetPath, InteractionMode action, out bool success) { throw null; }

        public static void ApplyPrefabInstance(GameObject instanceRoot, InteractionMode action) { throw null; }

        public static void RevertPrefabInstance(GameObject instanceRoot, InteractionMode action) { throw null; }
    }

    public sealed class Selection
    {
        public static Action selectionChanged;

        public static GameObject[] gameObjects { get { throw null; } }

        public static Object[] objects { get { throw null; } set { throw null; } }
    }

    public class AssetPostprocessor { }

    public class SceneAsset : Object { }

    public class MonoScript : TextAsset { }

    public class SessionState
    {
        public static string GetString(string key, string defaultValue) { throw null; }

        public static void SetString(string key, string value) { throw null; }

        public static void EraseString(string key) { throw null; }

        public static bool GetBool(string key, bool defaultValue) { throw null; }

        public static void SetBool(string key, bool value) { throw null; }
    }

    public sealed class EditorPrefs
    {
        public static string GetString(string key, string defaultValue) { throw null; }

        public static void SetString(string key, string value) { throw null; }

        public static bool GetBool(string key, bool defaultValue) { throw null; }

        public static void SetBool(string key, bool value) { throw null; }
    }

    public sealed class PlayerSettings : Object
    {
        public static string companyName { get { throw null; } set { throw null; } }

        public static string productName { get { throw null; } set { throw null; } }

        public static string bundleVersion { get { throw null; } set { throw null; } }

        public static ColorSpace colorSpace { get { throw null; } set { throw null; } }
    }
}
