"""Where a Unity answer leaves as an MCP result: catalog entries become typed tools.

Each tool's signature is synthesised from its parameter model, so the MCP input schema
lists the model's fields (with their descriptions) as top-level arguments, plus an
optional ``project``. The handler validates, calls ``UnityManager.execute`` and checks
Unity's answer against the result model.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import inspect
import json
import logging
import struct
from typing import Annotated, Any

from mcp import types
from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INVALID_PARAMS,
    CallToolResult,
    ImageContent,
    TextContent,
    ToolAnnotations,
)
from pydantic import BaseModel, Field, ValidationError

from .._bounds import clip
from .._exceptions import (
    AmbiguousProjectError,
    CommandTimeoutError,
    ConnectionLostError,
    NotConnectedError,
    UnityCommandError,
    UnityError,
)
from .._unity_manager import UnityManager
from .._unity_session import CommandProgress, ProgressCallback
from ..catalog import TOOLS_BY_NAME, UNITY_TOOLS, ToolSpec
from ..catalog._models import explain
from ..catalog._tools import BatchResult, CaptureViewResult, atomic_step_refusal

logger = logging.getLogger("movesia_mcp._server.tools")

# Bigger answers are refused with advice to page: an LLM context cannot take megabytes.
MAX_RESULT_CHARS = 200_000
# One console entry (message and stack trace) as relayed by read_console.
DEFAULT_CONSOLE_ENTRY_BYTES = 16 * 1024

PROJECT_FIELD = Field(
    None,
    description="Unity project to target (name, path or session id). Needed only when "
    "several editors are connected and none was selected with select_project.",
)


def annotations_for(spec: ToolSpec) -> ToolAnnotations:
    return ToolAnnotations(
        read_only_hint=spec.read_only,
        destructive_hint=spec.destructive,
        idempotent_hint=spec.idempotent,
        open_world_hint=False,
    )


def validate_params(spec: ToolSpec, arguments: dict[str, Any]) -> dict[str, Any]:
    """Arguments checked against the tool's model, as the JSON Unity receives."""
    try:
        params = spec.params.model_validate(arguments)
    except ValidationError as exc:
        raise ToolError(f"Invalid arguments for {spec.name}: {explain(exc, spec.params)}") from None
    return params.model_dump(mode="json", exclude_none=True)


def explain_unity_error(spec_name: str, exc: UnityError) -> str:
    """A tool error message: what went wrong and what to do next."""
    if isinstance(exc, AmbiguousProjectError):
        return f"{exc} Call list_projects, then pass 'project' or call select_project."
    if isinstance(exc, NotConnectedError):
        return f"{exc}. Call get_connection_status to see what the server sees."
    if isinstance(exc, UnityCommandError):
        return f"Unity could not run {spec_name}: {exc.unity_message}"
    if isinstance(exc, ConnectionLostError):
        return f"{exc}."
    if isinstance(exc, CommandTimeoutError):
        return f"{exc}. Unity may be busy (a modal dialog, a long import); try again."
    return str(exc)


async def run_unity_tool(
    manager: UnityManager,
    spec: ToolSpec,
    arguments: dict[str, Any],
    ctx: Context | None,
    *,
    console_entry_bytes: int = DEFAULT_CONSOLE_ENTRY_BYTES,
) -> BaseModel:
    """Validate, send to Unity, wait (with progress), and check the answer."""
    project = arguments.pop("project", None)
    params = validate_params(spec, arguments)
    if spec.name == "batch":
        atomic = bool(params.get("atomic", False))
        steps = [_batch_step(n, step, atomic) for n, step in enumerate(params["steps"], 1)]
        params = {"steps": steps, "atomic": atomic} if atomic else {"steps": steps}
    progress = progress_reporter(ctx) if ctx is not None and wants_progress(ctx) else None
    try:
        body = await manager.execute(
            spec.command,
            params,
            timeout=spec.timeout,
            project=project,
            on_progress=progress,
            survives_reload=spec.survives_reload,
        )
    except UnityError as exc:
        raise ToolError(explain_unity_error(spec.name, exc)) from None
    if spec.name == "capture_view":
        return image_result(body, params)
    entries = body.get("entries") if spec.name == "read_console" else None
    if isinstance(entries, list):  # one huge log entry must not cost the whole page
        body = {**body, "entries": [clip_console_entry(e, console_entry_bytes) for e in entries]}
    try:
        result = spec.result.model_validate(body)
    except ValidationError as exc:
        raise ToolError(
            f"Unity's answer to {spec.name} did not have the expected shape: {explain(exc)}"
        ) from None
    # The size is checked where the result is serialised, once: by guard_tool_calls on
    # the SDK's text, or by batch_failure on its own.
    if isinstance(result, BatchResult) and result.stopped_on_error:
        return batch_failure(result, len(params["steps"]))
    return result


