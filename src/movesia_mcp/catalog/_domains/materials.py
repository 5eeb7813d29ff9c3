"""Materials: creating and modifying material assets, assigning them to Renderers."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .._models import AssetPath, ObjectTarget, Params, Result


class CreateMaterialParams(Params):
    path: AssetPath
    shader: str = Field("Standard", description="Shader name, e.g. 'Standard' or 'Unlit/Color'")
    color: list[float] | None = Field(
        None, min_length=3, max_length=4, description="[r, g, b, a] 0..1"
    )
    properties: dict[str, Any] = Field(
        default_factory=dict,
        description="Shader property names to values, e.g. {'_Glossiness': 0.8}",
    )


class ModifyMaterialParams(Params):
    path: AssetPath
    shader: str | None = Field(None, description="New shader name; omit to keep it")
    color: list[float] | None = Field(
        None, min_length=3, max_length=4, description="New color, [r, g, b, a] 0..1"
    )
    properties: dict[str, Any] = Field(
        default_factory=dict,
        description="Shader property names to new values, e.g. {'_Glossiness': 0.8}",
    )


class AssignMaterialParams(ObjectTarget):
    material_path: AssetPath
    slot: int = Field(0, ge=0, description="Material slot of the Renderer")


class MaterialResult(Result):
    path: str
    shader: str
    properties: dict[str, Any] = Field(default_factory=dict)
