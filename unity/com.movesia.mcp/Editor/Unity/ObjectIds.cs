// The one place that turns Unity objects into wire ids (instance_id) and back.
//
// Before Unity 6000.4 the wire id is Object.GetInstanceID(), a 32-bit int.
// From 6000.4 (where GetInstanceID is deprecated, and a compile error from 6000.5) objects
// are identified by a 64-bit EntityId whose raw value does not fit a JavaScript number.
// The wire id is then the entity id's low 32 bits read as a signed int: the same number
// GetInstanceID() returned on 6000.3 to 6000.5, always a JSON-safe integer. A lookup cache
// maps it back to the full EntityId; on a miss the loaded scenes are walked (instance ids
// on the wire only ever name GameObjects of loaded scenes). See Documentation~/ids.md.
using System.Collections.Generic;
using UnityEditor;
using UnityEngine;
using UnityEngine.SceneManagement;

namespace Movesia.Mcp.Editor
{
    public static class ObjectIds
    {
#if UNITY_6000_4_OR_NEWER
        // low 32 bits -> full raw entity id, for ids we handed out (bounded, rebuilt on demand).
        private static readonly Dictionary<int, ulong> Known = new Dictionary<int, ulong>();
        private const int MaxKnown = 100000;
#endif

        /// <summary>The wire id of an object: always within ±(2^31), so exact in JSON.</summary>
        public static long Of(Object obj)
        {
            if (obj == null)
            {
                return 0;
            }
#if UNITY_6000_4_OR_NEWER
            ulong raw = EntityId.ToULong(obj.GetEntityId());
            int wire = LowBits(raw);
            if (Known.Count >= MaxKnown)
            {
                Known.Clear();
            }
            Known[wire] = raw;
            return wire;
#else
            return obj.GetInstanceID();
#endif
        }

        /// <summary>The GameObject of a loaded scene with this wire id, or null.</summary>
        public static GameObject FindGameObject(long wireId)
        {
#if UNITY_6000_4_OR_NEWER
            if (wireId < int.MinValue || wireId > int.MaxValue)
            {
                // Not one of ours; a client may still hold a full raw entity id.
                return EditorUtility.EntityIdToObject(EntityId.FromULong(unchecked((ulong)wireId))) as GameObject;
            }
            int wire = (int)wireId;
            ulong raw;
            if (Known.TryGetValue(wire, out raw))
            {
                GameObject cached = EditorUtility.EntityIdToObject(EntityId.FromULong(raw)) as GameObject;
                if (cached != null)
                {
                    return cached;
                }
                Known.Remove(wire);
            }
            return WalkScenes(wire);
#else
            if (wireId < int.MinValue || wireId > int.MaxValue)
            {
                return null;
            }
            // Deprecated (a warning) on 6000.3, where EntityId cannot yet be built from a number.
#pragma warning disable 618
            return EditorUtility.InstanceIDToObject((int)wireId) as GameObject;
#pragma warning restore 618
#endif
        }

#if UNITY_6000_4_OR_NEWER
        private static int LowBits(ulong raw)
        {
            return unchecked((int)(uint)(raw & 0xFFFFFFFFUL));
        }

        private static GameObject WalkScenes(int wire)
        {
            var stack = new Stack<Transform>();
            for (int i = 0; i < SceneManager.sceneCount; i++)
            {
                Scene scene = SceneManager.GetSceneAt(i);
                if (!scene.isLoaded)
                {
                    continue;
                }
                foreach (GameObject root in scene.GetRootGameObjects())
                {
                    stack.Push(root.transform);
                }
            }
            while (stack.Count > 0)
            {
                Transform t = stack.Pop();
                ulong raw = EntityId.ToULong(t.gameObject.GetEntityId());
                if (LowBits(raw) == wire)
                {
                    Known[wire] = raw;
                    return t.gameObject;
                }
                for (int c = 0; c < t.childCount; c++)
                {
                    stack.Push(t.GetChild(c));
                }
            }
            return null;
        }
#endif
    }
}
