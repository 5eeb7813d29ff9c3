"""``movesia-mcp install CLIENT``: register this installation in an MCP client.

Each client keeps its MCP servers in a JSON file at a standard place (Claude Code keeps
them behind its ``claude mcp`` command). ``install`` adds one entry there that starts
*this* installation by absolute path, so the client finds it whatever its ``PATH`` and
working directory are. The file is merged, never replaced: every other key and server
stays as it was, a copy of the previous file is kept beside it, and a second run that
would change nothing writes nothing. A file that is not valid JSON is left alone.

Everything that depends on the machine (platform, home directory, environment, the
interpreter) comes in through :class:`Host` and ``executable``, so tests check every
platform's paths and write only into temporary directories.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import Any, Literal, TextIO

System = Literal["linux", "macos", "windows"]

DEFAULT_NAME = "movesia"
SIMULATED_NAME = "movesia-simulated"
# The simulated editor's server gets a port of its own, so it never meets the real
# editor's server on 8765 (the Unity plug-in's default).
SIMULATED_PORT = "8766"


class InstallError(Exception):
    """Something ``install`` refuses to do; the message says what and where."""


@dataclass(frozen=True)
class ClientSpec:
    key: str  # the CLIENT argument
    title: str
    servers_key: str  # the object that maps names to servers
    typed: bool  # entries carry "type": "stdio"
    after: str  # what the user does next


CLIENTS: dict[str, ClientSpec] = {
    spec.key: spec
    for spec in (
        ClientSpec(
            "claude-desktop",
            "Claude Desktop",
            "mcpServers",
            typed=False,
            after="Quit Claude Desktop completely and start it again to load it.",
        ),
        ClientSpec(
            "claude-code",
            "Claude Code",
            "mcpServers",
            typed=True,
            after="Start a new Claude Code session (or run /mcp) to see it.",
        ),
        ClientSpec(
            "cursor",
            "Cursor",
            "mcpServers",
            typed=False,
            after="Open Cursor Settings > MCP to check that it is listed and enabled.",
        ),
        ClientSpec(
            "vscode",
            "VS Code",
            "servers",
            typed=True,
            after="In VS Code run 'MCP: List Servers' to start it (Copilot agent mode).",
        ),
        ClientSpec(
            "windsurf",
            "Windsurf",
            "mcpServers",
            typed=False,
            after="In Windsurf open Cascade > MCP servers and press refresh.",
        ),
    )
}


@dataclass(frozen=True)
class Host:
    """The machine as ``install`` sees it."""

    system: System
    home: PurePath
    env: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def current(cls) -> Host:
        system: System
        if sys.platform.startswith("win"):
            system = "windows"
        elif sys.platform == "darwin":
            system = "macos"
        else:
            system = "linux"
        return cls(system, Path.home(), dict(os.environ))

    def path(self, *parts: str) -> PurePath:
        """Path flavour of this host's platform (Windows paths on a Windows host)."""
        flavour = PureWindowsPath if self.system == "windows" else PurePosixPath
        return flavour(*parts)

    @property
    def home_dir(self) -> PurePath:
        return self.path(str(self.home))

    def app_data(self) -> PurePath:
        """Where desktop apps keep per-user settings (Electron's ``appData``)."""
        if self.system == "windows":
            roaming = self.env.get("APPDATA")
            return self.path(roaming) if roaming else self.home_dir / "AppData" / "Roaming"
        if self.system == "macos":
            return self.home_dir / "Library" / "Application Support"
        xdg = self.env.get("XDG_CONFIG_HOME")  # absolute or ignored, as the XDG spec says
        return self.path(xdg) if xdg and self.path(xdg).is_absolute() else self.home_dir / ".config"


def config_path(client: str, host: Host) -> PurePath:
    """The client's user-level MCP configuration file on ``host``."""
    if client == "claude-desktop":
        return host.app_data() / "Claude" / "claude_desktop_config.json"
    if client == "vscode":
        return host.app_data() / "Code" / "User" / "mcp.json"
    if client == "cursor":
        return host.home_dir / ".cursor" / "mcp.json"
    if client == "windsurf":
        return host.home_dir / ".codeium" / "windsurf" / "mcp_config.json"
    if client == "claude-code":  # read only: `claude mcp add` writes it
        config_dir = host.env.get("CLAUDE_CONFIG_DIR")
        return (
            host.path(config_dir) / ".claude.json" if config_dir else host.home_dir / ".claude.json"
        )
    raise InstallError(f"unknown client {client!r}: use one of {', '.join(CLIENTS)}")