def too_big(tool: str, size: int) -> str | None:
    """The refusal of a ``size``-character answer of ``tool``, or None when it fits."""
    if size <= MAX_RESULT_CHARS:
        return None
    return (
        f"Unity's answer to {tool} is {size // 1000} KB, more than the "
        f"{MAX_RESULT_CHARS // 1000} KB a chat context can take, so it was not sent. Ask "
        "for less: a smaller 'limit' or 'depth', the next page with 'offset', or a "
        "narrower 'root' or filter."
    )


def image_result(body: dict[str, Any], params: dict[str, Any]) -> CallToolResult:
    """A ``capture_view`` answer as MCP image content (the PNG) beside its description.

    Unity sends the PNG as ``png_base64``; it is checked to be a PNG of the asked size
    before it goes out, and is not repeated in the structured content.
    """
    body = dict(body)
    encoded = body.pop("png_base64", None)
    try:
        description = CaptureViewResult.model_validate(body)
    except ValidationError as exc:
        raise ToolError(
            f"Unity's answer to capture_view did not have the expected shape: {explain(exc)}"
        ) from None
    if not isinstance(encoded, str):
        raise ToolError("Unity's answer to capture_view carried no picture (png_base64)")
    try:
        data = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise ToolError("Unity's answer to capture_view: png_base64 is not base64") from None
    size = png_size(data)
    wanted = (params["width"], params["height"])
    if size != wanted:
        got = "not a PNG" if size is None else f"a {size[0]}x{size[1]} PNG"
        raise ToolError(
            f"Unity's answer to capture_view is {got}, not the {wanted[0]}x{wanted[1]} PNG "
            "asked for"
        )
    structured = description.model_dump(mode="json")
    return CallToolResult(
        content=[
            ImageContent(type="image", data=encoded, mime_type="image/png"),
            TextContent(type="text", text=json.dumps(structured, indent=2)),
        ],
        structured_content=structured,
    )


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR chunk, or None if ``data`` is not a PNG."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def batch_failure(result: BatchResult, steps: int) -> CallToolResult:
    """A batch that stopped at a failing step: a tool error that still carries the
    results so far (as text, and as structured content of the batch's output schema)."""
    failed = result.results[-1] if result.results else None
    where = (
        f"step {len(result.results)} of {steps} ({failed.tool}): {failed.error}"
        if failed is not None
        else "a step"
    )
    if result.rolled_back:
        summary = (
            f"atomic batch stopped at {where}. The {result.completed} step(s) before it ran "
            "and were rolled back (undone as one group); the rest did not run."
        )
    else:
        summary = (
            f"batch stopped at {where}. The {result.completed} step(s) before it ran and stay "
            "done; the rest did not run."
        )
    body = result.model_dump(mode="json")
    text = json.dumps(body, indent=2)
    refusal = too_big("batch", len(text))
    if refusal is not None:
        raise ToolError(refusal)
    return CallToolResult(
        content=[TextContent(type="text", text=summary), TextContent(type="text", text=text)],
        structured_content=body,
        is_error=True,
    )


