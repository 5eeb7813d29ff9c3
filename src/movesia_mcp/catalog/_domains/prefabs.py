"""Prefabs: instantiating, creating, applying and reverting overrides."""

from __future__ import annotations

from pydantic import Field

from .._models import AssetPath, GameObjectSummary, ObjectTarget, Params, Result, Vec3


class InstantiatePrefabParams(Params):
    prefab_path: AssetPath
    parent: str | None = Field(None, description="Parent hierarchy path; omit for scene root")
    position: Vec3 | None = Field(None, description="World position, [x, y, z]")


class CreatePrefabParams(ObjectTarget):
    prefab_path: AssetPath


class PrefabInstanceParams(ObjectTarget):
    pass


class PrefabResult(Result):
    prefab_path: str
    object: GameObjectSummary | None = None
