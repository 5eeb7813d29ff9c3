// Hand-written compile-time stubs of the UnityEngine members the Movesia editor layer
// uses. Bodies throw or return defaults: these assemblies exist only so the layer can be
// compiled (and its dialect checked) without Unity. Never shipped, never loaded by Unity
// (the Stubs~ folder is ignored by its importer). Signatures checked against Unity's
// public C# reference: see Documentation~/stubs.md.
using System;

namespace UnityEngine
{
#if UNITY_6000_4_OR_NEWER
    public struct EntityId : IEquatable<EntityId>
    {
        private ulong raw;

        public static EntityId FromULong(ulong input) { var e = new EntityId(); e.raw = input; return e; }

        public static ulong ToULong(EntityId entityId) { return entityId.raw; }

        public bool Equals(EntityId other) { return raw == other.raw; }

        public override bool Equals(object obj) { return obj is EntityId && Equals((EntityId)obj); }

        public override int GetHashCode() { return (int)(uint)raw; }

        public static bool operator ==(EntityId a, EntityId b) { return a.raw == b.raw; }

        public static bool operator !=(EntityId a, EntityId b) { return a.raw != b.raw; }
    }
#endif

    public class Object
    {
        public string name { get { throw null; } set { throw null; } }

#if UNITY_6000_5_OR_NEWER
        [Obsolete("GetInstanceID is deprecated. Use GetEntityId instead.", true)]
#endif
        public int GetInstanceID() { throw null; }

#if UNITY_6000_4_OR_NEWER
        public EntityId GetEntityId() { throw null; }
#endif

        public static T Instantiate<T>(T original, Transform parent) where T : Object { throw null; }

        public static void DestroyImmediate(Object obj) { throw null; }

        public override bool Equals(object other) { throw null; }

        public override int GetHashCode() { throw null; }

        public static bool operator ==(Object x, Object y) { throw null; }

        public static bool operator !=(Object x, Object y) { throw null; }

        public static implicit operator bool(Object exists) { throw null; }
    }

    public class ScriptableObject : Object
    {
        public static T CreateInstance<T>() where T : ScriptableObject { throw null; }
    }

    public class Component : Object
    {
        public Transform transform { get { throw null; } }

        public GameObject gameObject { get { throw null; } }
    }

    public class Behaviour : Component
    {
        public bool enabled { get { throw null; } set { throw null; } }
    }

    public class MonoBehaviour : Behaviour { }

    public class Renderer : Component
    {
        public bool enabled { get { throw null; } set { throw null; } }

        public Material[] sharedMaterials { get { throw null; } set { throw null; } }
    }

    public class Collider : Component
    {
        public bool enabled { get { throw null; } set { throw null; } }
    }

    public class Rigidbody : Component { }

    public class MeshFilter : Component { }

    public enum PrimitiveType { Sphere = 0, Capsule = 1, Cylinder = 2, Cube = 3, Plane = 4, Quad = 5 }

    public sealed class GameObject : Object
    {
        public GameObject(string name) { }

        public static GameObject CreatePrimitive(PrimitiveType type) { throw null; }

        public Transform transform { get { throw null; } }

        public bool activeSelf { get { throw null; } }

        public bool activeInHierarchy { get { throw null; } }

        public string tag { get { throw null; } set { throw null; } }

        public int layer { get { throw null; } set { throw null; } }

        public bool isStatic { get { throw null; } set { throw null; } }

        public SceneManagement.Scene scene { get { throw null; } }

        public void SetActive(bool value) { throw null; }

        public bool CompareTag(string tag) { throw null; }

        public Component GetComponent(Type type) { throw null; }

        public T GetComponent<T>() { throw null; }

        public Component[] GetComponents(Type type) { throw null; }

        public T[] GetComponents<T>() { throw null; }

        public T[] GetComponentsInChildren<T>(bool includeInactive) { throw null; }
    }

    public class Transform : Component
    {
        public Vector3 position { get { throw null; } set { throw null; } }

        public Vector3 localPosition { get { throw null; } set { throw null; } }

        public Vector3 eulerAngles { get { throw null; } set { throw null; } }

        public Vector3 localEulerAngles { get { throw null; } set { throw null; } }

        public Quaternion rotation { get { throw null; } set { throw null; } }

        public Quaternion localRotation { get { throw null; } set { throw null; } }

        public Vector3 localScale { get { throw null; } set { throw null; } }

        public Transform parent { get { throw null; } set { throw null; } }

        public int childCount { get { throw null; } }

        public Transform GetChild(int index) { throw null; }

        public void SetParent(Transform parent, bool worldPositionStays) { throw null; }

        public int GetSiblingIndex() { throw null; }

        public void SetSiblingIndex(int index) { throw null; }

        public bool IsChildOf(Transform parent) { throw null; }
    }

    [AttributeUsage(AttributeTargets.Class, Inherited = false)]
    public sealed class DisallowMultipleComponent : Attribute { }

    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
    public sealed class RequireComponent : Attribute
    {
        public Type m_Type0;
        public Type m_Type1;
        public Type m_Type2;

        public RequireComponent(Type requiredComponent) { }
    }

    public class Texture : Object { }

    public sealed class Shader : Object
    {
        public static Shader Find(string name) { throw null; }

        public int GetPropertyCount() { throw null; }

        public string GetPropertyName(int propertyIndex) { throw null; }

        public Rendering.ShaderPropertyType GetPropertyType(int propertyIndex) { throw null; }

        public int FindPropertyIndex(string propertyName) { throw null; }
    }

    public class Material : Object
    {
        public Material(Shader shader) { }

        public Material(Material source) { }

        public Shader shader { get { throw null; } set { throw null; } }

        public bool HasProperty(string name) { throw null; }

        public void SetColor(string name, Color value) { throw null; }

        public Color GetColor(string name) { throw null; }

        public void SetFloat(string name, float value) { throw null; }

        public float GetFloat(string name) { throw null; }

        public void SetInteger(string name, int value) { throw null; }

        public int GetInteger(string name) { throw null; }

        public void SetVector(string name, Vector4 value) { throw null; }

        public Vector4 GetVector(string name) { throw null; }

        public void SetTexture(string name, Texture value) { throw null; }

        public Texture GetTexture(string name) { throw null; }
    }
}
