"""Components: add, remove, and set their properties (Transform and GameObject included)."""

from __future__ import annotations

from typing import Any

from ...catalog._tools import AddComponentParams, RemoveComponentParams, SetPropertiesParams
from ..compiler import public_fields
from ..project import TAGS
from ..scene import BUILTIN_COMPONENTS, Component, GameObject, Vec3, builtin_component
from .base import CommandError, EditorCore, Outcome, layer_number, local_from_world, vec3_value

TRANSFORM_PROPERTIES = (
    "localPosition",
    "position",
    "localEulerAngles",
    "eulerAngles",
    "localScale",
)


class ComponentCommands(EditorCore):
    """Catalog domain *components*."""

    def _add_component(self, p: AddComponentParams) -> Outcome:
        obj = self._target(p)
        name = p.component
        if name == "Transform" or name in obj.components:
            raise CommandError(f"'{obj.path}' already has a {name}; a GameObject can have one")
        if name in BUILTIN_COMPONENTS:
            component = builtin_component(name)
        elif name in self.script_classes:
            component = Component(name, True, public_fields(self._script_source(name)))
        elif self._script_path(name) is not None:
            raise CommandError(
                f"script '{name}' has not compiled; fix the compile errors "
                "(read_console) and try again"
            )
        else:
            raise CommandError(
                f"unknown component type '{name}'; use a built-in type such as Rigidbody, "
                "BoxCollider or Light, or a compiled MonoBehaviour script"
            )
        obj.components[name] = component
        self._touched(obj.scene)
        return {"object": obj.summary(), "component": component.to_dict()}

    def _remove_component(self, p: RemoveComponentParams) -> Outcome:
        obj = self._target(p)
        if p.component == "Transform":
            raise CommandError("a GameObject's Transform cannot be removed")
        if p.component not in obj.components:
            raise CommandError(f"'{obj.path}' has no {p.component} component")
        del obj.components[p.component]
        self._touched(obj.scene)
        return {"success": True, "message": f"removed {p.component} from '{obj.path}'"}

    def _set_component_properties(self, p: SetPropertiesParams) -> Outcome:
        obj = self._target(p)
        if p.component == "Transform":
            self._set_transform(obj, p.properties)
            component = obj.transform()
        elif p.component == "GameObject":
            self._set_gameobject(obj, p.properties)
            component = Component(
                "GameObject",
                True,
                {"name": obj.name, "active": obj.active, "tag": obj.tag, "layer": obj.layer},
            )
        else:
            found = obj.components.get(p.component)
            if found is None:
                raise CommandError(f"'{obj.path}' has no {p.component} component")
            component = found
            values: dict[str, Any] = {}
            for key, value in p.properties.items():
                if key == "enabled":
                    if not isinstance(value, bool):
                        raise CommandError(f"{p.component}.enabled expects true or false")
                    continue
                if key not in component.properties:
                    known = ", ".join(["enabled", *component.properties])
                    raise CommandError(f"{p.component} has no property '{key}'; it has: {known}")
                values[key] = self._checked_value(
                    f"{p.component}.{key}", component.properties[key], value
                )
            component.properties.update(values)
            if "enabled" in p.properties:
                component.enabled = p.properties["enabled"]
        self._touched(obj.scene, hierarchy=p.component == "GameObject")
        return {"object": obj.summary(), "component": component.to_dict()}

    def _set_transform(self, obj: GameObject, properties: dict[str, Any]) -> None:
        values: dict[str, Vec3] = {}
        for key, value in properties.items():
            if key not in TRANSFORM_PROPERTIES:
                known = ", ".join(TRANSFORM_PROPERTIES)
                raise CommandError(f"Transform has no property '{key}'; it has: {known}")
            values[key] = vec3_value(f"Transform.{key}", value)
        for key, vec in values.items():
            if key == "localPosition":
                obj.position = vec
            elif key == "position":
                obj.position = local_from_world(vec, obj.parent)
            elif key in ("localEulerAngles", "eulerAngles"):
                obj.rotation = vec
            else:
                obj.scale = vec

    def _set_gameobject(self, obj: GameObject, properties: dict[str, Any]) -> None:
        for key, value in properties.items():
            if key == "name":
                if not isinstance(value, str) or not value:
                    raise CommandError("GameObject.name expects a non-empty string")
            elif key == "active":
                if not isinstance(value, bool):
                    raise CommandError("GameObject.active expects true or false")
            elif key == "tag":
                if value not in TAGS:
                    raise CommandError(f"Tag: {value} is not defined.")
            elif key == "layer":
                if not isinstance(value, str | int) or isinstance(value, bool):
                    raise CommandError("GameObject.layer expects a layer name or number")
                layer_number(value)
            else:
                raise CommandError(
                    f"GameObject has no property '{key}'; it has: name, active, tag, layer"
                )
        for key, value in properties.items():
            if key == "layer":
                obj.layer = layer_number(value)
            else:
                setattr(obj, key, value)
