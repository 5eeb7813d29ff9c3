// Keeps an unfocused editor serving. EditorApplication.update keeps firing in the background
// on macOS and Linux (slowly), but Unity 6 on Windows parks its tick loop entirely while the
// editor is in the background, so queued commands would wait until the user clicks into
// Unity. The main thread still pumps window messages, so on Windows a native Win32 timer
// (SetTimer; its callback runs on the main thread) asks for a player-loop update every 100 ms
// while the link has work. Killed before every domain reload: a native timer calling into an
// unloaded domain would crash the editor.
using System;
using System.Runtime.InteropServices;
using UnityEditor;
using UnityEngine;

namespace Movesia.Mcp.Editor
{
    internal static class EditorWaker
    {
        private const uint IntervalMs = 100;

        private delegate void TimerProc(IntPtr hWnd, uint message, UIntPtr idEvent, uint time);

        [DllImport("user32.dll")]
        private static extern UIntPtr SetTimer(IntPtr hWnd, UIntPtr idEvent, uint elapse, TimerProc callback);

        [DllImport("user32.dll")]
        private static extern bool KillTimer(IntPtr hWnd, UIntPtr idEvent);

        // Rooted in a static field: the native timer holds a pointer to it.
        private static TimerProc callback;
        private static UIntPtr timer = UIntPtr.Zero;
        private static MainThreadQueue queue;

        /// <summary>Main thread. No-op off Windows (update keeps firing there).</summary>
        public static void Start(MainThreadQueue work)
        {
            if (Application.platform != RuntimePlatform.WindowsEditor || timer != UIntPtr.Zero)
            {
                return;
            }
            queue = work;
            callback = OnTimer;
            try
            {
                timer = SetTimer(IntPtr.Zero, UIntPtr.Zero, IntervalMs, callback);
            }
            catch (Exception)
            {
                timer = UIntPtr.Zero;   // no user32: the editor only serves while it ticks
            }
        }

        /// <summary>Main thread; before every domain reload and on quit.</summary>
        public static void Stop()
        {
            if (timer == UIntPtr.Zero)
            {
                return;
            }
            try
            {
                KillTimer(IntPtr.Zero, timer);
            }
            catch (Exception)
            {
                // nothing more to do
            }
            timer = UIntPtr.Zero;
            callback = null;
        }

        private static void OnTimer(IntPtr hWnd, uint message, UIntPtr idEvent, uint time)
        {
            try
            {
                if (queue != null && queue.WantsTicks)
                {
                    EditorApplication.QueuePlayerLoopUpdate();
                }
            }
            catch (Exception)
            {
                // never throw into native code
            }
        }
    }
}
