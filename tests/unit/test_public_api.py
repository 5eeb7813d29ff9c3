"""The package's public API is deliberate: what the README's library section imports, the
types in those signatures, and nothing else as a public module."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import typing
from pathlib import Path

import movesia_mcp

README = Path(__file__).resolve().parents[2] / "README.md"

# Modules a user may import by name: the package, its CLI entry (`python -m movesia_mcp`),
# and the catalog with its documented schema generator (`python -m movesia_mcp.catalog.schemas`).
PUBLIC_MODULES = {
    "movesia_mcp",
    "movesia_mcp.__main__",
    "movesia_mcp.catalog",
    "movesia_mcp.catalog.schemas",
}


def _all_modules() -> list[str]:
    found = ["movesia_mcp"]
    for info in pkgutil.walk_packages(movesia_mcp.__path__, "movesia_mcp."):
        found.append(info.name)
    return found


def test_every_module_but_the_documented_entry_points_is_private() -> None:
    public = {
        name
        for name in _all_modules()
        if not any(part.startswith("_") and part != "__main__" for part in name.split(".")[1:])
    }
    assert public == PUBLIC_MODULES


def test_the_readme_library_section_imports_only_exported_names() -> None:
    text = README.read_text(encoding="utf-8")
    imported = re.findall(r"^from movesia_mcp import (.+)$", text, flags=re.MULTILINE)
    assert imported, "the README's library section imports from movesia_mcp"
    for line in imported:
        for name in (n.strip() for n in line.split(",")):
            assert name in movesia_mcp.__all__, name
            assert hasattr(movesia_mcp, name), name


def test_every_exported_name_exists() -> None:
    assert sorted(set(movesia_mcp.__all__)) == sorted(movesia_mcp.__all__)
    for name in movesia_mcp.__all__:
        assert hasattr(movesia_mcp, name), name


def _package_types(annotation: object) -> set[type]:
    """Classes defined inside movesia_mcp that an annotation mentions."""
    found: set[type] = set()
    stack = [annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, type):
            if item.__module__.startswith("movesia_mcp"):
                found.add(item)
            continue
        stack.extend(typing.get_args(item))
        origin = typing.get_origin(item)
        if isinstance(origin, type) and origin.__module__.startswith("movesia_mcp"):
            found.add(origin)
    return found


def _signature_types(obj: object) -> set[type]:
    found: set[type] = set()
    callables: list[object] = []
    if inspect.isclass(obj):
        callables.append(obj.__init__)
        for attr, member in vars(obj).items():
            if attr.startswith("_"):
                continue
            if isinstance(member, property) and member.fget is not None:
                callables.append(member.fget)
            elif inspect.isfunction(member):
                callables.append(member)
    elif inspect.isfunction(obj):
        callables.append(obj)
    for fn in callables:
        for hint in typing.get_type_hints(fn).values():
            found |= _package_types(hint)
    return found


def test_types_in_public_signatures_are_exported() -> None:
    exported = {getattr(movesia_mcp, name) for name in movesia_mcp.__all__}
    missing: dict[str, set[str]] = {}
    for name in movesia_mcp.__all__:
        for used in _signature_types(getattr(movesia_mcp, name)):
            if used not in exported:
                missing.setdefault(name, set()).add(used.__qualname__)
    assert missing == {}


def test_every_error_class_is_exported() -> None:
    for module_name in _all_modules():
        if not module_name.endswith("__main__"):  # that one runs the command line
            importlib.import_module(module_name)

    errors: set[str] = set()
    stack: list[type] = [movesia_mcp.MovesiaError]
    while stack:  # every subclass, wherever the importing above defined it
        cls = stack.pop()
        errors.add(cls.__name__)
        stack.extend(cls.__subclasses__())
    assert errors <= set(movesia_mcp.__all__), errors - set(movesia_mcp.__all__)
