"""Assets: search, refresh (import and compile), delete, and materials."""

from __future__ import annotations

import copy
from typing import Any

from ...catalog._tools import (
    AssignMaterialParams,
    CreateMaterialParams,
    DeleteAssetParams,
    ModifyMaterialParams,
    RefreshParams,
    SearchAssetsParams,
)
from ..project import SHADERS, Asset
from ..scene import RENDERERS
from .base import CommandError, Compilation, EditorCore, Outcome, asset_path, stem

# Unity's search filter ``t:<name>`` accepts these names for our asset types.
TYPE_ALIASES: dict[str, str] = {
    "prefab": "Prefab",
    "gameobject": "Prefab",
    "material": "Material",
    "script": "Script",
    "monoscript": "Script",
    "scene": "Scene",
    "sceneasset": "Scene",
    "texture": "Texture2D",
    "texture2d": "Texture2D",
}


class AssetCommands(EditorCore):
    """Catalog domain *assets*."""

    def _search_assets(self, p: SearchAssetsParams) -> Outcome:
        types: set[str] = set()
        words: list[str] = []
        for token in p.query.split():
            if token.lower().startswith("t:"):
                wanted = token[2:].lower()
                types.add(TYPE_ALIASES.get(wanted, wanted))
            elif not token.lower().startswith("l:"):
                words.append(token.casefold())
        folder = None if p.folder is None else asset_path(p.folder).rstrip("/") + "/"
        matches = [
            (path, asset)
            for path, asset in sorted(self.assets.items())
            if (folder is None or path.startswith(folder))
            and (not types or asset.type in types or asset.type.lower() in types)
            and all(word in stem(path).casefold() for word in words)
        ]
        page = matches[p.offset : p.offset + p.limit]
        end = p.offset + len(page)
        return {
            "assets": [{"path": path, "type": a.type, "guid": a.guid} for path, a in page],
            "total": len(matches),
            "next_offset": end if end < len(matches) else None,
        }

    def _refresh_assets(self, p: RefreshParams) -> Outcome:
        imported = sorted(self.pending_imports)
        self.pending_imports.clear()
        body: dict[str, Any] = {"success": True, "compiled": False, "errors": [], "imported": []}
        if not imported:
            return body
        body["imported"] = imported
        self._emit("assets_imported", {"paths": imported})
        if not any(path.endswith(".cs") for path in imported):
            return body
        errors = self._compile()
        body.update(compiled=not errors, errors=errors)
        return Compilation(body, errors)

    def _delete_asset(self, p: DeleteAssetParams) -> Outcome:
        path = asset_path(p.path)
        if path in self.assets:
            doomed = [path]
        else:
            doomed = sorted(a for a in self.assets if a.startswith(path.rstrip("/") + "/"))
        if not doomed:
            raise CommandError(f"no asset at '{path}'")
        for target in doomed:
            scene = self.graph.scenes.get(target)
            if scene is not None and scene.loaded:
                raise CommandError(
                    f"scene '{scene.name}' is open; open another scene before deleting it"
                )
        for target in doomed:
            del self.assets[target]
            self.graph.forget(target)
            self.pending_imports.discard(target)
        self._emit("assets_deleted", {"paths": doomed})
        body = {"success": True, "message": f"deleted {len(doomed)} asset(s)", "deleted": doomed}
        if any(target.endswith(".cs") for target in doomed):
            return Compilation(body, self._compile())
        return body

    def _create_material(self, p: CreateMaterialParams) -> Outcome:
        path = asset_path(p.path, ".mat")
        if path in self.assets:
            raise CommandError(f"an asset already exists at '{path}'; use modify_material")
        properties = self._material_properties(p.shader, {}, p.color, p.properties)
        asset = Asset("Material", self._guid(path), {"shader": p.shader, "properties": properties})
        self.assets[path] = asset
        self._emit("assets_imported", {"paths": [path]})
        return _material_result(path, asset)

    def _modify_material(self, p: ModifyMaterialParams) -> Outcome:
        path = asset_path(p.path)
        asset = self._asset(path, "Material")
        shader = p.shader or asset.data["shader"]
        properties = self._material_properties(
            shader, asset.data["properties"], p.color, p.properties
        )
        asset.data.update(shader=shader, properties=properties)
        self._emit("assets_imported", {"paths": [path]})
        return _material_result(path, asset)

    def _material_properties(
        self,
        shader: str,
        current: dict[str, Any],
        color: list[float] | None,
        changes: dict[str, Any],
    ) -> dict[str, Any]:
        defaults = SHADERS.get(shader)
        if defaults is None:
            raise CommandError(
                f"shader '{shader}' not found; available: {', '.join(sorted(SHADERS))}"
            )
        # Like Unity, a shader switch keeps the values of properties both shaders have.
        properties = copy.deepcopy(defaults)
        properties.update({k: v for k, v in current.items() if k in properties})
        if color is not None:
            main = next((k for k in ("_BaseColor", "_Color") if k in properties), None)
            if main is None:
                raise CommandError(f"shader '{shader}' has no color property")
            properties[main] = self._checked_value(f"{shader}.{main}", properties[main], color)
        for key, value in changes.items():
            if key not in properties:
                known = ", ".join(properties)
                raise CommandError(f"shader '{shader}' has no property '{key}'; it has: {known}")
            properties[key] = self._checked_value(f"{shader}.{key}", properties[key], value)
        return properties

    def _assign_material(self, p: AssignMaterialParams) -> Outcome:
        obj = self._target(p)
        path = asset_path(p.material_path)
        self._asset(path, "Material")
        renderer = next((c for t, c in obj.components.items() if t in RENDERERS), None)
        if renderer is None:
            raise CommandError(f"'{obj.path}' has no Renderer; add a MeshRenderer first")
        materials: list[Any] = renderer.properties.setdefault("materials", [])
        if p.slot < len(materials):
            materials[p.slot] = path
        elif p.slot == len(materials):
            materials.append(path)
        else:
            raise CommandError(
                f"material slot {p.slot} is out of range; the {renderer.type} of "
                f"'{obj.path}' has {len(materials)} slot(s)"
            )
        self._touched(obj.scene, hierarchy=False)
        return {"object": obj.summary(), "component": renderer.to_dict()}


def _material_result(path: str, asset: Asset) -> dict[str, Any]:
    properties = copy.deepcopy(asset.data["properties"])
    color = properties.get("_BaseColor", properties.get("_Color"))
    result = {"path": path, "shader": asset.data["shader"], "properties": properties}
    if color is not None:
        result["color"] = color
    return result
