"""Pictures: capturing the Game view, the Scene view or a camera as a PNG."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .._models import Params, Result

CAPTURE_MIN_SIZE = 16
CAPTURE_MAX_SIZE = 2048


class CaptureViewParams(Params):
    view: Literal["game", "scene", "camera"] = Field(
        "game",
        description="'game': the main camera's view; 'scene': the Scene view's camera; "
        "'camera': the camera named by 'camera'",
    )
    camera: str | None = Field(
        None,
        min_length=1,
        description="Hierarchy path or name of a GameObject with a Camera; only with "
        "view='camera', where it is required",
    )
    width: int = Field(
        640,
        ge=CAPTURE_MIN_SIZE,
        le=CAPTURE_MAX_SIZE,
        description=f"Picture width in pixels ({CAPTURE_MIN_SIZE} to {CAPTURE_MAX_SIZE})",
    )
    height: int = Field(
        360,
        ge=CAPTURE_MIN_SIZE,
        le=CAPTURE_MAX_SIZE,
        description=f"Picture height in pixels ({CAPTURE_MIN_SIZE} to {CAPTURE_MAX_SIZE})",
    )

    @model_validator(mode="after")
    def _camera_with_camera_view(self) -> CaptureViewParams:
        if self.view == "camera" and self.camera is None:
            raise ValueError("view 'camera' needs 'camera': the camera's hierarchy path or name")
        if self.view != "camera" and self.camera is not None:
            raise ValueError(f"'camera' is only for view 'camera', not view {self.view!r}")
        return self


class CaptureViewResult(Result):
    """The description beside the picture. Unity's answer also carries the PNG itself as
    ``png_base64``; the server sends that as MCP image content, not in this object."""

    view: Literal["game", "scene", "camera"]
    camera: str | None = Field(None, description="Hierarchy path of the camera rendered")
    width: int
    height: int
    objects_drawn: int = Field(description="Rendered objects in the picture")
    mime_type: Literal["image/png"] = "image/png"
    png_bytes: int = Field(0, description="Size of the PNG file in bytes")
