"""``movesia-mcp status``: ask a running server what it sees, or say why nothing answers."""

from __future__ import annotations

import http.client
import json
import sys
from dataclasses import dataclass
from typing import Any, Literal

from ._config import Config

Verdict = Literal["ok", "port_closed", "foreign_server", "bad_token", "no_answer"]


@dataclass(frozen=True, slots=True)
class Diagnosis:
    verdict: Verdict
    message: str
    status: dict[str, Any] | None = None


def probe(host: str, port: int, token: str | None, timeout: float = 3.0) -> Diagnosis:
    """GET /unity/status and classify the outcome."""
    where = f"{host}:{port}"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", "/unity/status", headers=headers)
        response = conn.getresponse()
        raw = response.read(1_000_000)
    except ConnectionRefusedError:
        return Diagnosis(
            "port_closed",
            f"nothing is listening on {where}. Start the server "
            "(your MCP client starts it, or run 'movesia-mcp'), or check the port "
            "(--port / SERVER_PORT).",
        )
    except (TimeoutError, http.client.HTTPException, OSError) as exc:
        return Diagnosis(
            "no_answer",
            f"something holds {where} but did not answer HTTP "
            f"({exc.__class__.__name__}). It is not movesia-mcp: stop it or use "
            "another port.",
        )
    finally:
        conn.close()
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("error") == "authentication_failed":
        hint = "no token was given" if not token else "the token is wrong"
        return Diagnosis(
            "bad_token",
            f"movesia-mcp on {where} requires a token and {hint}. "
            "Pass --token or set MOVESIA_TOKEN to the server's value.",
        )
    if response.status != 200 or not isinstance(body, dict) or body.get("server") != "movesia-mcp":
        server = response.getheader("server") or "unknown server"
        return Diagnosis(
            "foreign_server",
            f"{where} is held by something that is not "
            f"movesia-mcp (HTTP {response.status}, {server}). Stop it, or run "
            "movesia-mcp on another port with --port and point Unity there.",
        )
    return Diagnosis("ok", f"movesia-mcp {body.get('version')} is running on {where}", body)


def render(diagnosis: Diagnosis) -> str:
    if diagnosis.status is None:
        return f"✗ {diagnosis.message}"
    status = diagnosis.status
    lines = [
        f"✓ {diagnosis.message} (transport {status.get('transport', '?')}, "
        f"{status.get('mcp_clients', 0)} MCP client(s), up {status.get('uptime_s')} s)"
    ]
    holder = status.get("holder")
    if isinstance(holder, dict):
        relayed = status.get("relayed_clients", 0)
        sharing = (
            f"{relayed} MCP client(s) relayed through other movesia-mcp processes"
            if holder.get("relay_path")
            else "not shared with other MCP clients (no relay secret; see its log)"
        )
        lines.append(
            f"  holder: pid {holder.get('pid')}, transport {holder.get('transport')}; {sharing}"
        )
    projects = status.get("projects") or []
    if not projects:
        lines.append(
            "  no Unity editor connected: open the project in Unity with the Movesia "
            "plug-in pointed at ws://<host>:<port>/ws/unity"
        )
    for p in projects:
        compiling = ", compiling" if p.get("compiling") else ""
        lines.append(
            f"  • {p['project']} [{p['session']}] {p['status']}{compiling}, Unity "
            f"{p.get('unity_version') or '?'}, conn_seq {p.get('conn_seq')}"
        )
    if status.get("pending_commands"):
        lines.append(f"  {status['pending_commands']} command(s) waiting for Unity")
    return "\n".join(lines)


def run_status(config: Config, *, as_json: bool = False) -> int:
    host = "127.0.0.1" if config.server_host in ("0.0.0.0", "::") else config.server_host
    diagnosis = probe(host, config.server_port, config.token)
    if as_json:
        sys.stdout.write(
            json.dumps(
                {
                    "verdict": diagnosis.verdict,
                    "message": diagnosis.message,
                    "status": diagnosis.status,
                },
                indent=2,
            )
            + "\n"
        )
    else:
        sys.stdout.write(render(diagnosis) + "\n")
    return 0 if diagnosis.verdict == "ok" else 1
