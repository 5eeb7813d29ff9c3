"""The simulated editor's scene graph: GameObjects, components and scenes, no I/O.

Objects are ``__slots__`` dataclasses indexed by instance id, so a 100,000-object scene
builds in well under a second and queries never walk more of the tree than they
return. Transforms are stored local, as immutable ``(x, y, z)`` triples: an untouched
object shares the one ``ZERO``/``ONE`` tuple with every other.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

Vec3 = tuple[float, float, float]
ZERO: Vec3 = (0.0, 0.0, 0.0)
ONE: Vec3 = (1.0, 1.0, 1.0)

# Default serialized properties of the built-in component types the simulator knows.
BUILTIN_COMPONENTS: dict[str, dict[str, Any]] = {
    "Camera": {
        "fieldOfView": 60.0,
        "nearClipPlane": 0.3,
        "farClipPlane": 1000.0,
        "orthographic": False,
        "clearFlags": "Skybox",
        "backgroundColor": [0.19, 0.3, 0.47, 0.0],
        "depth": -1.0,
    },
    "Light": {
        "type": "Directional",
        "color": [1.0, 0.96, 0.84, 1.0],
        "intensity": 1.0,
        "range": 10.0,
        "shadows": "Soft",
    },
    "AudioListener": {},
    "AudioSource": {"clip": None, "volume": 1.0, "pitch": 1.0, "loop": False, "playOnAwake": True},
    "MeshFilter": {"mesh": None},
    "MeshRenderer": {
        "materials": ["Default-Material"],
        "shadowCastingMode": "On",
        "receiveShadows": True,
    },
    "SkinnedMeshRenderer": {"materials": ["Default-Material"], "rootBone": None},
    "BoxCollider": {"isTrigger": False, "center": [0.0, 0.0, 0.0], "size": [1.0, 1.0, 1.0]},
    "SphereCollider": {"isTrigger": False, "center": [0.0, 0.0, 0.0], "radius": 0.5},
    "CapsuleCollider": {
        "isTrigger": False,
        "center": [0.0, 0.0, 0.0],
        "radius": 0.5,
        "height": 2.0,
        "direction": 1,
    },
    "MeshCollider": {"isTrigger": False, "convex": False, "sharedMesh": None},
    "Rigidbody": {
        "mass": 1.0,
        "drag": 0.0,
        "angularDrag": 0.05,
        "useGravity": True,
        "isKinematic": False,
    },
    "CharacterController": {
        "height": 2.0,
        "radius": 0.5,
        "slopeLimit": 45.0,
        "stepOffset": 0.3,
        "center": [0.0, 0.0, 0.0],
    },
    "Animator": {"controller": None, "applyRootMotion": False, "speed": 1.0},
    "ParticleSystem": {"duration": 5.0, "looping": True, "startSpeed": 5.0, "maxParticles": 1000},
    "Canvas": {"renderMode": "ScreenSpaceOverlay", "sortingOrder": 0},
    "NavMeshAgent": {"speed": 3.5, "angularSpeed": 120.0, "acceleration": 8.0},
}
# Abstract types a search may name: ``component="Collider"`` finds every collider.
BASE_TYPES: dict[str, frozenset[str]] = {
    "Collider": frozenset(
        {"BoxCollider", "SphereCollider", "CapsuleCollider", "MeshCollider", "CharacterController"}
    ),
    "Renderer": frozenset({"MeshRenderer", "SkinnedMeshRenderer"}),
}
RENDERERS = BASE_TYPES["Renderer"]
# Unity's primitives: the collider each gets, and its mesh.
PRIMITIVE_COLLIDERS: dict[str, str] = {
    "Cube": "BoxCollider",
    "Sphere": "SphereCollider",
    "Capsule": "CapsuleCollider",
    "Cylinder": "CapsuleCollider",
    "Plane": "MeshCollider",
    "Quad": "MeshCollider",
}


@dataclass(slots=True, eq=False)
class Component:
    type: str
    enabled: bool = True
    properties: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "enabled": self.enabled,
            "properties": copy.deepcopy(self.properties),
        }


def builtin_component(type_name: str, **overrides: Any) -> Component:
    # Defaults hold scalars and flat lists only: copying the lists is a full copy, and
    # ten times faster than deepcopy when a benchmark scene builds thousands.
    properties = {
        key: list(value) if isinstance(value, list) else value
        for key, value in BUILTIN_COMPONENTS[type_name].items()
    }
    properties.update(overrides)
    return Component(type_name, True, properties)


def primitive_components(primitive: str) -> dict[str, Component]:
    """MeshFilter, MeshRenderer and the collider Unity gives a primitive."""
    if primitive == "Empty":
        return {}
    collider = PRIMITIVE_COLLIDERS[primitive]
    extra = {"sharedMesh": primitive} if collider == "MeshCollider" else {}
    return {
        "MeshFilter": builtin_component("MeshFilter", mesh=primitive),
        "MeshRenderer": builtin_component("MeshRenderer"),
        collider: builtin_component(collider, **extra),
    }


@dataclass(slots=True, eq=False)
class GameObject:
    instance_id: int
    name: str
    scene: Scene
    parent: GameObject | None = None
    children: list[GameObject] = field(default_factory=list)
    active: bool = True
    tag: str = "Untagged"
    layer: int = 0
    position: Vec3 = ZERO  # local
    rotation: Vec3 = ZERO  # local Euler angles, degrees
    scale: Vec3 = ONE  # local
    components: dict[str, Component] = field(default_factory=dict)  # Transform is implicit
    prefab_path: str | None = None  # set on the root of a prefab instance

    @property
    def path(self) -> str:
        names = [self.name]
        node = self.parent
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "/".join(reversed(names))

    def component_names(self) -> list[str]:
        return ["Transform", *self.components]

    def walk(self) -> Iterator[GameObject]:
        """This object and its descendants, depth first, in hierarchy order."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def is_descendant_of(self, other: GameObject) -> bool:
        node = self.parent
        while node is not None:
            if node is other:
                return True
            node = node.parent
        return False

    def world_position(self) -> Vec3:
        """World position (rotation is ignored: the simulator does translation and scale)."""
        x, y, z = self.position
        node = self.parent
        while node is not None:
            sx, sy, sz = node.scale
            px, py, pz = node.position
            x, y, z = px + sx * x, py + sy * y, pz + sz * z
            node = node.parent
        return (x, y, z)

    def summary(self, path: str | None = None) -> dict[str, Any]:
        """As a ``GameObjectSummary`` of the catalog."""
        return {
            "instance_id": self.instance_id,
            "name": self.name,
            "path": self.path if path is None else path,
            "active": self.active,
            "tag": self.tag,
            "layer": self.layer,
            "child_count": len(self.children),
            "components": self.component_names(),
        }

    def transform(self) -> Component:
        """The Transform, as the Inspector shows it."""
        return Component(
            "Transform",
            True,
            {
                "localPosition": list(self.position),
                "localEulerAngles": list(self.rotation),
                "localScale": list(self.scale),
                "position": list(self.world_position()),
            },
        )

    def snapshot(self) -> dict[str, Any]:
        """The subtree as plain data (a prefab asset, a duplicate's template)."""
        return {
            "name": self.name,
            "active": self.active,
            "tag": self.tag,
            "layer": self.layer,
            "position": self.position,
            "rotation": self.rotation,
            "scale": self.scale,
            "components": [c.to_dict() for c in self.components.values()],
            "prefab_path": self.prefab_path,
            "children": [child.snapshot() for child in self.children],
        }


