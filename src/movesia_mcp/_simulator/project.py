"""The project a new ``SimulatedEditor`` opens: assets, scenes, settings.

The sample is small enough to read in a test: SampleScene (camera, light, ground, a
Player with children, an Environment tree, an Enemy prefab instance, a Canvas) and an
unloaded Level2. Benchmarks add generated objects to SampleScene.
"""

from __future__ import annotations

import copy
import gc
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .compiler import public_fields
from .scene import (
    Component,
    GameObject,
    Scene,
    SceneGraph,
    builtin_component,
    primitive_components,
)

# Generated benchmark scenes: this many root groups, children in a 10-ary tree below.
GENERATED_ROOTS = 100
GENERATED_BRANCHING = 10

TAGS = [
    "Untagged",
    "Respawn",
    "Finish",
    "EditorOnly",
    "MainCamera",
    "Player",
    "GameController",
    "Enemy",
]
LAYERS: dict[int, str] = {
    0: "Default",
    1: "TransparentFX",
    2: "Ignore Raycast",
    4: "Water",
    5: "UI",
    6: "Ground",
    7: "Characters",
}
SHADERS: dict[str, dict[str, Any]] = {
    "Standard": {
        "_Color": [1.0, 1.0, 1.0, 1.0],
        "_MainTex": None,
        "_Glossiness": 0.5,
        "_Metallic": 0.0,
        "_EmissionColor": [0.0, 0.0, 0.0, 1.0],
    },
    "Unlit/Color": {"_Color": [1.0, 1.0, 1.0, 1.0]},
    "Unlit/Texture": {"_MainTex": None},
    "Universal Render Pipeline/Lit": {
        "_BaseColor": [1.0, 1.0, 1.0, 1.0],
        "_BaseMap": None,
        "_Smoothness": 0.5,
        "_Metallic": 0.0,
    },
    "Universal Render Pipeline/Unlit": {"_BaseColor": [1.0, 1.0, 1.0, 1.0], "_BaseMap": None},
    "Sprites/Default": {"_Color": [1.0, 1.0, 1.0, 1.0], "_MainTex": None},
    "Legacy Shaders/Diffuse": {"_Color": [1.0, 1.0, 1.0, 1.0], "_MainTex": None},
}
PLAYER_CONTROLLER = """\
using UnityEngine;

public class PlayerController : MonoBehaviour
{
    public float speed = 5f;
    public bool canJump = true;

    void Start()
    {
        Debug.Log("Player ready");
    }

    void Update()
    {
        var move = new Vector3(Input.GetAxis("Horizontal"), 0f, Input.GetAxis("Vertical"));
        transform.Translate(move * speed * Time.deltaTime);
    }
}
"""


@dataclass(slots=True)
class Asset:
    type: str  # Prefab, Material, Script, Scene, Texture2D
    guid: str
    data: dict[str, Any] = field(default_factory=dict)


def build_sample_project(graph: SceneGraph, guid: Callable[[str], str]) -> dict[str, Asset]:
    """SampleScene (loaded, active) and Level2 in ``graph``; returns the project's assets."""
    assets: dict[str, Asset] = {}
    for path, asset_type in (
        ("Assets/Scenes/SampleScene.unity", "Scene"),
        ("Assets/Scenes/Level2.unity", "Scene"),
        ("Assets/Textures/Grass.png", "Texture2D"),
    ):
        assets[path] = Asset(asset_type, guid(path))
    assets["Assets/Scripts/PlayerController.cs"] = Asset(
        "Script",
        guid("Assets/Scripts/PlayerController.cs"),
        {"contents": PLAYER_CONTROLLER},
    )
    for path, color in (
        ("Assets/Materials/Ground.mat", [0.3, 0.6, 0.25, 1.0]),
        ("Assets/Materials/PlayerBlue.mat", [0.2, 0.4, 0.9, 1.0]),
    ):
        properties = copy.deepcopy(SHADERS["Standard"])
        properties["_Color"] = color
        assets[path] = Asset(
            "Material", guid(path), {"shader": "Standard", "properties": properties}
        )
    main = graph.add_scene(Scene("SampleScene", "Assets/Scenes/SampleScene.unity"))
    camera = graph.create("Main Camera", main, tag="MainCamera", position=(0.0, 1.0, -10.0))
    camera.components = {
        "Camera": builtin_component("Camera"),
        "AudioListener": builtin_component("AudioListener"),
    }
    light = graph.create(
        "Directional Light", main, position=(0.0, 3.0, 0.0), rotation=(50.0, -30.0, 0.0)
    )
    light.components = {"Light": builtin_component("Light")}
    ground = graph.create(
        "Ground", main, scale=(5.0, 1.0, 5.0), layer=6, components=primitive_components("Plane")
    )
    ground.components["MeshRenderer"].properties["materials"] = ["Assets/Materials/Ground.mat"]
    player = graph.create(
        "Player",
        main,
        tag="Player",
        layer=7,
        position=(0.0, 1.0, 0.0),
        components=primitive_components("Capsule"),
    )
    player.components["MeshRenderer"].properties["materials"] = ["Assets/Materials/PlayerBlue.mat"]
    player.components["Rigidbody"] = builtin_component("Rigidbody")
    player.components["PlayerController"] = Component(
        "PlayerController", True, public_fields(PLAYER_CONTROLLER)
    )
    model = graph.create("Model", main, player)
    graph.create(
        "Head", main, model, position=(0.0, 0.8, 0.0), components=primitive_components("Sphere")
    )
    graph.create(
        "Weapon",
        main,
        model,
        position=(0.5, 0.2, 0.3),
        scale=(0.1, 0.1, 0.8),
        components=primitive_components("Cube"),
    )
    graph.create("CameraTarget", main, player, position=(0.0, 1.6, 0.0))
    environment = graph.create("Environment", main)
    trees = graph.create("Trees", main, environment)
    for name, x in (("Oak", -4.0), ("Pine", 4.0)):
        graph.create(
            name,
            main,
            trees,
            position=(x, 1.0, 6.0),
            components=primitive_components("Cylinder"),
        )
    rocks = graph.create("Rocks", main, environment)
    graph.create(
        "Rock",
        main,
        rocks,
        position=(2.0, 0.3, -3.0),
        components=primitive_components("Sphere"),
    )
    enemy_template = GameObject(0, "Enemy", main, tag="Enemy", layer=7, position=(3.0, 0.5, 3.0))
    enemy_template.components = primitive_components("Cube")
    enemy_template.components["Rigidbody"] = builtin_component("Rigidbody")
    eye = GameObject(0, "Eye", main, position=(0.0, 0.3, 0.5), scale=(0.2, 0.2, 0.2))
    eye.components = primitive_components("Sphere")
    enemy_template.children.append(eye)
    enemy_snapshot = enemy_template.snapshot()
    assets["Assets/Prefabs/Enemy.prefab"] = Asset(
        "Prefab", guid("Assets/Prefabs/Enemy.prefab"), {"root": enemy_snapshot}
    )
    enemy = graph.instantiate(enemy_snapshot, main, None)
    enemy.prefab_path = "Assets/Prefabs/Enemy.prefab"
    canvas = graph.create("Canvas", main, layer=5)
    canvas.components = {"Canvas": builtin_component("Canvas")}

    level2 = graph.add_scene(Scene("Level2", "Assets/Scenes/Level2.unity", loaded=False))
    graph.create("Main Camera", level2, tag="MainCamera", position=(0.0, 5.0, -12.0))
    geometry = graph.create("Level Geometry", level2)
    graph.create("Floor", level2, geometry, components=primitive_components("Plane"))
    graph.create("Wall", level2, geometry, components=primitive_components("Cube"))
    return assets


