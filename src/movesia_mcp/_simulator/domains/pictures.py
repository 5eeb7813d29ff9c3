"""Pictures (catalog v2): ``capture_view`` over ``simulator/capture.py``."""

from __future__ import annotations

from ...catalog._tools import CaptureViewParams
from ..capture import capture_view
from .base import EditorCore, Outcome


class PictureCommands(EditorCore):
    """Catalog domain *pictures*."""

    def _capture_view(self, p: CaptureViewParams) -> Outcome:
        return capture_view(self.graph.loaded, self.assets, p.view, p.camera, (p.width, p.height))