@dataclass(slots=True, eq=False)
class Scene:
    name: str
    path: str
    roots: list[GameObject] = field(default_factory=list)
    loaded: bool = True
    dirty: bool = False
    object_count: int = 0

    def info(self, active: bool) -> dict[str, Any]:
        """As a ``SceneInfo`` of the catalog."""
        return {
            "name": self.name,
            "path": self.path,
            "is_active": active,
            "is_dirty": self.dirty,
            "root_count": len(self.roots),
            "is_loaded": self.loaded,
        }


class SceneGraph:
    """Every scene in memory, the loaded ones in load order, and an id → object index."""

    def __init__(self, first_id: int = 10_000) -> None:
        self.scenes: dict[str, Scene] = {}
        self.loaded: list[Scene] = []
        self.active: Scene | None = None
        self.objects: dict[int, GameObject] = {}
        self._next_id = first_id

    # ── scenes ──────────────────────────────────────────────────────────────────────

    def add_scene(self, scene: Scene) -> Scene:
        self.scenes[scene.path] = scene
        if scene.loaded:
            self.loaded.append(scene)
            self.active = self.active or scene
        return scene

    def load(self, scene: Scene, *, additive: bool) -> None:
        """Load ``scene``; unless ``additive``, unload the others and make it active.

        An unloaded scene keeps its objects as they are, as if the user had answered
        "Save" when Unity asked; its instance ids stay the same when it loads again.
        """
        if not additive:
            for other in self.loaded:
                if other is not scene:
                    other.loaded = False
            self.loaded = [scene] if scene.loaded else []
        if not scene.loaded:
            scene.loaded = True
            self.loaded.append(scene)
        if not additive or self.active is None:
            self.active = scene

    def forget(self, path: str) -> None:
        """Drop an unloaded scene and its objects (its asset was deleted)."""
        scene = self.scenes.pop(path, None)
        if scene is not None:
            for root in scene.roots:
                for node in root.walk():
                    del self.objects[node.instance_id]

    def loaded_scene(self, name: str) -> Scene | None:
        for scene in self.loaded:
            if name in (scene.name, scene.path):
                return scene
        return None

    # ── objects ─────────────────────────────────────────────────────────────────────

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def add(
        self, obj: GameObject, parent: GameObject | None, index: int | None = None
    ) -> GameObject:
        """Put a new (childless) ``obj`` under ``parent``, or at the root of its scene."""
        if parent is not None:
            obj.scene = parent.scene
        siblings = parent.children if parent is not None else obj.scene.roots
        obj.parent = parent
        siblings.insert(len(siblings) if index is None else index, obj)
        self.objects[obj.instance_id] = obj
        obj.scene.object_count += 1
        return obj

    def create(
        self,
        name: str,
        scene: Scene,
        parent: GameObject | None = None,
        *,
        index: int | None = None,
        **attrs: Any,
    ) -> GameObject:
        return self.add(GameObject(self.new_id(), name, scene, **attrs), parent, index)

    def get(self, instance_id: int) -> GameObject | None:
        """The object with this id, if it is in a loaded scene."""
        obj = self.objects.get(instance_id)
        return obj if obj is not None and obj.scene.loaded else None

    def find(self, path: str, scene: Scene | None = None) -> GameObject | None:
        """The first object at hierarchy path ``path`` (``GameObject.Find`` semantics)."""
        names = [part for part in path.strip().strip("/").split("/") if part]
        if not names:
            return None
        scenes = [scene] if scene is not None else self.loaded
        for candidate_scene in scenes:
            level: list[GameObject] = candidate_scene.roots
            found: GameObject | None = None
            for name in names:
                found = next((o for o in level if o.name == name), None)
                if found is None:
                    break
                level = found.children
            if found is not None:
                return found
        return None

    def detach(self, obj: GameObject) -> None:
        siblings = obj.parent.children if obj.parent is not None else obj.scene.roots
        siblings.remove(obj)
        obj.parent = None

    def remove(self, obj: GameObject) -> list[int]:
        """Delete ``obj`` and its subtree; returns the ids that are gone."""
        self.detach(obj)
        gone = [node.instance_id for node in obj.walk()]
        for instance_id in gone:
            del self.objects[instance_id]
        obj.scene.object_count -= len(gone)
        return gone

    def move(self, obj: GameObject, parent: GameObject | None, scene: Scene) -> None:
        """Reparent ``obj`` (to ``scene``'s root when ``parent`` is None)."""
        self.detach(obj)
        source = obj.scene
        target = parent.scene if parent is not None else scene
        if target is not source:
            count = 0
            for node in obj.walk():
                node.scene = target
                count += 1
            source.object_count -= count
            target.object_count += count
        siblings = parent.children if parent is not None else target.roots
        obj.parent = parent
        siblings.append(obj)

    def instantiate(
        self,
        snapshot: dict[str, Any],
        scene: Scene,
        parent: GameObject | None,
        *,
        index: int | None = None,
    ) -> GameObject:
        """A new subtree built from ``snapshot``, with fresh instance ids."""
        obj = GameObject(
            self.new_id(),
            snapshot["name"],
            scene,
            active=snapshot["active"],
            tag=snapshot["tag"],
            layer=snapshot["layer"],
            position=tuple(snapshot["position"]),
            rotation=tuple(snapshot["rotation"]),
            scale=tuple(snapshot["scale"]),
            components={
                c["type"]: Component(c["type"], c["enabled"], copy.deepcopy(c["properties"]))
                for c in snapshot["components"]
            },
            prefab_path=snapshot.get("prefab_path"),
        )
        self.add(obj, parent, index)
        for child in snapshot["children"]:
            self.instantiate(child, obj.scene, obj)
        return obj
