"""The simulated Package Manager: the project's manifest and a small registry.

``PackageManager`` keeps what ``Packages/manifest.json`` and the resolved lock hold for
the sample project. Adding or removing a package changes that list; the editor then
recompiles the project and reloads the domain, as Unity does after a resolve.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..catalog._tools import AddPackageParams, ListPackagesParams, RemovePackageParams

BUILTIN_PREFIX = "com.unity.modules."

# What the simulated registry offers: name → (display name, versions, oldest first).
REGISTRY: dict[str, tuple[str, tuple[str, ...]]] = {
    "com.unity.textmeshpro": ("TextMeshPro", ("3.0.6", "3.0.9")),
    "com.unity.ugui": ("Unity UI", ("1.0.0",)),
    "com.unity.timeline": ("Timeline", ("1.6.5", "1.7.6")),
    "com.unity.inputsystem": ("Input System", ("1.5.1", "1.7.0")),
    "com.unity.cinemachine": ("Cinemachine", ("2.9.7", "2.10.1")),
    "com.unity.test-framework": ("Test Framework", ("1.1.33", "1.3.9")),
    "com.unity.ai.navigation": ("AI Navigation", ("1.1.5",)),
}


@dataclass(slots=True)
class Package:
    name: str
    version: str
    source: str
    display_name: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "display_name": self.display_name,
        }


class PackageError(Exception):
    """The Package Manager refused a request; the message is Unity's kind of answer."""


class PackageManager:
    def __init__(self) -> None:
        self.packages: dict[str, Package] = {}
        for name, version in (
            ("com.unity.textmeshpro", "3.0.6"),
            ("com.unity.ugui", "1.0.0"),
            ("com.unity.timeline", "1.6.5"),
        ):
            self.packages[name] = Package(name, version, "registry", REGISTRY[name][0])
        for module, title in (("physics", "Physics"), ("ui", "UI"), ("audio", "Audio")):
            name = BUILTIN_PREFIX + module
            self.packages[name] = Package(name, "1.0.0", "builtin", title)
        self.resolves = 0

    def list(self, p: ListPackagesParams) -> dict[str, Any]:
        shown = [
            pkg.to_dict()
            for name, pkg in sorted(self.packages.items())
            if p.include_builtin or pkg.source != "builtin"
        ]
        return {"packages": shown, "total": len(shown)}

    def add(self, p: AddPackageParams) -> dict[str, Any]:
        """Resolve ``p.package`` into the list; the answer before compiled/errors."""
        if p.package.startswith(("https://", "git+https://")):
            package = _git_package(p.package)
        else:
            name, _, version = p.package.partition("@")
            offered = REGISTRY.get(name)
            if offered is None:
                raise PackageError(
                    f"cannot add {p.package}: package '{name}' was not found in the "
                    "registry (check the name; list_packages shows what is installed)"
                )
            title, versions = offered
            if version and version not in versions:
                raise PackageError(
                    f"cannot add {p.package}: version {version} of '{name}' does not exist; "
                    f"available: {', '.join(versions)}"
                )
            package = Package(name, version or versions[-1], "registry", title)
        self.packages[package.name] = package
        self.resolves += 1
        return {"package": p.package, "name": package.name, "version": package.version}

    def remove(self, p: RemovePackageParams) -> dict[str, Any]:
        package = self.packages.get(p.name)
        if package is None:
            raise PackageError(
                f"cannot remove {p.name}: it is not a dependency of this project "
                "(list_packages shows what is installed)"
            )
        if package.source == "builtin":
            raise PackageError(
                f"cannot remove {p.name}: built-in modules are switched off in "
                "Window > Package Manager, not removed"
            )
        del self.packages[p.name]
        self.resolves += 1
        return {"package": p.name, "name": p.name, "version": None}


def _git_package(url: str) -> Package:
    """A git package, named as its package.json would plausibly name it."""
    base = url.removeprefix("git+").split("#", 1)[0].split("?", 1)[0]
    host, _, rest = base.removeprefix("https://").partition("/")
    parts = [s for s in rest.removesuffix(".git").lower().split("/") if s]
    name = ".".join(["com", *(s.replace(".", "-") for s in parts[-2:])])
    if name.count(".") < 2:
        name = f"com.{host.split('.')[0].lower()}.{parts[-1] if parts else 'package'}"
    return Package(name, "1.0.0", "git", parts[-1] if parts else name)
