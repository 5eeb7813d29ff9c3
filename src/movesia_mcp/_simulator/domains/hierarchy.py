"""The scene graph: reading it (hierarchy, find, inspect) and changing its GameObjects."""

from __future__ import annotations

from typing import Any

from ...catalog._models import ObjectTarget
from ...catalog._tools import (
    CreateParams,
    DuplicateParams,
    FindParams,
    HierarchyParams,
    MoveToSceneParams,
    RenameParams,
    ReparentParams,
)
from ..project import TAGS
from ..scene import BASE_TYPES, ONE, ZERO, GameObject, primitive_components
from .base import CommandError, EditorCore, Outcome, copy_name, layer_number, local_from_world, vec


class HierarchyCommands(EditorCore):
    """Catalog domains *scene graph* and *GameObjects*."""

    def _get_hierarchy(self, p: HierarchyParams) -> Outcome:
        scenes = self.graph.loaded if p.scene is None else [self._loaded_scene(p.scene)]
        if p.root is not None:
            start = self.graph.find(p.root, None if p.scene is None else scenes[0])
            if start is None:
                raise CommandError(f"GameObject '{p.root}' not found in the loaded scenes")
            entries = start.children
            prefix = start.path + "/"
        else:
            entries = [root for scene in scenes for root in scene.roots]
            prefix = ""
        page = entries[p.offset : p.offset + p.limit]
        budget = p.max_nodes - len(page)  # for the nodes below the page's entries

        def node(obj: GameObject, path: str, level: int) -> dict[str, Any]:
            nonlocal budget
            children = obj.children
            expand = bool(children) and level < p.depth and len(children) <= budget
            if expand:  # reserved before any child expands: siblings are never squeezed out
                budget -= len(children)
            return {
                "instance_id": obj.instance_id,
                "name": obj.name,
                "path": path,
                "active": obj.active,
                "child_count": len(children),
                "children": [node(c, f"{path}/{c.name}", level + 1) for c in children]
                if expand
                else [],
                "children_truncated": bool(children) and not expand,
            }

        end = p.offset + len(page)
        return {
            "nodes": [node(obj, prefix + obj.name, 0) for obj in page],
            "total": len(entries),
            "offset": p.offset,
            "next_offset": end if end < len(entries) else None,
            "total_objects": sum(scene.object_count for scene in scenes),
        }

    def _find_objects(self, p: FindParams) -> Outcome:
        needle = p.name.casefold() if p.name is not None else None
        if p.tag is not None and p.tag not in TAGS:
            raise CommandError(f"Tag: {p.tag} is not defined.")
        layer = None if p.layer is None else layer_number(p.layer)
        types: frozenset[str] | None = None
        if p.component is not None:
            if p.component == "MonoBehaviour":
                types = frozenset(self.script_classes)
            else:
                types = BASE_TYPES.get(p.component, frozenset({p.component}))
        found: list[dict[str, Any]] = []
        total = 0
        for obj in self.graph.objects.values():
            if not obj.scene.loaded:
                continue
            if needle is not None and needle not in obj.name.casefold():
                continue
            if p.tag is not None and obj.tag != p.tag:
                continue
            if layer is not None and obj.layer != layer:
                continue
            if types is not None and "Transform" not in types and types.isdisjoint(obj.components):
                continue
            total += 1
            if len(found) < p.limit:
                found.append(obj.summary())
        return {"objects": found, "total": total, "truncated": total > len(found)}

    def _inspect_object(self, p: ObjectTarget) -> Outcome:
        obj = self._target(p)
        result: dict[str, Any] = {
            "object": obj.summary(),
            "components": [obj.transform().to_dict()]
            + [c.to_dict() for c in obj.components.values()],
            "children": [child.name for child in obj.children],
            "scene": obj.scene.name,
        }
        if obj.prefab_path is not None:
            result["prefab_path"] = obj.prefab_path
        return result

    def _create_gameobject(self, p: CreateParams) -> Outcome:
        parent = self._parent(p.parent)
        scene = parent.scene if parent is not None else self._active_scene()
        obj = self.graph.create(
            p.name,
            scene,
            parent,
            position=vec(p.position, ZERO),
            rotation=vec(p.rotation, ZERO),
            scale=vec(p.scale, ONE),
            components=primitive_components(p.primitive),
        )
        self._touched(scene)
        return {"object": obj.summary()}

    def _duplicate_gameobject(self, p: DuplicateParams) -> Outcome:
        obj = self._target(p)
        siblings = obj.parent.children if obj.parent is not None else obj.scene.roots
        copy_ = self.graph.instantiate(
            obj.snapshot(), obj.scene, obj.parent, index=siblings.index(obj) + 1
        )
        copy_.name = p.new_name or copy_name(obj.name, siblings)
        self._touched(obj.scene)
        return {"object": copy_.summary()}

    def _destroy_gameobject(self, p: ObjectTarget) -> Outcome:
        obj = self._target(p)
        path = obj.path
        gone = set(self.graph.remove(obj))
        self.selection = [i for i in self.selection if i not in gone]
        self._touched(obj.scene)
        children = len(gone) - 1
        return {
            "success": True,
            "message": f"destroyed '{path}'"
            + (f" and {children} descendant(s)" if children else ""),
        }

    def _rename_gameobject(self, p: RenameParams) -> Outcome:
        obj = self._target(p)
        obj.name = p.new_name
        self._touched(obj.scene)
        return {"object": obj.summary()}

    def _set_parent(self, p: ReparentParams) -> Outcome:
        obj = self._target(p)
        parent = self._parent(p.new_parent)
        if parent is not None and (parent is obj or parent.is_descendant_of(obj)):
            raise CommandError(
                f"cannot move '{obj.path}' under '{parent.path}': it is the object itself "
                "or one of its children"
            )
        world = obj.world_position()
        source = obj.scene
        self.graph.move(obj, parent, obj.scene)
        if p.keep_world_position:
            obj.position = local_from_world(world, parent)
        self._touched(source, obj.scene)
        return {"object": obj.summary()}

    def _move_to_scene(self, p: MoveToSceneParams) -> Outcome:
        obj = self._target(p)
        target = self._loaded_scene(p.scene)
        if obj.parent is not None:
            raise CommandError(
                f"only root GameObjects can move to another scene; '{obj.path}' has parent "
                f"'{obj.parent.path}' (use set_parent with new_parent=null first)"
            )
        source = obj.scene
        if target is not source:
            self.graph.move(obj, None, target)
            self._touched(source, target)
        return {"object": obj.summary()}
