"""The exception tree drawn in ``exceptions.py``'s docstring is the real class hierarchy.

Every module of the package is imported, then ``MovesiaError.__subclasses__()`` is walked
down; the drawing must name exactly those classes, each under its real parent, with the
other bases it states ("also a ValueError") and no more. So the drawing cannot drift.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass, field

import movesia_mcp
from movesia_mcp import _exceptions as exceptions
from movesia_mcp._exceptions import MovesiaError

ENTRY = re.compile(r"(?P<branch>[│├└─ ]*?)(?P<name>[A-Z]\w*Error)\b(?P<text>.*)")
ALSO = re.compile(r"also an? (\w+)")


@dataclass
class Drawn:
    parent: str | None
    text: list[str] = field(default_factory=list)

    @property
    def also(self) -> set[str]:
        return set(ALSO.findall(" ".join(self.text)))


def drawn_tree() -> dict[str, Drawn]:
    """Class name → its drawn parent and description, from the module docstring."""
    doc = exceptions.__doc__
    assert doc is not None
    lines = doc.splitlines()
    start = lines.index("MovesiaError")
    tree: dict[str, Drawn] = {"MovesiaError": Drawn(None)}
    path = ["MovesiaError"]
    last = tree["MovesiaError"]
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        entry = ENTRY.fullmatch(line)
        if entry is None or not entry.group("branch").endswith("── "):
            # A description carried over to the next line: only tree lines before it.
            assert set(line.split("  ", 1)[0]) <= {"│", " "}, f"not a tree line: {line!r}"
            last.text.append(line.strip(" │"))
            continue
        depth = len(entry.group("branch")) // 4
        assert 1 <= depth <= len(path), f"badly indented: {line!r}"
        name = entry.group("name")
        assert name not in tree, f"{name} is drawn twice"
        del path[depth:]
        last = tree[name] = Drawn(path[-1], [entry.group("text")])
        path.append(name)
    return tree


def real_tree() -> dict[str, type[BaseException]]:
    """Every MovesiaError subclass the package defines, after importing all its modules."""
    for module in pkgutil.walk_packages(movesia_mcp.__path__, "movesia_mcp."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found: dict[str, type[BaseException]] = {}
    todo: list[type[BaseException]] = [MovesiaError]
    while todo:
        cls = todo.pop()
        if cls.__module__.startswith("movesia_mcp"):
            assert found.setdefault(cls.__name__, cls) is cls, f"two classes {cls.__name__}"
        todo.extend(cls.__subclasses__())
    return found


def test_the_drawing_names_every_movesia_error_and_nothing_else() -> None:
    assert set(drawn_tree()) == set(real_tree())


def test_each_drawn_class_is_under_its_real_parent() -> None:
    real = real_tree()
    for name, drawn in drawn_tree().items():
        movesia_parents = [
            base.__name__ for base in real[name].__bases__ if issubclass(base, MovesiaError)
        ]
        assert movesia_parents == ([] if drawn.parent is None else [drawn.parent]), name


def test_the_other_bases_a_class_has_are_the_ones_drawn() -> None:
    real = real_tree()
    for name, drawn in drawn_tree().items():
        others = {
            base.__name__
            for base in real[name].__bases__
            if not issubclass(base, MovesiaError) and base is not Exception
        }
        assert others == drawn.also, name


def test_every_movesia_error_is_defined_in_exceptions() -> None:
    for name, cls in real_tree().items():
        assert cls.__module__ == "movesia_mcp._exceptions", name
        assert getattr(exceptions, name) is cls
