"""Scenes: open, save, create, set active."""

from __future__ import annotations

from typing import Any

from ...catalog._tools import (
    CreateSceneParams,
    OpenSceneParams,
    SaveSceneParams,
    SetActiveSceneParams,
)
from ..project import Asset
from ..scene import Scene
from .base import CommandError, EditorCore, Outcome, asset_path, stem


class SceneCommands(EditorCore):
    """Catalog domain *scenes*."""

    def _open_scene(self, p: OpenSceneParams) -> Outcome:
        path = asset_path(p.path, ".unity")
        self._not_playing("open a scene")
        self._asset(path, "Scene")
        scene = self.graph.scenes.get(path) or self.graph.add_scene(
            Scene(stem(path), path, loaded=False)
        )
        before = list(self.graph.loaded)
        self.graph.load(scene, additive=p.additive)
        unloaded = [s.name for s in before if not s.loaded]
        self._drop_unloaded_selection()
        self._emit("scene_opened", {"name": scene.name, "path": path, "additive": p.additive})
        self._touched(scene, hierarchy=True, dirty=False)
        self._hierarchy_changed.update(unloaded)
        return self._scene_result(scene)

    def _save_scene(self, p: SaveSceneParams) -> Outcome:
        self._not_playing("save a scene")
        scene = self._active_scene() if p.scene is None else self._loaded_scene(p.scene)
        created = False
        if p.path is not None:
            path = asset_path(p.path, ".unity")
            if path != scene.path:
                other = self.graph.scenes.get(path)
                if other is not None and other.loaded:
                    raise CommandError(f"'{path}' is open as scene '{other.name}'")
                existing = self.assets.get(path)
                if existing is not None and existing.type != "Scene":
                    raise CommandError(f"'{path}' is a {existing.type}, not a scene")
                del self.graph.scenes[scene.path]
                scene.path, scene.name = path, stem(path)
                self.graph.scenes[path] = scene
                created = existing is None
                self.assets[path] = Asset("Scene", self._guid(path))
        scene.dirty = False
        self._emit("scene_saved", {"name": scene.name, "path": scene.path})
        if created:
            self._emit("assets_imported", {"paths": [scene.path]})
        return self._scene_result(scene)

    def _create_scene(self, p: CreateSceneParams) -> Outcome:
        path = asset_path(p.path, ".unity")
        self._not_playing("create a scene")
        if path in self.assets:
            raise CommandError(f"an asset already exists at '{path}'; open it with open_scene")
        self.assets[path] = Asset("Scene", self._guid(path))
        scene = self.graph.add_scene(Scene(stem(path), path, loaded=False))
        self.graph.load(scene, additive=p.additive)
        self._drop_unloaded_selection()
        self._emit("assets_imported", {"paths": [path]})
        self._emit(
            "scene_opened",
            {"name": scene.name, "path": path, "additive": p.additive, "created": True},
        )
        self._touched(scene, hierarchy=True, dirty=False)
        return self._scene_result(scene)

    def _set_active_scene(self, p: SetActiveSceneParams) -> Outcome:
        scene = self._loaded_scene(p.scene)
        self.graph.active = scene
        return self._scene_result(scene)

    def _scene_result(self, scene: Scene) -> dict[str, Any]:
        active = self.graph.active
        return {
            "scene": scene.info(scene is active),
            "loaded_scenes": [s.info(s is active) for s in self.graph.loaded],
        }
