"""GameObjects: creating, duplicating, renaming, reparenting, moving between scenes."""

from __future__ import annotations

from pydantic import Field

from .._models import ObjectTarget, Params, PrimitiveType, Vec3


class CreateParams(Params):
    name: str = Field(min_length=1, description="Name of the new GameObject")
    primitive: PrimitiveType = Field("Empty", description="Empty object or a primitive mesh")
    parent: str | None = Field(None, description="Parent hierarchy path; omit for scene root")
    position: Vec3 | None = Field(None, description="Local position, [x, y, z]")
    rotation: Vec3 | None = Field(None, description="Euler angles in degrees, [x, y, z]")
    scale: Vec3 | None = Field(None, description="Local scale, [x, y, z]")


class DuplicateParams(ObjectTarget):
    new_name: str | None = Field(None, description="Name of the copy; default adds ' (1)'")


class RenameParams(ObjectTarget):
    new_name: str = Field(min_length=1, description="The new name")


class ReparentParams(ObjectTarget):
    new_parent: str | None = Field(None, description="New parent path; null moves it to the root")
    keep_world_position: bool = Field(
        True, description="Keep the world position (True) or the local one (False)"
    )


class MoveToSceneParams(ObjectTarget):
    scene: str = Field(description="Name of a loaded scene")