def clip_console_entry(entry: Any, budget: int) -> Any:
    """A console entry within ``budget``: its message and stack trace cut, shape kept."""
    if not isinstance(entry, dict):
        return entry
    out = dict(entry)
    for key, share in (("message", budget // 2), ("stacktrace", budget // 2)):
        if isinstance(out.get(key), str):
            out[key] = clip(out[key], share)
    return clip(out, budget)


def register_unity_tools(
    server: MCPServer,
    manager: UnityManager,
    *,
    console_entry_bytes: int = DEFAULT_CONSOLE_ENTRY_BYTES,
) -> None:
    for spec in UNITY_TOOLS:
        server.add_tool(
            _tool_function(spec, manager, console_entry_bytes),
            name=spec.name,
            title=spec.title,
            description=spec.description,
            annotations=annotations_for(spec),
            structured_output=True,
        )


def _tool_function(spec: ToolSpec, manager: UnityManager, console_entry_bytes: int) -> Any:
    async def call(ctx: Context, **arguments: Any) -> BaseModel:
        return await run_unity_tool(
            manager, spec, arguments, ctx, console_entry_bytes=console_entry_bytes
        )

    parameters: list[inspect.Parameter] = []
    hints: dict[str, Any] = {}
    for name, field in spec.params.model_fields.items():
        annotation = _annotated(
            field.annotation, *field.metadata, Field(description=field.description)
        )
        default = (
            inspect.Parameter.empty
            if field.is_required()
            else field.get_default(call_default_factory=True)
        )
        parameters.append(
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
            )
        )
        hints[name] = annotation
    project_annotation = Annotated[str | None, PROJECT_FIELD]
    parameters.append(
        inspect.Parameter(
            "project", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=project_annotation
        )
    )
    parameters.append(inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context))
    hints.update(project=project_annotation, ctx=Context, **{"return": spec.result})
    call.__signature__ = inspect.Signature(parameters, return_annotation=spec.result)  # type: ignore[attr-defined]
    call.__annotations__ = hints
    call.__name__ = spec.name
    call.__doc__ = spec.description
    return call


def _annotated(tp: Any, *metadata: Any) -> Any:
    return Annotated[(tp, *metadata)]