def server_command(executable: str, system: System) -> list[str]:
    """How to start this installation: the ``movesia-mcp`` script beside the interpreter
    (a venv's ``bin/``, pipx's and uv's tool environments), else the interpreter itself
    with ``-m movesia_mcp``. Absolute, and not resolved through symlinks: a venv's
    ``python`` is a symlink, and following it would leave the venv."""
    flavour = PureWindowsPath if system == "windows" else PurePosixPath
    interpreter = executable if flavour(executable).is_absolute() else os.path.abspath(executable)
    script = str(
        flavour(interpreter).parent / ("movesia-mcp.exe" if system == "windows" else "movesia-mcp")
    )
    if os.path.isfile(script) and (system == "windows" or os.access(script, os.X_OK)):
        return [script]
    return [interpreter, "-m", "movesia_mcp"]


def server_entry(spec: ClientSpec, command: Sequence[str], *, simulate: bool) -> dict[str, Any]:
    """The server object ``install`` puts under the entry name."""
    entry: dict[str, Any] = {}
    if spec.typed:
        entry["type"] = "stdio"
    entry["command"] = command[0]
    entry["args"] = [*command[1:], *(["--simulate-unity"] if simulate else [])]
    if simulate:
        entry["env"] = {"SERVER_PORT": SIMULATED_PORT}
    return entry


def merged_entry(existing: Any, entry: Mapping[str, Any]) -> dict[str, Any]:
    """``entry`` laid over what the file already has under the name: keys and variables
    the user added there (a token, ``disabled``, ``alwaysAllow``) stay."""
    merged: dict[str, Any] = dict(existing) if isinstance(existing, Mapping) else {}
    for key, value in entry.items():
        if key == "env" and isinstance(merged.get("env"), Mapping):
            merged["env"] = {**merged["env"], **value}
        else:
            merged[key] = value
    return merged


def read_config(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``; ``{}`` when the file is missing or empty."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise InstallError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InstallError(f"{path} is not UTF-8 text; nothing was changed") from None
    if not text.strip():
        return {}
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InstallError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "comments and trailing commas are not supported; fix it or move it aside, "
            "nothing was changed"
        ) from None
    if not isinstance(document, dict):
        raise InstallError(
            f"{path} holds a JSON {type(document).__name__}, not an object; nothing was changed"
        )
    return document


@dataclass(frozen=True)
class Plan:
    """What ``install`` will do to one file."""

    path: Path
    name: str
    document: dict[str, Any]  # the whole file after the change
    changed: bool
    exists: bool
    previous: Any  # the entry that was there under the name, or None


def plan_file(path: Path, spec: ClientSpec, name: str, entry: Mapping[str, Any]) -> Plan:
    document = read_config(path)
    servers = document.get(spec.servers_key)
    if servers is None:
        servers = {}
    if not isinstance(servers, dict):
        raise InstallError(
            f"{path}: {spec.servers_key!r} is a JSON {type(servers).__name__}, not an object; "
            "nothing was changed"
        )
    previous = servers.get(name)
    if previous is not None and not isinstance(previous, dict):
        raise InstallError(
            f"{path}: {spec.servers_key}.{name} is not an object; choose another --name "
            "or fix the file; nothing was changed"
        )
    new_entry = merged_entry(previous, entry)
    changed = new_entry != previous
    after = dict(document)
    after[spec.servers_key] = {**servers, name: new_entry}
    return Plan(path, name, after, changed, path.exists(), previous)


