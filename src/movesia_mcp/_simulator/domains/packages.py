"""Packages (catalog v2) over ``simulator/packages.py``; a resolve recompiles and reloads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...catalog._tools import AddPackageParams, ListPackagesParams, RemovePackageParams
from ..packages import PackageError
from .base import CommandError, Compilation, EditorCore, Outcome


class PackageCommands(EditorCore):
    """Catalog domain *packages*."""

    def _list_packages(self, p: ListPackagesParams) -> Outcome:
        return self.package_manager.list(p)

    def _add_package(self, p: AddPackageParams) -> Outcome:
        return self._resolved(lambda: self.package_manager.add(p))

    def _remove_package(self, p: RemovePackageParams) -> Outcome:
        return self._resolved(lambda: self.package_manager.remove(p))

    def _resolved(self, change: Callable[[], dict[str, Any]]) -> Outcome:
        try:
            body = change()
        except PackageError as exc:
            raise CommandError(str(exc)) from None
        errors = self._compile()
        return Compilation({**body, "compiled": not errors, "errors": errors}, errors)
