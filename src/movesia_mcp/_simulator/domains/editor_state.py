"""The editor: its state, play mode, the selection, menu items, project settings."""

from __future__ import annotations

import copy
from typing import Any

from ...catalog._tools import (
    MenuItemParams,
    NoParams,
    PlayModeParams,
    ProjectSettingsParams,
    RefreshParams,
    SaveSceneParams,
    SetSelectionParams,
)
from ..compiler import debug_logs
from ..scene import Component, GameObject, builtin_component, primitive_components
from .base import CommandError, Compilation, EditorCore, Outcome, unique_name

_MENU_PRIMITIVES = frozenset({"Cube", "Sphere", "Capsule", "Cylinder", "Plane", "Quad"})


class EditorCommands(EditorCore):
    """Catalog domain *editor*."""

    def _get_editor_state(self, p: NoParams) -> Outcome:
        return {
            "unity_version": self.unity_version,
            "project_path": self.project_path,
            "is_playing": self.is_playing,
            "is_paused": self.is_paused,
            "is_compiling": self.is_compiling,
            "active_scene": self._active_scene().name,
            "loaded_scenes": [scene.name for scene in self.graph.loaded],
            "selection": list(self.selection),
            "has_compile_errors": bool(self.compile_errors),
        }

    def _set_play_mode(self, p: PlayModeParams) -> Outcome:
        before = (self.is_playing, self.is_paused)
        if p.action == "play" and not self.is_playing:
            if self.compile_errors:
                raise CommandError(
                    "All compiler errors have to be fixed before you can enter playmode!"
                )
            self.is_playing, self.frame = True, 0
            self._run_start_methods()
        elif p.action == "stop":
            self.is_playing = self.is_paused = False
        elif p.action == "pause":
            self.is_paused = True
        elif p.action == "unpause":
            self.is_paused = False
        elif p.action == "step":
            if not self.is_playing:
                raise CommandError("step works only in play mode; play first")
            self.is_paused = True
            self.frame += 1
        if (self.is_playing, self.is_paused) != before:
            self._emit("play_mode_changed", self._play_state(before[0]))
        return {"is_playing": self.is_playing, "is_paused": self.is_paused, "frame": self.frame}

    def _play_state(self, was_playing: bool) -> dict[str, Any]:
        if self.is_playing != was_playing:
            state = "EnteredPlayMode" if self.is_playing else "EnteredEditMode"
        else:
            state = "Paused" if self.is_paused else "Unpaused"
        return {"state": state, "is_playing": self.is_playing, "is_paused": self.is_paused}

    def _run_start_methods(self) -> None:
        """The ``Debug.Log("...")`` calls of the scripts in the scene, as play mode starts."""
        logs: dict[str, list[tuple[str, str, int]]] = {}
        budget = 1_000
        for obj in self.graph.objects.values():
            if not obj.scene.loaded or not obj.active:
                continue
            for name in obj.components:
                if name not in self.script_classes:
                    continue
                if name not in logs:
                    logs[name] = debug_logs(self._script_source(name))
                for log_type, message, line in logs[name]:
                    path = self._script_path(name)
                    self._log(log_type, message, f"{name}:Start () (at {path}:{line})")
                    budget -= 1
                    if budget == 0:
                        return

    def _get_selection(self, p: NoParams) -> Outcome:
        return {"objects": [obj.summary() for obj in self._selected()]}

    def _set_selection(self, p: SetSelectionParams) -> Outcome:
        chosen: list[GameObject] = []
        missing: list[str] = []
        for path in p.paths:
            obj = self.graph.find(path)
            if obj is None:
                missing.append(repr(path))
            else:
                chosen.append(obj)
        for instance_id in p.instance_ids:
            found = self.graph.get(instance_id)
            if found is None:
                missing.append(str(instance_id))
            else:
                chosen.append(found)
        if missing:
            raise CommandError(f"GameObjects not found in the loaded scenes: {', '.join(missing)}")
        self._select(list({obj.instance_id: obj for obj in chosen}.values()))
        return {"objects": [obj.summary() for obj in self._selected()]}

    def _selected(self) -> list[GameObject]:
        return [obj for i in self.selection if (obj := self.graph.get(i)) is not None]

    def _execute_menu_item(self, p: MenuItemParams) -> Outcome:
        path = p.menu_path.strip().strip("/")
        primitive = path.removeprefix("GameObject/3D Object/")
        created: GameObject | None = None
        result: dict[str, Any] = {"success": True, "message": f"executed '{path}'"}
        if path.startswith("GameObject/3D Object/") and primitive in _MENU_PRIMITIVES:
            created = self._create_from_menu(primitive, primitive_components(primitive))
        elif path == "GameObject/Create Empty":
            created = self._create_from_menu("GameObject", {})
        elif path == "GameObject/Light/Directional Light":
            light = {"Light": builtin_component("Light")}
            created = self._create_from_menu("Directional Light", light)
        elif path == "GameObject/Camera":
            camera = {"Camera": builtin_component("Camera")}
            created = self._create_from_menu("Camera", camera)
        elif path == "Assets/Refresh":
            refreshed = self._refresh_assets(RefreshParams())
            if isinstance(refreshed, Compilation):
                return Compilation(result, refreshed.errors, answer_first=True)
        elif path == "Edit/Play":
            toggle = "stop" if self.is_playing else "play"
            self._set_play_mode(PlayModeParams.model_validate({"action": toggle}))
        elif path == "Edit/Pause":
            toggle = "unpause" if self.is_paused else "pause"
            self._set_play_mode(PlayModeParams.model_validate({"action": toggle}))
        elif path == "Edit/Step":
            self._set_play_mode(PlayModeParams(action="step"))
        elif path == "File/Save":
            self._save_scene(SaveSceneParams.model_validate({}))
        elif path not in ("File/Save Project", "Window/General/Console"):
            raise CommandError(f"ExecuteMenuItem failed because there is no menu named '{path}'")
        if created is not None:
            result["object"] = created.summary()
        return result

    def _create_from_menu(self, name: str, components: dict[str, Component]) -> GameObject:
        scene = self._active_scene()
        obj = self.graph.create(unique_name(name, scene.roots), scene, None, components=components)
        self._touched(scene)
        self._select([obj])
        return obj

    def _get_project_settings(self, p: ProjectSettingsParams) -> Outcome:
        return {"category": p.category, "settings": copy.deepcopy(self.settings[p.category])}