def render(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def backup_path(path: Path, now: float | None = None) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    candidate = path.with_name(f"{path.name}.{stamp}.bak")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.{stamp}-{n}.bak")
        n += 1
    return candidate


def write_plan(plan: Plan) -> Path | None:
    """Write the planned file atomically; return the backup of the old one, if any.

    A symlinked file (dotfiles kept in a repository) is written where it points, so the
    link stays."""
    path = Path(os.path.realpath(plan.path))
    path.parent.mkdir(parents=True, exist_ok=True)
    backup = None
    mode = None
    if plan.exists:
        backup = backup_path(path)
        shutil.copy2(path, backup)
        mode = path.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(render(plan.document))
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return backup


def command_line(argv: Sequence[str], system: System) -> str:
    """``argv`` as one line to paste into this platform's shell."""
    if system == "windows":
        return subprocess.list2cmdline(list(argv))
    return shlex.join(argv)


@dataclass
class Installer:
    """One ``install`` run; ``out`` gets the report (``install`` is not the MCP server,
    so stdout is free), ``err`` the warnings."""

    host: Host
    executable: str
    out: TextIO
    err: TextIO

    def run(
        self,
        client: str,
        *,
        config: str | None = None,
        simulate: bool = False,
        dry_run: bool = False,
        name: str | None = None,
    ) -> int:
        spec = CLIENTS.get(client)
        if spec is None:
            raise InstallError(f"unknown client {client!r}: use one of {', '.join(CLIENTS)}")
        name = name or (SIMULATED_NAME if simulate else DEFAULT_NAME)
        if not name.strip():
            raise InstallError("--name must not be empty")
        command = server_command(self.executable, self.host.system)
        self._warn_if_ephemeral(command[0])
        entry = server_entry(spec, command, simulate=simulate)
        if client == "claude-code" and config is None:
            return self._claude_code(spec, name, entry, dry_run=dry_run)
        if config is not None:
            target = Path(os.path.abspath(os.path.expanduser(config)))
        else:
            target = Path(str(config_path(client, self.host)))
        return self._file(spec, target, name, entry, dry_run=dry_run)

    def _file(
        self, spec: ClientSpec, path: Path, name: str, entry: dict[str, Any], *, dry_run: bool
    ) -> int:
        plan = plan_file(path, spec, name, entry)
        if not plan.changed:
            self._say(f"{name!r} is already registered in {path} as wanted; nothing changed.")
            return 0
        verb = "update" if plan.previous is not None else "add"
        if dry_run:
            where = f"{path} (a copy of the current file would be kept)" if plan.exists else path
            self._say(f"Dry run: would {verb} {name!r} for {spec.title} in {where}:")
            self.out.write(render(plan.document))
            return 0
        backup = write_plan(plan)
        done = "Updated" if plan.previous is not None else "Added"
        self._say(f"{done} {name!r} for {spec.title} in {path}")
        self._say(
            f"  command: {command_line([entry['command'], *entry['args']], self.host.system)}"
        )
        if backup is not None:
            self._say(f"  previous file kept as {backup}")
        self._say(spec.after)
        return 0

    def _claude_code(
        self, spec: ClientSpec, name: str, entry: dict[str, Any], *, dry_run: bool
    ) -> int:
        current = self._claude_code_entry(name)
        if current is not None and merged_entry(current, entry) == current:
            self._say(
                f"{name!r} is already registered in Claude Code (user scope); nothing changed."
            )
            return 0
        steps: list[list[str]] = []
        if current is not None:
            steps.append(["claude", "mcp", "remove", "--scope", "user", name])
        # on an update, variables the user added to the entry (a token) are passed again
        wanted = merged_entry(current, entry) if current is not None else entry
        env = [f"{key}={value}" for key, value in (wanted.get("env") or {}).items()]
        steps.append(
            [
                "claude",
                "mcp",
                "add",
                "--scope",
                "user",
                name,
                *([arg for pair in env for arg in ("-e", pair)]),
                "--",
                entry["command"],
                *entry["args"],
            ]
        )
        claude = shutil.which("claude", path=self.host.env.get("PATH", os.defpath))
        if dry_run or claude is None:
            if dry_run:
                self._say("Dry run: would run")
            else:
                self._say("Claude Code's 'claude' command is not on PATH; to register, run:")
            for step in steps:
                self._say("  " + command_line(step, self.host.system))
            return 0
        for step in steps:
            done = subprocess.run(
                [claude, *step[1:]],
                capture_output=True,
                text=True,
                env=dict(self.host.env),
                stdin=subprocess.DEVNULL,
                check=False,
            )
            if done.returncode != 0:
                detail = (done.stderr or done.stdout).strip()
                raise InstallError(
                    f"'{command_line(step, self.host.system)}' failed "
                    f"(exit {done.returncode}): {detail}"
                )
        self._say(
            f"{'Updated' if current is not None else 'Added'} {name!r} in Claude Code (user scope)"
        )
        self._say(
            f"  command: {command_line([entry['command'], *entry['args']], self.host.system)}"
        )
        self._say(spec.after)
        return 0

    def _claude_code_entry(self, name: str) -> dict[str, Any] | None:
        """Claude Code's current user-scope entry ``name`` (read from its config file;
        ``claude mcp get`` would start the server to health-check it)."""
        try:
            document = read_config(Path(str(config_path("claude-code", self.host))))
        except InstallError:
            return None
        servers = document.get("mcpServers")
        found = servers.get(name) if isinstance(servers, dict) else None
        return found if isinstance(found, dict) else None

    def _warn_if_ephemeral(self, command: str) -> None:
        # uvx runs tools from environments in uv's cache (.../archive-v0/<hash>/bin/...)
        if any(re.fullmatch(r"archive-v\d+", part) for part in PurePath(command).parts):
            self.err.write(
                "movesia-mcp install: warning: this copy runs from uv's cache (uvx), which "
                "uv may clean; for a lasting registration install it with 'uv tool install' "
                "or pipx and run install from there\n"
            )

    def _say(self, line: str) -> None:
        self.out.write(line + "\n")


def describe_paths(host: Host) -> str:
    lines = ["where each client's configuration is on this machine:"]
    for key in CLIENTS:
        if key == "claude-code":
            lines.append(
                f"  {key:<15} via 'claude mcp add --scope user' (read: {config_path(key, host)})"
            )
        else:
            lines.append(f"  {key:<15} {config_path(key, host)}")
    return "\n".join(lines)


def add_install_parser(sub: Any) -> None:
    """The ``install`` subcommand on the ``movesia-mcp`` parser (``sub`` is its
    ``add_subparsers()`` result)."""
    parser = sub.add_parser(
        "install",
        help="register this installation in an MCP client's configuration",
        description="Add movesia-mcp to an MCP client's configuration, with the absolute path "
        "of this installation. The file is merged (other servers and keys stay), the previous "
        "file is kept as <file>.<time>.bak, and running it again changes nothing. For "
        "claude-code it runs 'claude mcp add --scope user', or prints that line when the "
        "'claude' command is not on PATH.",
        epilog=describe_paths(Host.current()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("client", choices=list(CLIENTS), help="the MCP client to register with")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="write this file instead of the client's standard one (e.g. a project's "
        ".cursor/mcp.json, .vscode/mcp.json, or .mcp.json for claude-code)",
    )
    parser.add_argument(
        "--simulate-unity",
        action="store_true",
        help=f"register the built-in simulated editor instead (entry {SIMULATED_NAME!r}, "
        f"SERVER_PORT={SIMULATED_PORT})",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would be written; change nothing"
    )
    parser.add_argument(
        "--name",
        help=f"entry name (default {DEFAULT_NAME!r}, or {SIMULATED_NAME!r} with --simulate-unity)",
    )


def run_install(
    args: argparse.Namespace,
    *,
    host: Host | None = None,
    executable: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """The ``install`` subcommand: 0 on success (or nothing to do), 1 on a refusal."""
    errors = err or sys.stderr
    installer = Installer(
        host or Host.current(), executable or sys.executable, out or sys.stdout, errors
    )
    try:
        return installer.run(
            args.client,
            config=args.config,
            simulate=args.simulate_unity,
            dry_run=args.dry_run,
            name=args.name,
        )
    except InstallError as exc:
        errors.write(f"movesia-mcp install: {exc}\n")
        return 1
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        errors.write(f"movesia-mcp install: cannot write{where}: {exc.strerror or exc}\n")
        return 1
