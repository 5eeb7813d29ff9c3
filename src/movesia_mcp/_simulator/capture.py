"""The simulated editor's pictures: a schematic top-down view of the loaded scenes.

No renderer runs here, so ``capture_view`` draws what a person needs to check a change:
every rendered object as a shape at its world x/z (boxes for cubes, planes and quads,
discs for spheres, capsules and cylinders), filled with its material's ``_Color``, and
labelled with its name in a tiny built-in bitmap font; cameras and lights are marked.
The PNG is written with the standard library (zlib + struct): no imaging dependency.
"""

from __future__ import annotations

import base64
import math
import struct
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .scene import RENDERERS, GameObject

RGB = tuple[int, int, int]
BACKGROUND: RGB = (38, 41, 46)
GRID: RGB = (52, 56, 62)
AXIS: RGB = (80, 86, 94)
LABEL: RGB = (236, 238, 240)
CAMERA: RGB = (250, 200, 60)
LIGHT: RGB = (255, 240, 170)
DEFAULT_MATERIAL: RGB = (200, 200, 200)
# Labels beyond this many objects would cover the picture; shapes are still drawn.
MAX_LABELS = 80
# A Plane mesh is 10 x 10 units at scale 1, every other primitive 1 x 1.
MESH_SIZE = {"Plane": 10.0}
ROUND = frozenset({"Sphere", "Capsule", "Cylinder"})

# 3 x 5 glyphs, rows top to bottom, '#' lit. Lower case is drawn as upper case.
_FONT_ROWS = {
    "A": ".#. #.# ### #.# #.#",
    "B": "##. #.# ##. #.# ##.",
    "C": ".## #.. #.. #.. .##",
    "D": "##. #.# #.# #.# ##.",
    "E": "### #.. ##. #.. ###",
    "F": "### #.. ##. #.. #..",
    "G": ".## #.. #.# #.# .##",
    "H": "#.# #.# ### #.# #.#",
    "I": "### .#. .#. .#. ###",
    "J": "..# ..# ..# #.# .#.",
    "K": "#.# #.# ##. #.# #.#",
    "L": "#.. #.. #.. #.. ###",
    "M": "#.# ### ### #.# #.#",
    "N": "##. #.# #.# #.# #.#",
    "O": ".#. #.# #.# #.# .#.",
    "P": "##. #.# ##. #.. #..",
    "Q": ".#. #.# #.# ##. .##",
    "R": "##. #.# ##. #.# #.#",
    "S": ".## #.. .#. ..# ##.",
    "T": "### .#. .#. .#. .#.",
    "U": "#.# #.# #.# #.# ###",
    "V": "#.# #.# #.# #.# .#.",
    "W": "#.# #.# ### ### #.#",
    "X": "#.# #.# .#. #.# #.#",
    "Y": "#.# #.# .#. .#. .#.",
    "Z": "### ..# .#. #.. ###",
    "0": "### #.# #.# #.# ###",
    "1": ".#. ##. .#. .#. ###",
    "2": "##. ..# .#. #.. ###",
    "3": "##. ..# .#. ..# ##.",
    "4": "#.# #.# ### ..# ..#",
    "5": "### #.. ##. ..# ##.",
    "6": ".## #.. ### #.# ###",
    "7": "### ..# .#. .#. .#.",
    "8": "### #.# ### #.# ###",
    "9": "### #.# ### ..# ##.",
    " ": "... ... ... ... ...",
    "-": "... ... ### ... ...",
    "_": "... ... ... ... ###",
    ".": "... ... ... ... .#.",
    "(": "..# .#. .#. .#. ..#",
    ")": "#.. .#. .#. .#. #..",
    "/": "..# ..# .#. #.. #..",
    ":": "... .#. ... .#. ...",
    "?": "##. ..# .#. ... .#.",
}
FONT: dict[str, tuple[str, ...]] = {c: tuple(rows.split()) for c, rows in _FONT_ROWS.items()}


@dataclass(frozen=True, slots=True)
class Shape:
    name: str
    x: float  # world x
    y: float  # world y: higher shapes are drawn over lower ones
    z: float  # world z
    half_x: float
    half_z: float
    round: bool
    color: RGB