def _batch_step(number: int, step: dict[str, Any], atomic: bool = False) -> dict[str, Any]:
    """One batch step, checked against its own tool, in the form Unity runs it."""
    spec = TOOLS_BY_NAME.get(step["tool"])
    if spec is not None and spec.name == "capture_view":
        raise ToolError(
            f"batch step {number}: capture_view cannot run in a batch (its picture is image "
            "content of its own answer); call it directly"
        )
    if spec is None or spec.name == "batch":
        names = [name for name in TOOLS_BY_NAME if name != "batch"]
        close = difflib.get_close_matches(str(step["tool"]), names, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ToolError(
            f"batch step {number} names unknown tool {step['tool']!r}{hint}; use a Unity "
            "tool of this server other than batch"
        )
    if spec.name == "run_tests" and dict(step.get("arguments", {})).get("mode") == "PlayMode":
        raise ToolError(
            f"batch step {number}: run_tests in PlayMode cannot run in a batch (it is answered "
            "when the run ends, after a domain reload); call it directly"
        )
    if atomic:
        refusal = atomic_step_refusal(spec)
        if refusal is not None:
            raise ToolError(f"batch step {number} ({spec.name}) {refusal}")
    try:
        params = validate_params(spec, dict(step.get("arguments", {})))
    except ToolError as exc:
        raise ToolError(f"batch step {number}: {exc}") from None
    return {"tool": spec.name, "command": spec.command, "params": params}


# ── every tools/call, before the SDK sees it ──────────────────────────────────────────


def guard_tool_calls(server: MCPServer) -> None:
    """What clients see and get, for every tool of ``server`` (call once all are added):

    - every input schema says ``additionalProperties: false``;
    - an unknown tool is the JSON-RPC error the spec calls for (-32602), not a result;
    - an unknown argument is a tool error naming the nearest valid one (the SDK would
      drop it silently), and a wrong one is a tool error in plain words, without the
      SDK's internal model names.
    """
    low = server._lowlevel_server  # no public accessor in mcp 2.3 (see notes/mcp-sdk-2x.md)
    manager = server._tool_manager  # the SDK's registry; list_tools() gives copies only
    entry = low.get_request_handler("tools/call")
    if entry is None:  # pragma: no cover - MCPServer always registers one
        raise RuntimeError("the MCP server has no tools/call handler")
    handle = entry.handler
    for tool in manager.list_tools():
        tool.parameters["additionalProperties"] = False
    # Unity answers are bounded (MAX_RESULT_CHARS); capture_view's picture is checked
    # against the asked size instead.
    sized = frozenset(spec.name for spec in UNITY_TOOLS if spec.name != "capture_view")

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> Any:
        tool = manager.get_tool(params.name)
        if tool is None:
            names = [t.name for t in manager.list_tools()]
            raise MCPError(
                INVALID_PARAMS,
                f"Unknown tool: {params.name!r}{_nearest(params.name, names)}",
                data={"tool": params.name},
            )
        arguments = params.arguments or {}
        problem = argument_problem(params.name, tool.parameters, arguments)
        if problem is not None:
            return CallToolResult(content=[TextContent(type="text", text=problem)], is_error=True)
        result = await handle(ctx, params)
        if isinstance(result, CallToolResult) and result.is_error:
            # The SDK validated the arguments (the same validation, so a valid call pays
            # for it once); when they were wrong, say so in plain words instead.
            try:
                tool.fn_metadata.validate_arguments(arguments)
            except ValidationError as exc:
                problem = f"Invalid arguments for {params.name}: {explain(exc)}"
                return CallToolResult(
                    content=[TextContent(type="text", text=problem)], is_error=True
                )
            return result
        if params.name in sized and isinstance(result, CallToolResult):
            # The SDK serialised the result once, as indented text: its size is that text's.
            size = sum(len(c.text) for c in result.content if isinstance(c, TextContent))
            refusal = too_big(params.name, size)
            if refusal is not None:
                logger.info("Tool %r failed: %r", params.name, refusal)
                return CallToolResult(
                    content=[TextContent(type="text", text=refusal)], is_error=True
                )
        return result

    low.add_request_handler("tools/call", types.CallToolRequestParams, call_tool)


def argument_problem(tool: str, schema: dict[str, Any], arguments: dict[str, Any]) -> str | None:
    """The unknown arguments of a call, with the nearest valid name of each, or None."""
    properties = schema.get("properties", {})
    if all(name in properties for name in arguments):  # every call but a wrong one
        return None
    known = list(properties)
    unknown = [name for name in arguments if name not in known]
    if not unknown:
        return None
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        parts.append(f"'{name}' (did you mean '{close[0]}'?)" if close else f"'{name}'")
    valid = ", ".join(known) if known else "none"
    return f"Unknown argument(s) for {tool}: {'; '.join(parts)}. Valid arguments: {valid}."


def _nearest(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'? Call tools/list for the tools of this server."
    return "; call tools/list for the tools of this server."


def wants_progress(ctx: Context) -> bool:
    """Whether the caller of this request asked for progress (so that a call without a
    progress token costs no progress work: no polling, no notifications).

    Over JSON-RPC that is a ``progressToken`` in the request's ``_meta``. The SDK's
    in-process dispatch (``Client(server)``, 2026-07-28 era) carries a callback instead
    of a token; it is found on the request's dispatch context, an SDK private (mcp
    2.3). A context of another shape counts as asking, so progress is never lost; a
    call with no request behind it (``MCPServer.call_tool`` in process) has no one to
    tell.
    """
    request = _request_context(ctx)
    if request is None:  # "Context is not available outside of a request"
        return False
    meta = request.params.get("_meta") if request.params is not None else None
    if isinstance(meta, dict) and meta.get("progressToken") is not None:
        return True
    outbound = getattr(request.session, "_request_outbound", None)
    outbound = getattr(outbound, "_inner", outbound)  # the 2026-07-28 era's wrapper
    for private in ("_progress_token", "_on_progress"):
        if hasattr(outbound, private):
            return getattr(outbound, private) is not None
    return True


def _request_context(ctx: Context) -> ServerRequestContext[Any, Any] | None:
    """``ctx.request_context``, or None outside of a request.

    The SDK's ``Context`` is a pydantic model, and its property reads a private
    attribute through pydantic's ``__getattr__`` (≈ 4 µs, on every tool call); the same
    attribute is read here from the model's private dict when it has one.
    """
    private = getattr(ctx, "__pydantic_private__", None)
    if isinstance(private, dict) and "_request_context" in private:
        request: ServerRequestContext[Any, Any] | None = private["_request_context"]
        return request
    try:
        return ctx.request_context
    except ValueError:
        return None


def progress_reporter(ctx: Context) -> ProgressCallback:
    async def report(progress: CommandProgress) -> None:
        await ctx.report_progress(round(progress.elapsed, 2), None, progress.message)

    return report
