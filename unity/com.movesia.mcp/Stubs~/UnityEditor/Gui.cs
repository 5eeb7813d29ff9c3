// Stubs: EditorWindow and the IMGUI helpers the Movesia window uses (see Editor.cs).
using System;
using UnityEngine;

namespace UnityEditor
{
    public enum MessageType { None, Info, Warning, Error }

    public class EditorWindow : ScriptableObject
    {
        public GUIContent titleContent { get { throw null; } set { throw null; } }

        public static T GetWindow<T>() where T : EditorWindow { throw null; }

        public void Show() { throw null; }

        public void Repaint() { throw null; }

        public void ShowNotification(GUIContent notification) { throw null; }
    }

    public sealed class EditorStyles
    {
        public static GUIStyle boldLabel { get { throw null; } }
    }

    public sealed class EditorGUIUtility
    {
        public static float singleLineHeight { get { throw null; } }

        public static string systemCopyBuffer { get { throw null; } set { throw null; } }
    }

    public class EditorGUI
    {
        public struct DisabledScope : IDisposable
        {
            public DisabledScope(bool disabled) { }

            public void Dispose() { throw null; }
        }
    }

    public class EditorGUILayout
    {
        public static void LabelField(string label, params GUILayoutOption[] options) { throw null; }

        public static void LabelField(string label, GUIStyle style, params GUILayoutOption[] options) { throw null; }

        public static void LabelField(string label, string label2, params GUILayoutOption[] options) { throw null; }

        public static void SelectableLabel(string text, params GUILayoutOption[] options) { throw null; }

        public static void HelpBox(string message, MessageType type) { throw null; }

        public static Rect BeginHorizontal(params GUILayoutOption[] options) { throw null; }

        public static void EndHorizontal() { throw null; }

        public static Vector2 BeginScrollView(Vector2 scrollPosition, params GUILayoutOption[] options) { throw null; }

        public static void EndScrollView() { throw null; }

        public static void Space() { throw null; }

        public static string TextField(GUIContent label, string text, params GUILayoutOption[] options) { throw null; }

        public static string PasswordField(GUIContent label, string password, params GUILayoutOption[] options) { throw null; }

        public static bool Toggle(GUIContent label, bool value, params GUILayoutOption[] options) { throw null; }
    }
}