class Canvas:
    """An RGB picture in one bytearray, with the few drawing operations a schematic needs."""

    def __init__(self, width: int, height: int, background: RGB) -> None:
        self.width = width
        self.height = height
        self.pixels = bytearray(bytes(background) * (width * height))

    def span(self, y: int, x0: int, x1: int, color: RGB) -> None:
        """Fill row ``y`` from ``x0`` to ``x1`` inclusive (clipped)."""
        if not 0 <= y < self.height:
            return
        x0, x1 = max(x0, 0), min(x1, self.width - 1)
        if x0 > x1:
            return
        start = (y * self.width + x0) * 3
        self.pixels[start : start + (x1 - x0 + 1) * 3] = bytes(color) * (x1 - x0 + 1)

    def rect(self, x0: int, y0: int, x1: int, y1: int, color: RGB) -> None:
        for y in range(max(y0, 0), min(y1, self.height - 1) + 1):
            self.span(y, x0, x1, color)

    def outline(self, x0: int, y0: int, x1: int, y1: int, color: RGB) -> None:
        self.span(y0, x0, x1, color)
        self.span(y1, x0, x1, color)
        for y in range(max(y0, 0), min(y1, self.height - 1) + 1):
            self.span(y, x0, x0, color)
            self.span(y, x1, x1, color)

    def ellipse(self, cx: int, cy: int, rx: int, ry: int, color: RGB) -> None:
        rx, ry = max(rx, 1), max(ry, 1)
        for dy in range(-ry, ry + 1):
            half = int(rx * math.sqrt(max(0.0, 1.0 - (dy / ry) ** 2)))
            self.span(cy + dy, cx - half, cx + half, color)

    def text(self, x: int, y: int, text: str, color: RGB, scale: int) -> None:
        for i, char in enumerate(text.upper()):
            glyph = FONT.get(char, FONT["?"])
            for row, bits in enumerate(glyph):
                for col, bit in enumerate(bits):
                    if bit == "#":
                        px, py = x + (i * 4 + col) * scale, y + row * scale
                        self.rect(px, py, px + scale - 1, py + scale - 1, color)

    def png(self) -> bytes:
        """The picture as a PNG file (8-bit RGB, no filter, zlib-compressed)."""
        stride = self.width * 3
        raw = b"".join(
            b"\x00" + bytes(self.pixels[y * stride : (y + 1) * stride]) for y in range(self.height)
        )
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(raw, 6))
            + _chunk(b"IEND", b"")
        )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _world_scale(obj: GameObject) -> tuple[float, float]:
    sx, sz = obj.scale[0], obj.scale[2]
    node = obj.parent
    while node is not None:
        sx, sz = sx * node.scale[0], sz * node.scale[2]
        node = node.parent
    return abs(sx), abs(sz)


def _rgb(value: Any) -> RGB | None:
    if (
        isinstance(value, list)
        and len(value) >= 3
        and all(isinstance(v, int | float) for v in value)
    ):
        r, g, b = (max(0.0, min(1.0, float(v))) for v in value[:3])
        return (round(r * 255), round(g * 255), round(b * 255))
    return None


def shapes(
    objects: Iterable[GameObject], material_color: Callable[[str], RGB | None]
) -> list[Shape]:
    """The rendered (active, with a Renderer) objects as shapes, in hierarchy order."""
    found = []
    for obj in objects:
        renderer = next((c for t, c in obj.components.items() if t in RENDERERS), None)
        if renderer is None or not obj.active or not renderer.enabled:
            continue
        mesh_filter = obj.components.get("MeshFilter")
        mesh = str(mesh_filter.properties.get("mesh")) if mesh_filter is not None else "Cube"
        size = MESH_SIZE.get(mesh, 1.0)
        sx, sz = _world_scale(obj)
        materials = renderer.properties.get("materials") or []
        color = material_color(str(materials[0])) if materials else None
        x, y, z = obj.world_position()
        found.append(
            Shape(
                obj.name,
                x,
                y,
                z,
                size * sx / 2,
                size * sz / 2,
                mesh in ROUND,
                color or DEFAULT_MATERIAL,
            )
        )
    return found


