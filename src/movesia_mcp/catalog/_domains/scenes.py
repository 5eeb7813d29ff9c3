"""Scenes: opening, saving, creating and choosing the active one."""

from __future__ import annotations

from pydantic import Field

from .._models import Params, Result, ScenePath


class OpenSceneParams(Params):
    path: ScenePath
    additive: bool = Field(False, description="Keep the open scenes and add this one")


class SaveSceneParams(Params):
    scene: str | None = Field(None, description="Scene name; omit for the active scene")
    path: ScenePath | None = Field(None, description="Save as this path instead")


class CreateSceneParams(Params):
    path: ScenePath
    additive: bool = Field(False, description="Keep the open scenes and add the new one")


class SetActiveSceneParams(Params):
    scene: str = Field(description="Name of a loaded scene")


class SceneInfo(Result):
    name: str
    path: str
    is_active: bool = False
    is_dirty: bool = False
    root_count: int = 0


class SceneResult(Result):
    scene: SceneInfo
    loaded_scenes: list[SceneInfo] = Field(default_factory=list)
