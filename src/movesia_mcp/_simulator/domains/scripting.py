"""Scripts: write (and compile), read by pages, range edits checked by SHA-256."""

from __future__ import annotations

from ...catalog._tools import EditScriptParams, ReadScriptParams, WriteScriptParams
from .. import scripts
from ..project import Asset
from .base import CommandError, Compilation, EditorCore, Outcome, asset_path


class ScriptCommands(EditorCore):
    """Catalog domain *scripts* (the compiler itself is ``EditorCore._compile``)."""

    def _write_script(self, p: WriteScriptParams) -> Outcome:
        path = asset_path(p.path, ".cs")
        asset = self.assets.get(path)
        if asset is not None and asset.type != "Script":
            raise CommandError(f"'{path}' is a {asset.type}, not a script")
        self.script_writes[path] += 1
        created = asset is None
        if asset is None:
            asset = self.assets[path] = Asset("Script", self._guid(path))
        elif asset.data.get("contents") == p.contents and path not in self.pending_imports:
            # Same bytes: Unity sees no change, so nothing is imported or compiled.
            return {
                "path": path,
                "created": False,
                "compiled": not self.compile_errors,
                "errors": list(self.compile_errors),
            }
        asset.data["contents"] = p.contents
        self.pending_imports.discard(path)
        self._emit("assets_imported", {"paths": [path]})
        errors = self._compile()
        body = {"path": path, "created": created, "compiled": not errors, "errors": errors}
        return Compilation(body, errors)

    def _read_script(self, p: ReadScriptParams) -> Outcome:
        path = asset_path(p.path, ".cs")
        text = str(self._asset(path, "Script").data.get("contents", ""))
        contents, count, next_offset = scripts.read_page(text, p.offset, p.limit)
        return {
            "path": path,
            "contents": contents,
            "sha256": scripts.sha256_hex(text),
            "line_count": count,
            "offset": p.offset,
            "next_offset": next_offset,
        }

    def _edit_script(self, p: EditScriptParams) -> Outcome:
        path = asset_path(p.path, ".cs")
        text = str(self._asset(path, "Script").data.get("contents", ""))
        current = scripts.sha256_hex(text)
        if p.sha256.lower() != current:
            raise CommandError(
                f"'{path}' changed since it was read: its SHA-256 is now {current}, not "
                f"{p.sha256.lower()}; read_script it again and redo the edits"
            )
        try:
            edited = scripts.apply_edits(text, p.edits)
        except scripts.EditRangeError as exc:
            raise CommandError(f"'{path}' was not changed: {exc}") from None
        outcome = self._write_script(WriteScriptParams(path=path, contents=edited))
        body = outcome.body if isinstance(outcome, Compilation) else outcome
        body.update(sha256=scripts.sha256_hex(edited), line_count=scripts.Lines.of(edited).count())
        return outcome
