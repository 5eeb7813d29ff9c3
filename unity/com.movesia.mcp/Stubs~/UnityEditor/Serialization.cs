// Stubs: SerializedObject / SerializedProperty (see Editor.cs).
using System;
using UnityEngine;
using Object = UnityEngine.Object;

namespace UnityEditor
{
    public enum SerializedPropertyType
    {
        Generic = -1, Integer = 0, Boolean = 1, Float = 2, String = 3, Color = 4, ObjectReference = 5,
        LayerMask = 6, Enum = 7, Vector2 = 8, Vector3 = 9, Vector4 = 10, Rect = 11, ArraySize = 12,
        Character = 13, AnimationCurve = 14, Bounds = 15, Gradient = 16, Quaternion = 17,
        ExposedReference = 18, FixedBufferSize = 19, Vector2Int = 20, Vector3Int = 21, RectInt = 22,
        BoundsInt = 23, ManagedReference = 24, Hash128 = 25,
    }

    public class SerializedObject : IDisposable
    {
        public SerializedObject(Object obj) { }

        public SerializedProperty FindProperty(string propertyPath) { throw null; }

        public SerializedProperty GetIterator() { throw null; }

        public bool ApplyModifiedProperties() { throw null; }

        public void Dispose() { throw null; }
    }

    public class SerializedProperty : IDisposable
    {
        public string name { get { throw null; } }

        public string type { get { throw null; } }

        public SerializedPropertyType propertyType { get { throw null; } }

        public long longValue { get { throw null; } set { throw null; } }

        public int intValue { get { throw null; } set { throw null; } }

        public bool boolValue { get { throw null; } set { throw null; } }

        public float floatValue { get { throw null; } set { throw null; } }

        public string stringValue { get { throw null; } set { throw null; } }

        public Color colorValue { get { throw null; } set { throw null; } }

        public Vector2 vector2Value { get { throw null; } set { throw null; } }

        public Vector3 vector3Value { get { throw null; } set { throw null; } }

        public Vector4 vector4Value { get { throw null; } set { throw null; } }

        public Quaternion quaternionValue { get { throw null; } set { throw null; } }

        public Rect rectValue { get { throw null; } set { throw null; } }

        public Bounds boundsValue { get { throw null; } set { throw null; } }

        public Vector2Int vector2IntValue { get { throw null; } set { throw null; } }

        public Vector3Int vector3IntValue { get { throw null; } set { throw null; } }

        public string[] enumNames { get { throw null; } }

        public string[] enumDisplayNames { get { throw null; } }

        public int enumValueIndex { get { throw null; } set { throw null; } }

        public Object objectReferenceValue { get { throw null; } set { throw null; } }

        public bool isArray { get { throw null; } }

        public int arraySize { get { throw null; } set { throw null; } }

        public bool hasVisibleChildren { get { throw null; } }

#if UNITY_2022_1_OR_NEWER || UNITY_6000_4_OR_NEWER
        public object boxedValue { get { throw null; } set { throw null; } }
#endif

        public SerializedProperty GetArrayElementAtIndex(int index) { throw null; }

        public SerializedProperty FindPropertyRelative(string relativePropertyPath) { throw null; }

        public SerializedProperty Copy() { throw null; }

        public SerializedProperty GetEndProperty() { throw null; }

        public bool NextVisible(bool enterChildren) { throw null; }

        public static bool EqualContents(SerializedProperty x, SerializedProperty y) { throw null; }

        public void Dispose() { throw null; }
    }
}