def render(
    width: int,
    height: int,
    drawn: list[Shape],
    markers: list[tuple[str, float, float, RGB]],
    centre: tuple[float, float] | None = None,
) -> bytes:
    """A top-down schematic of ``drawn`` shapes and ``markers`` (name, x, z, colour), as PNG.

    The frame fits every shape and marker (x to the right, z up); ``centre`` (a camera's
    x/z) keeps the frame centred there.
    """
    xs = [v for s in drawn for v in (s.x - s.half_x, s.x + s.half_x)] + [m[1] for m in markers]
    zs = [v for s in drawn for v in (s.z - s.half_z, s.z + s.half_z)] + [m[2] for m in markers]
    if not xs:
        xs, zs = [-5.0, 5.0], [-5.0, 5.0]
    if centre is None:
        cx, cz = (min(xs) + max(xs)) / 2, (min(zs) + max(zs)) / 2
        half_x, half_z = (max(xs) - min(xs)) / 2, (max(zs) - min(zs)) / 2
    else:
        cx, cz = centre
        half_x = max(abs(v - cx) for v in xs)
        half_z = max(abs(v - cz) for v in zs)
    half_x, half_z = max(half_x, 1.0) * 1.1, max(half_z, 1.0) * 1.1
    unit = min(width / (2 * half_x), height / (2 * half_z))  # pixels per world unit

    def to_px(x: float, z: float) -> tuple[int, int]:
        return round(width / 2 + (x - cx) * unit), round(height / 2 - (z - cz) * unit)

    canvas = Canvas(width, height, BACKGROUND)
    step = 1.0 if unit >= 8 else 10.0 ** math.ceil(math.log10(8 / unit))
    first = math.floor((cx - width / 2 / unit) / step)
    for n in range(first, first + int(width / unit / step) + 2):
        px, _ = to_px(n * step, cz)
        canvas.rect(px, 0, px, height - 1, AXIS if n == 0 else GRID)
    first = math.floor((cz - height / 2 / unit) / step)
    for n in range(first, first + int(height / unit / step) + 2):
        _, py = to_px(cx, n * step)
        canvas.rect(0, py, width - 1, py, AXIS if n == 0 else GRID)
    scale = max(1, min(width, height) // 200)
    # Seen from above: lower shapes first, and at one height the bigger first, so a
    # ground plane does not hide what stands on it.
    for shape in sorted(drawn, key=lambda s: (s.y, -(s.half_x * s.half_z))):
        px, py = to_px(shape.x, shape.z)
        rx, ry = max(1, round(shape.half_x * unit)), max(1, round(shape.half_z * unit))
        if shape.round:
            canvas.ellipse(px, py, rx, ry, shape.color)
        else:
            canvas.rect(px - rx, py - ry, px + rx, py + ry, shape.color)
            canvas.outline(px - rx, py - ry, px + rx, py + ry, _darker(shape.color))
    for _name, x, z, color in markers:
        px, py = to_px(x, z)
        r = 3 * scale  # a hollow square: what is under a camera or a light stays visible
        canvas.outline(px - r, py - r, px + r, py + r, color)
        canvas.outline(px - r - 1, py - r - 1, px + r + 1, py + r + 1, BACKGROUND)
    labels = [(s.name, s.x, s.z) for s in drawn] + [(m[0], m[1], m[2]) for m in markers]
    for name, x, z in labels[:MAX_LABELS]:
        px, py = to_px(x, z)
        canvas.text(px + 4 * scale, py - 7 * scale, name[:24], LABEL, scale)
    return canvas.png()


def _darker(color: RGB) -> RGB:
    r, g, b = color
    return (r * 2 // 3, g * 2 // 3, b * 2 // 3)


def png_base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def capture_view(
    loaded: list[Any], assets: dict[str, Any], view: str, camera: str | None, size: tuple[int, int]
) -> dict[str, Any]:
    """The ``capture_view`` answer on the loaded scenes (an ``error`` answer if no camera)."""
    objects = [obj for scene in loaded for root in scene.roots for obj in root.walk()]
    cameras = [obj for obj in objects if "Camera" in obj.components]
    chosen: GameObject | None = None
    if view == "game":
        chosen = next((c for c in cameras if c.tag == "MainCamera"), None) or next(
            iter(cameras), None
        )
        if chosen is None:
            return {"error": "the Game view has no camera to render: no Camera in the scene"}
    elif view == "camera":
        chosen = next((c for c in cameras if c.path == camera), None) or next(
            (c for c in cameras if c.name == camera), None
        )
        if chosen is None:
            names = ", ".join(c.path for c in cameras) or "none"
            return {"error": f"no camera {camera!r} in the loaded scenes (cameras: {names})"}

    def material_color(path: str) -> RGB | None:
        asset = assets.get(path)
        if asset is None or asset.type != "Material":
            return None
        return _rgb(asset.data.get("properties", {}).get("_Color"))

    drawn = shapes(objects, material_color)
    markers = [(c.name, c.world_position()[0], c.world_position()[2], CAMERA) for c in cameras]
    markers += [
        (o.name, o.world_position()[0], o.world_position()[2], LIGHT)
        for o in objects
        if "Light" in o.components
    ]
    centre = None
    if chosen is not None:
        x, _, z = chosen.world_position()
        centre = (x, z)
    width, height = size
    data = render(width, height, drawn, markers, centre)
    return {
        "view": view,
        "camera": chosen.path if chosen is not None else None,
        "width": width,
        "height": height,
        "objects_drawn": len(drawn),
        "mime_type": "image/png",
        "png_bytes": len(data),
        "png_base64": png_base64(data),
    }
