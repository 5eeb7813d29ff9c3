"""Components: adding, removing and setting their serialized properties."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .._models import GameObjectSummary, ObjectTarget, Result


class ComponentInfo(Result):
    type: str
    enabled: bool = True
    properties: dict[str, Any] = Field(default_factory=dict)


class AddComponentParams(ObjectTarget):
    component: str = Field(description="Component type, e.g. 'Rigidbody' or 'BoxCollider'")


class RemoveComponentParams(ObjectTarget):
    component: str = Field(description="Component type to remove, e.g. 'BoxCollider'")


class SetPropertiesParams(ObjectTarget):
    component: str = Field(description="Component type, e.g. 'Transform' or 'Light'")
    properties: dict[str, Any] = Field(
        description="Serialized property names to new values; vectors and colors as arrays, "
        "e.g. {'localPosition': [0, 1, 0], 'intensity': 2}"
    )


class ComponentResult(Result):
    object: GameObjectSummary
    component: ComponentInfo
