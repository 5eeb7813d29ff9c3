"""Prefabs: instantiate, create, apply and revert."""

from __future__ import annotations

import copy

from ...catalog._models import ObjectTarget
from ...catalog._tools import CreatePrefabParams, InstantiatePrefabParams, PrefabInstanceParams
from ..project import Asset
from ..scene import ZERO, Component, GameObject
from .base import CommandError, EditorCore, Outcome, asset_path, vec


class PrefabCommands(EditorCore):
    """Catalog domain *prefabs*."""

    def _instantiate_prefab(self, p: InstantiatePrefabParams) -> Outcome:
        path = asset_path(p.prefab_path)
        asset = self._asset(path, "Prefab")
        parent = self._parent(p.parent)
        scene = parent.scene if parent is not None else self._active_scene()
        obj = self.graph.instantiate(asset.data["root"], scene, parent)
        obj.prefab_path = path
        if p.position is not None:
            obj.position = vec(p.position, ZERO)
        self._touched(scene)
        return {"prefab_path": path, "object": obj.summary()}

    def _create_prefab(self, p: CreatePrefabParams) -> Outcome:
        obj = self._target(p)
        path = asset_path(p.prefab_path, ".prefab")
        existing = self.assets.get(path)
        if existing is not None and existing.type != "Prefab":
            raise CommandError(f"'{path}' is a {existing.type}, not a prefab")
        obj.prefab_path = path
        snapshot = obj.snapshot()
        self.assets[path] = Asset("Prefab", self._guid(path), {"root": snapshot})
        self._emit("assets_imported", {"paths": [path]})
        self._touched(obj.scene, hierarchy=False)
        return {"prefab_path": path, "object": obj.summary(), "created": existing is None}

    def _apply_prefab(self, p: PrefabInstanceParams) -> Outcome:
        root, asset = self._prefab_instance(p)
        snapshot = root.snapshot()
        # The root's position and rotation are per-instance: they are never applied.
        snapshot["position"] = asset.data["root"]["position"]
        snapshot["rotation"] = asset.data["root"]["rotation"]
        asset.data["root"] = snapshot
        assert root.prefab_path is not None
        self._emit("assets_imported", {"paths": [root.prefab_path]})
        return {"prefab_path": root.prefab_path, "object": root.summary()}

    def _revert_prefab(self, p: PrefabInstanceParams) -> Outcome:
        root, asset = self._prefab_instance(p)
        template = asset.data["root"]
        gone: set[int] = set()
        for child in list(root.children):
            gone.update(self.graph.remove(child))
        self.selection = [i for i in self.selection if i not in gone]
        root.name = template["name"]
        root.active = template["active"]
        root.tag = template["tag"]
        root.layer = template["layer"]
        root.scale = tuple(template["scale"])
        root.components = {
            c["type"]: Component(c["type"], c["enabled"], copy.deepcopy(c["properties"]))
            for c in template["components"]
        }
        for child in template["children"]:
            self.graph.instantiate(child, root.scene, root)
        self._touched(root.scene)
        assert root.prefab_path is not None
        return {"prefab_path": root.prefab_path, "object": root.summary()}

    def _prefab_instance(self, p: ObjectTarget) -> tuple[GameObject, Asset]:
        obj = self._target(p)
        root: GameObject | None = obj
        while root is not None and root.prefab_path is None:
            root = root.parent
        if root is None or root.prefab_path is None:
            raise CommandError(f"'{obj.path}' is not part of a prefab instance")
        asset = self.assets.get(root.prefab_path)
        if asset is None or asset.type != "Prefab":
            raise CommandError(f"the prefab asset '{root.prefab_path}' of '{root.path}' is missing")
        return root, asset
