// capture_view: one camera (the main camera, the Scene view's, or a named one) rendered
// into a RenderTexture of the asked size, read back with Texture2D.ReadPixels and sent as
// a base64 PNG (png_base64) beside its description; the server turns it into MCP image
// content. Sizes are bounded by the catalog (16..2048) and checked again here.
using System;
using System.Collections.Generic;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using UnityEditor;
using UnityEngine;

namespace Movesia.Mcp.Editor
{
    internal static class CaptureHandlers
    {
        private const int MinSize = 16;
        private const int MaxSize = 2048;

        public static CommandOutcome CaptureView(JObject args)
        {
            string view = Args.StringOr(args, "view", "game");
            string cameraName = Args.OptionalString(args, "camera");
            int width = Args.Int(args, "width", 640, MinSize, MaxSize);
            int height = Args.Int(args, "height", 360, MinSize, MaxSize);
            Camera camera = Choose(view, cameraName);
            byte[] png = Render(camera, width, height);
            return CommandOutcome.Done(Describe(view, camera, width, height, png));
        }

        private static Camera Choose(string view, string name)
        {
            switch (view)
            {
                case "game":
                    if (Camera.main != null)
                    {
                        return Camera.main;
                    }
                    if (Camera.allCameras.Length > 0)
                    {
                        return Camera.allCameras[0];
                    }
                    throw new CommandException("the Game view has no camera to render: no Camera in the scene");
                case "scene":
                    SceneView sceneView = SceneView.lastActiveSceneView;
                    if (sceneView == null || sceneView.camera == null)
                    {
                        throw new CommandException("no Scene view is open; open one (Window > General > Scene) or use view 'game'");
                    }
                    return sceneView.camera;
                case "camera":
                    return Named(name);
                default:
                    throw new CommandException("unknown view '" + view + "'; use game, scene or camera");
            }
        }

        private static Camera Named(string name)
        {
            if (string.IsNullOrEmpty(name))
            {
                throw new CommandException("view 'camera' needs 'camera': the camera's hierarchy path or name");
            }
            GameObject go = Targets.FindByPath(name, null);
            var names = new List<string>();
            foreach (GameObject candidate in Targets.AllObjects(null))
            {
                Camera found = candidate.GetComponent<Camera>();
                if (found == null)
                {
                    continue;
                }
                if (go == null && candidate.name == name)
                {
                    go = candidate;
                }
                names.Add(Targets.PathOf(candidate));
            }
            Camera camera = go != null ? go.GetComponent<Camera>() : null;
            if (camera == null)
            {
                string known = names.Count > 0 ? string.Join(", ", names.ToArray()) : "none";
                throw new CommandException("no camera '" + name + "' in the loaded scenes (cameras: " + known + ")");
            }
            return camera;
        }

        private static byte[] Render(Camera camera, int width, int height)
        {
            var target = new RenderTexture(width, height, 24);
            var picture = new Texture2D(width, height, TextureFormat.RGB24, false);
            RenderTexture previousTarget = camera.targetTexture;
            RenderTexture previousActive = RenderTexture.active;
            try
            {
                camera.targetTexture = target;
                camera.Render();
                RenderTexture.active = target;
                picture.ReadPixels(new Rect(0, 0, width, height), 0, 0);
                picture.Apply();
                return ImageConversion.EncodeToPNG(picture);
            }
            finally
            {
                camera.targetTexture = previousTarget;
                RenderTexture.active = previousActive;
                target.Release();
                UnityEngine.Object.DestroyImmediate(target);
                UnityEngine.Object.DestroyImmediate(picture);
            }
        }

        // builds: CaptureViewResult
        private static JObject Describe(string view, Camera camera, int width, int height, byte[] png)
        {
            bool named = view != "scene";
            return new JObject
            {
                { "view", view },
                { "camera", named ? (JToken)Targets.PathOf(camera.gameObject) : JValue.CreateNull() },
                { "width", width },
                { "height", height },
                { "objects_drawn", ObjectsInView(camera) },
                { "mime_type", "image/png" },
                { "png_bytes", png.Length },
                { "png_base64", Convert.ToBase64String(png) },
            };
        }

        // Rendered objects whose position is inside the camera's view (a cheap measure:
        // an object partly in view with its pivot outside is not counted).
        private static int ObjectsInView(Camera camera)
        {
            int count = 0;
            foreach (GameObject go in Targets.AllObjects(null))
            {
                Renderer renderer = go.GetComponent<Renderer>();
                if (renderer == null || !renderer.enabled || !go.activeInHierarchy)
                {
                    continue;
                }
                Vector3 p = camera.WorldToViewportPoint(go.transform.position);
                if (p.z > 0 && p.x >= 0 && p.x <= 1 && p.y >= 0 && p.y <= 1)
                {
                    count++;
                }
            }
            return count;
        }
    }
}