def add_generated_objects(graph: SceneGraph, scene: Scene, count: int) -> None:
    """``count`` more objects: root groups with a 10-ary tree of items below each.

    Every tenth item is a Cube (MeshFilter, MeshRenderer, BoxCollider); every
    hundredth is tagged Enemy on the Characters layer, so searches find something.
    """
    if count <= 0:
        return
    # Only new objects, no garbage: collector passes over them would double the time.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        _grow(graph, scene, count)
    finally:
        if was_enabled:
            gc.enable()


def _grow(graph: SceneGraph, scene: Scene, count: int) -> None:
    objects = graph.objects
    new_id = graph.new_id
    roots = min(GENERATED_ROOTS, count)
    offsets = [(float(i % 5) * 2.0, 0.0, float(i // 5) * 2.0) for i in range(10)]
    for r in range(roots):
        size = count // roots + (1 if r < count % roots else 0)
        root = GameObject(new_id(), f"Group_{r:03d}", scene, position=(r * 10.0, 0.0, 0.0))
        scene.roots.append(root)
        objects[root.instance_id] = root
        group: list[GameObject] = [root]
        for i in range(1, size):
            parent = group[(i - 1) // GENERATED_BRANCHING]
            item = GameObject(
                new_id(),
                f"Item_{r:03d}_{i:04d}",
                scene,
                parent,
                position=offsets[i % 10],
            )
            if i % 10 == 5:
                item.components = primitive_components("Cube")
            if i % 100 == 50:
                item.tag, item.layer = "Enemy", 7
            parent.children.append(item)
            objects[item.instance_id] = item
            group.append(item)
        scene.object_count += size


def project_settings(project_path: str, unity_version: str) -> dict[str, dict[str, Any]]:
    name = posixpath.basename(project_path.rstrip("/")) or "SimProject"
    return {
        "player": {
            "productName": name,
            "companyName": "DefaultCompany",
            "bundleVersion": "0.1.0",
            "defaultScreenWidth": 1920,
            "defaultScreenHeight": 1080,
            "fullScreenMode": "FullScreenWindow",
            "colorSpace": "Linear",
            "scriptingBackend": "Mono",
            "apiCompatibilityLevel": ".NET Standard 2.1",
            "activeInputHandler": "Both",
        },
        "quality": {
            "levels": ["Very Low", "Low", "Medium", "High", "Very High", "Ultra"],
            "currentLevel": "High",
            "vSyncCount": 1,
            "antiAliasing": 2,
            "shadowDistance": 150.0,
            "pixelLightCount": 4,
        },
        "physics": {
            "gravity": [0.0, -9.81, 0.0],
            "defaultSolverIterations": 6,
            "bounceThreshold": 2.0,
            "sleepThreshold": 0.005,
            "queriesHitTriggers": True,
            "autoSyncTransforms": False,
        },
        "time": {
            "fixedDeltaTime": 0.02,
            "maximumDeltaTime": 0.3333333,
            "timeScale": 1.0,
            "maximumParticleDeltaTime": 0.03,
        },
        "tags_and_layers": {
            "tags": list(TAGS),
            "layers": {str(number): layer for number, layer in LAYERS.items()},
            "sortingLayers": ["Default"],
        },
        "editor": {
            "unityVersion": unity_version,
            "projectPath": project_path,
            "serializationMode": "ForceText",
            "assetPipelineMode": "Version2",
            "enterPlayModeOptionsEnabled": True,
            "enterPlayModeOptions": "DisableDomainReload",
            "lineEndingsForNewScripts": "OSNative",
        },
        "graphics": {
            "renderPipeline": "Built-in",
            "colorSpace": "Linear",
            "tier": "Tier3",
            "alwaysIncludedShaders": ["Legacy Shaders/Diffuse", "Sprites/Default", "UI/Default"],
        },
    }
