"""The editor itself: its state, play mode, the selection, menu items, project settings."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .._models import GameObjectSummary, Params, Result


class EditorState(Result):
    unity_version: str
    project_path: str
    is_playing: bool
    is_paused: bool
    is_compiling: bool
    active_scene: str
    loaded_scenes: list[str] = Field(default_factory=list)
    selection: list[int] = Field(default_factory=list)


class PlayModeParams(Params):
    action: Literal["play", "pause", "unpause", "stop", "step"] = Field(
        description="play, pause, unpause, stop, or step one frame"
    )


class PlayModeResult(Result):
    is_playing: bool
    is_paused: bool


class SelectionResult(Result):
    objects: list[GameObjectSummary]


class SetSelectionParams(Params):
    paths: list[str] = Field(default_factory=list, description="Hierarchy paths to select")
    instance_ids: list[int] = Field(
        default_factory=list, description="Instance ids to select, from previous results"
    )


class MenuItemParams(Params):
    menu_path: str = Field(description="Menu path, e.g. 'GameObject/3D Object/Cube'")


class ProjectSettingsParams(Params):
    category: Literal[
        "player", "quality", "physics", "time", "tags_and_layers", "editor", "graphics"
    ] = Field(description="Which settings to read")


class ProjectSettingsResult(Result):
    category: str
    settings: dict[str, Any]
