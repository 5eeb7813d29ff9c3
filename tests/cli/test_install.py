"""``movesia-mcp install CLIENT``: the standard places on three platforms, merging into real
files in temporary directories, and the written command started by a real MCP client."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shlex
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from conftest import free_port
from movesia_mcp._install import (
    CLIENTS,
    SIMULATED_NAME,
    SIMULATED_PORT,
    Host,
    Installer,
    config_path,
    server_command,
    server_entry,
)
from movesia_mcp.catalog import TOOLS_BY_NAME

ROOT = Path(__file__).resolve().parents[2]
FILE_CLIENTS = ["claude-desktop", "cursor", "vscode", "windsurf"]
# (client, --config given): the four file clients, and claude-code writing a .mcp.json
FILE_TARGETS = [(c, False) for c in FILE_CLIENTS] + [("claude-code", True)]
THIS_COMMAND = server_command(sys.executable, "linux")


def servers_key(client: str) -> str:
    return CLIENTS[client].servers_key


def run_install(
    client: str,
    *args: str,
    home: Path,
    system: str = "linux",
    env: dict[str, str] | None = None,
    executable: str = sys.executable,
) -> tuple[int, str, str]:
    """One ``install`` run against ``home`` (and only it); returns (code, out, err)."""
    from movesia_mcp._cli import build_parser
    from movesia_mcp._install import run_install as run

    parsed = build_parser().parse_args(["install", client, *args])
    out, err = io.StringIO(), io.StringIO()
    host = Host(system, home, {"PATH": str(home / "no-such-bin"), **(env or {})})  # type: ignore[arg-type]
    code = run(parsed, host=host, executable=executable, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def target(client: str, home: Path, via_config: bool) -> tuple[Path, list[str]]:
    """The file a run writes, and the arguments that make it write there."""
    if via_config:
        path = home / "project" / ".mcp.json"
        return path, ["--config", str(path)]
    return Path(str(config_path(client, Host("linux", home, {})))), []


def backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.*.bak"))


def leftovers(path: Path) -> list[Path]:
    return sorted(p for p in path.parent.iterdir() if p.name.endswith(".tmp"))


def dry_run_document(out: str) -> dict[str, Any]:
    """The JSON document a dry run prints after its one header line."""
    header, _, body = out.partition("\n")
    assert header.startswith("Dry run: would ")
    document = json.loads(body)
    assert isinstance(document, dict)
    return document


# ── where: the standard places ─────────────────────────────────────────────────────────

LINUX = Host("linux", Path("/home/ann"), {})
MACOS = Host("macos", Path("/Users/ann"), {})
WINDOWS = Host(
    "windows",
    Path("/unused"),  # replaced below: a Windows home is a Windows path
    {"APPDATA": "C:\\Users\\ann\\AppData\\Roaming"},
)
WINDOWS = Host("windows", WINDOWS.path("C:\\Users\\ann"), WINDOWS.env)

STANDARD_PATHS = {
    ("claude-desktop", "linux"): "/home/ann/.config/Claude/claude_desktop_config.json",
    ("claude-desktop", "macos"): (
        "/Users/ann/Library/Application Support/Claude/claude_desktop_config.json"
    ),
    ("claude-desktop", "windows"): (
        "C:\\Users\\ann\\AppData\\Roaming\\Claude\\claude_desktop_config.json"
    ),
    ("cursor", "linux"): "/home/ann/.cursor/mcp.json",
    ("cursor", "macos"): "/Users/ann/.cursor/mcp.json",
    ("cursor", "windows"): "C:\\Users\\ann\\.cursor\\mcp.json",
    ("vscode", "linux"): "/home/ann/.config/Code/User/mcp.json",
    ("vscode", "macos"): "/Users/ann/Library/Application Support/Code/User/mcp.json",
    ("vscode", "windows"): "C:\\Users\\ann\\AppData\\Roaming\\Code\\User\\mcp.json",
    ("windsurf", "linux"): "/home/ann/.codeium/windsurf/mcp_config.json",
    ("windsurf", "macos"): "/Users/ann/.codeium/windsurf/mcp_config.json",
    ("windsurf", "windows"): "C:\\Users\\ann\\.codeium\\windsurf\\mcp_config.json",
    ("claude-code", "linux"): "/home/ann/.claude.json",
    ("claude-code", "macos"): "/Users/ann/.claude.json",
    ("claude-code", "windows"): "C:\\Users\\ann\\.claude.json",
}


@pytest.mark.parametrize(("client", "system"), sorted(STANDARD_PATHS))
def test_standard_config_place_on_each_platform(client: str, system: str) -> None:
    host = {"linux": LINUX, "macos": MACOS, "windows": WINDOWS}[system]
    assert str(config_path(client, host)) == STANDARD_PATHS[client, system]


def test_every_client_has_a_standard_place_on_every_platform() -> None:
    assert {client for client, _ in STANDARD_PATHS} == set(CLIENTS)


def test_linux_follows_an_absolute_xdg_config_home_and_ignores_a_relative_one() -> None:
    moved = Host("linux", Path("/home/ann"), {"XDG_CONFIG_HOME": "/srv/conf"})
    relative = Host("linux", Path("/home/ann"), {"XDG_CONFIG_HOME": "conf"})
    assert str(config_path("vscode", moved)) == "/srv/conf/Code/User/mcp.json"
    assert str(config_path("claude-desktop", relative)) == (
        "/home/ann/.config/Claude/claude_desktop_config.json"
    )


def test_windows_without_appdata_uses_the_roaming_folder_of_the_home() -> None:
    host = Host("windows", WINDOWS.home, {})
    assert str(config_path("claude-desktop", host)) == (
        "C:\\Users\\ann\\AppData\\Roaming\\Claude\\claude_desktop_config.json"
    )


def test_claude_code_config_follows_claude_config_dir() -> None:
    host = Host("linux", Path("/home/ann"), {"CLAUDE_CONFIG_DIR": "/home/ann/cc"})
    assert str(config_path("claude-code", host)) == "/home/ann/cc/.claude.json"


# ── what: the command of this installation ─────────────────────────────────────────────


def test_this_installation_is_registered_by_the_absolute_path_of_its_script() -> None:
    script = Path(sys.executable).parent / "movesia-mcp"
    assert script.is_file()  # the test venv has the console script
    assert [str(script)] == THIS_COMMAND
    assert Path(THIS_COMMAND[0]).is_absolute()


def test_the_script_beside_a_symlinked_interpreter_is_used_unresolved(tmp_path: Path) -> None:
    bin_dir = tmp_path / "env" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(sys.executable)
    script = bin_dir / "movesia-mcp"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    assert server_command(str(bin_dir / "python"), "linux") == [str(script)]


def test_without_a_script_the_interpreter_runs_the_module(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    not_executable = bin_dir / "movesia-mcp"
    not_executable.write_text("not a program")
    not_executable.chmod(0o644)
    python = str(bin_dir / "python3")
    assert server_command(python, "linux") == [python, "-m", "movesia_mcp"]


def test_a_relative_interpreter_path_is_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert server_command("bin/python3", "linux") == [
        str(tmp_path / "bin" / "python3"),
        "-m",
        "movesia_mcp",
    ]


def test_windows_falls_back_to_the_interpreter_with_its_own_path_syntax() -> None:
    python = "C:\\Program Files\\Python311\\python.exe"
    assert server_command(python, "windows") == [python, "-m", "movesia_mcp"]


def test_a_copy_run_from_the_uv_cache_is_registered_with_a_warning(tmp_path: Path) -> None:
    bin_dir = tmp_path / "cache" / "uv" / "archive-v0" / "Xy12" / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "movesia-mcp"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    config = tmp_path / "mcp.json"
    code, _, err = run_install(
        "cursor", "--config", str(config), home=tmp_path, executable=str(bin_dir / "python")
    )
    assert code == 0
    assert "runs from uv's cache" in err
    assert "'uv tool install' or pipx" in err
    assert json.loads(config.read_text())["mcpServers"]["movesia"]["command"] == str(script)
    assert run_install("cursor", "--config", str(config), home=tmp_path)[2] == ""


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_entry_shape_for_each_client(client: str) -> None:
    spec = CLIENTS[client]
    plain = server_entry(spec, ["/opt/m/bin/movesia-mcp"], simulate=False)
    simulated = server_entry(spec, ["/opt/m/bin/movesia-mcp"], simulate=True)
    typed = {"type": "stdio"} if client in ("vscode", "claude-code") else {}
    assert plain == {**typed, "command": "/opt/m/bin/movesia-mcp", "args": []}
    assert simulated == {
        **typed,
        "command": "/opt/m/bin/movesia-mcp",
        "args": ["--simulate-unity"],
        "env": {"SERVER_PORT": SIMULATED_PORT},
    }


# ── merging into real files ────────────────────────────────────────────────────────────

THEIRS = {"command": "npx", "args": ["-y", "their-server"], "env": {"KEY": "v"}}


def existing_document(client: str) -> dict[str, Any]:
    return {"theme": "dark", servers_key(client): {"theirs": THEIRS}, "inputs": []}


@pytest.mark.parametrize(("client", "via_config"), FILE_TARGETS)
def test_merge_keeps_every_other_server_and_key_and_backs_the_file_up(
    tmp_path: Path, client: str, via_config: bool
) -> None:
    path, extra = target(client, tmp_path, via_config)
    path.parent.mkdir(parents=True)
    original = json.dumps(existing_document(client), indent=4).encode()
    path.write_bytes(original)

    code, out, err = run_install(client, *extra, home=tmp_path)

    assert (code, err) == (0, "")
    written = json.loads(path.read_text())
    expected_entry = server_entry(CLIENTS[client], THIS_COMMAND, simulate=False)
    assert written == {
        "theme": "dark",
        servers_key(client): {"theirs": THEIRS, "movesia": expected_entry},
        "inputs": [],
    }
    assert list(written) == ["theme", servers_key(client), "inputs"]  # order kept
    [backup] = backups(path)
    assert backup.read_bytes() == original
    assert str(path) in out
    assert str(backup) in out
    assert leftovers(path) == []


@pytest.mark.parametrize(("client", "via_config"), FILE_TARGETS)
def test_a_missing_file_and_its_folder_are_created_without_a_backup(
    tmp_path: Path, client: str, via_config: bool
) -> None:
    path, extra = target(client, tmp_path, via_config)
    assert not path.parent.exists()
    code, out, _ = run_install(client, *extra, home=tmp_path)
    assert code == 0
    assert json.loads(path.read_text()) == {
        servers_key(client): {
            "movesia": server_entry(CLIENTS[client], THIS_COMMAND, simulate=False)
        }
    }
    assert backups(path) == []
    assert "previous file" not in out


@pytest.mark.parametrize(("client", "via_config"), FILE_TARGETS)
def test_a_second_run_changes_nothing_and_makes_no_new_backup(
    tmp_path: Path, client: str, via_config: bool
) -> None:
    path, extra = target(client, tmp_path, via_config)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(existing_document(client)))
    assert run_install(client, *extra, home=tmp_path)[0] == 0
    after_first = path.read_bytes()
    first_backups = backups(path)
    assert len(first_backups) == 1

    code, out, _ = run_install(client, *extra, home=tmp_path)

    assert code == 0
    assert "already registered" in out
    assert "nothing changed" in out
    assert path.read_bytes() == after_first
    assert backups(path) == first_backups


@pytest.mark.parametrize(("client", "via_config"), FILE_TARGETS)
def test_invalid_json_is_refused_naming_the_file_and_nothing_changes(
    tmp_path: Path, client: str, via_config: bool
) -> None:
    path, extra = target(client, tmp_path, via_config)
    path.parent.mkdir(parents=True)
    broken = b'{\n  "mcpServers": {\n    "theirs": {"command": "x"},\n  }\n}\n'  # trailing comma
    path.write_bytes(broken)

    code, out, err = run_install(client, *extra, home=tmp_path)

    assert code == 1
    assert out == ""
    assert err.startswith(f"movesia-mcp install: {path} is not valid JSON (line 4")
    assert "nothing was changed" in err
    assert err.count("\n") == 1
    assert path.read_bytes() == broken
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("[1, 2]", "holds a JSON list, not an object"),
        ('{"mcpServers": ["movesia"]}', "'mcpServers' is a JSON list, not an object"),
        ('{"mcpServers": {"movesia": "on"}}', "mcpServers.movesia is not an object"),
        (b"\xff\xfe{}", "is not UTF-8 text"),
    ],
)
def test_json_of_the_wrong_shape_is_refused_and_nothing_changes(
    tmp_path: Path, content: str | bytes, complaint: str
) -> None:
    path = tmp_path / "mcp.json"
    raw = content if isinstance(content, bytes) else content.encode()
    path.write_bytes(raw)
    code, _, err = run_install("cursor", "--config", str(path), home=tmp_path)
    assert code == 1
    assert complaint in err
    assert str(path) in err
    assert path.read_bytes() == raw
    assert backups(path) == []


def test_an_empty_file_or_one_with_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    empty, bom = tmp_path / "empty.json", tmp_path / "bom.json"
    empty.write_text("\n")
    bom.write_bytes(b'\xef\xbb\xbf{"mcpServers": {"theirs": {"command": "x"}}}')
    assert run_install("cursor", "--config", str(empty), home=tmp_path)[0] == 0
    assert run_install("cursor", "--config", str(bom), home=tmp_path)[0] == 0
    assert list(json.loads(empty.read_text())["mcpServers"]) == ["movesia"]
    assert list(json.loads(bom.read_text())["mcpServers"]) == ["theirs", "movesia"]


@pytest.mark.parametrize(("client", "via_config"), FILE_TARGETS)
def test_dry_run_prints_the_document_and_writes_nothing(
    tmp_path: Path, client: str, via_config: bool
) -> None:
    path, extra = target(client, tmp_path, via_config)
    code, out, _ = run_install(client, *extra, "--dry-run", home=tmp_path)
    assert code == 0
    assert dry_run_document(out) == {
        servers_key(client): {
            "movesia": server_entry(CLIENTS[client], THIS_COMMAND, simulate=False)
        }
    }
    assert not path.parent.exists()  # not even the folder

    path.parent.mkdir(parents=True)
    original = json.dumps(existing_document(client)).encode()
    path.write_bytes(original)
    code, out, _ = run_install(client, *extra, "--dry-run", "--simulate-unity", home=tmp_path)
    assert code == 0
    printed = dry_run_document(out)
    assert printed[servers_key(client)]["theirs"] == THEIRS
    assert printed[servers_key(client)][SIMULATED_NAME]["args"] == ["--simulate-unity"]
    assert path.read_bytes() == original
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


@pytest.mark.parametrize("client", FILE_CLIENTS)
def test_simulated_editor_gets_its_own_entry_beside_the_real_one(
    tmp_path: Path, client: str
) -> None:
    path, _ = target(client, tmp_path, False)
    assert run_install(client, home=tmp_path)[0] == 0
    assert run_install(client, "--simulate-unity", home=tmp_path)[0] == 0
    servers = json.loads(path.read_text())[servers_key(client)]
    assert list(servers) == ["movesia", SIMULATED_NAME]
    assert servers["movesia"]["args"] == []
    assert servers[SIMULATED_NAME]["args"] == ["--simulate-unity"]
    assert servers[SIMULATED_NAME]["env"] == {"SERVER_PORT": SIMULATED_PORT}
    assert len(backups(path)) == 1  # the first run created the file, the second changed it


def test_name_chooses_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "mcp.json"
    assert (
        run_install("windsurf", "--config", str(path), "--name", "unity-b", home=tmp_path)[0] == 0
    )
    assert list(json.loads(path.read_text())["mcpServers"]) == ["unity-b"]
    code, _, err = run_install("windsurf", "--config", str(path), "--name", " ", home=tmp_path)
    assert code == 1
    assert "--name must not be empty" in err


def test_reinstalling_from_another_place_updates_the_command_and_keeps_user_additions(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mcp_config.json"
    mine = {
        "command": "/old/venv/bin/movesia-mcp",
        "args": [],
        "env": {"MOVESIA_TOKEN": "s3cret"},
        "disabled": False,
    }
    path.write_text(json.dumps({"mcpServers": {"movesia": mine}}))
    code, out, _ = run_install("windsurf", "--config", str(path), home=tmp_path)
    assert code == 0
    assert out.startswith("Updated 'movesia'")
    assert json.loads(path.read_text())["mcpServers"]["movesia"] == {
        **mine,
        "command": THIS_COMMAND[0],
    }
    [backup] = backups(path)
    assert json.loads(backup.read_text())["mcpServers"]["movesia"] == mine


def test_the_file_mode_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "claude_desktop_config.json"
    path.write_text("{}")
    path.chmod(0o600)
    assert run_install("claude-desktop", "--config", str(path), home=tmp_path)[0] == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_symlinked_config_is_written_through_the_link(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "mcp.json"
    real.parent.mkdir()
    real.write_text('{"mcpServers": {}}')
    link = tmp_path / ".cursor" / "mcp.json"
    link.parent.mkdir()
    link.symlink_to(real)
    assert run_install("cursor", home=tmp_path)[0] == 0
    assert link.is_symlink()
    assert list(json.loads(real.read_text())["mcpServers"]) == ["movesia"]
    assert [b.read_text() for b in backups(real)] == ['{"mcpServers": {}}']


def test_macos_standard_place_is_written(tmp_path: Path) -> None:
    code, _, _ = run_install("claude-desktop", home=tmp_path, system="macos")
    written = tmp_path / "Library" / "Application Support" / "Claude" / "claude_desktop_config.json"
    assert code == 0
    assert json.loads(written.read_text())["mcpServers"]["movesia"]["command"] == THIS_COMMAND[0]


def test_the_command_line_tool_writes_the_standard_place_of_its_home(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_CONFIG_HOME", "APPDATA")}
    result = subprocess.run(
        [sys.executable, "-m", "movesia_mcp", "install", "claude-desktop"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "HOME": str(tmp_path)},
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    written = tmp_path / ".config" / "Claude" / "claude_desktop_config.json"
    assert str(written) in result.stdout
    entry = json.loads(written.read_text())["mcpServers"]["movesia"]
    assert entry == server_entry(CLIENTS["claude-desktop"], THIS_COMMAND, simulate=False)


def test_the_command_line_tool_refuses_invalid_json_without_a_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "mcp.json"
    broken.write_text("{oops")
    result = subprocess.run(
        [sys.executable, "-m", "movesia_mcp", "install", "vscode", "--config", str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"movesia-mcp install: {broken} is not valid JSON")
    assert "Traceback" not in result.stderr
    assert broken.read_text() == "{oops"


# ── claude-code: `claude mcp add` ──────────────────────────────────────────────────────


def test_without_the_claude_command_the_exact_line_is_printed(tmp_path: Path) -> None:
    code, out, _ = run_install("claude-code", home=tmp_path)
    assert code == 0
    header, line = out.strip().split("\n")
    assert "'claude' command is not on PATH" in header
    assert shlex.split(line) == [
        "claude",
        "mcp",
        "add",
        "--scope",
        "user",
        "movesia",
        "--",
        *THIS_COMMAND,
    ]
    assert list(tmp_path.iterdir()) == []


def test_the_printed_line_is_quoted_for_windows() -> None:
    out, err = io.StringIO(), io.StringIO()
    host = Host("windows", WINDOWS.home, {"PATH": ""})
    installer = Installer(host, "C:\\Program Files\\Py\\python.exe", out, err)
    assert installer.run("claude-code", simulate=True) == 0
    assert out.getvalue().splitlines()[1] == (
        "  claude mcp add --scope user movesia-simulated -e SERVER_PORT=8766 -- "
        '"C:\\Program Files\\Py\\python.exe" -m movesia_mcp --simulate-unity'
    )


def recording_claude(tmp_path: Path, *, exit_code: int = 0) -> tuple[Path, Path]:
    """A stand-in ``claude`` executable that appends its arguments to a log (the real CLI
    is not part of the test environment; see test_real_claude_cli below for it)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "claude-calls.jsonl"
    program = bin_dir / "claude"
    program.write_text(
        textwrap.dedent(
            f"""\
            #!{sys.executable}
            import json, sys
            with open({str(log)!r}, "a") as f:
                f.write(json.dumps(sys.argv[1:]) + "\\n")
            if {exit_code}:
                sys.stderr.write("MCP server movesia already exists in user config\\n")
            sys.exit({exit_code})
            """
        )
    )
    program.chmod(0o755)
    return bin_dir, log


def calls(log: Path) -> list[list[str]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_claude_mcp_add_is_run_when_the_cli_is_on_path(tmp_path: Path) -> None:
    bin_dir, log = recording_claude(tmp_path)
    code, out, _ = run_install(
        "claude-code", "--simulate-unity", home=tmp_path, env={"PATH": str(bin_dir)}
    )
    assert code == 0
    assert calls(log) == [
        [
            "mcp",
            "add",
            "--scope",
            "user",
            SIMULATED_NAME,
            "-e",
            f"SERVER_PORT={SIMULATED_PORT}",
            "--",
            *THIS_COMMAND,
            "--simulate-unity",
        ]
    ]
    assert out.startswith(f"Added {SIMULATED_NAME!r} in Claude Code")


def test_claude_code_already_registered_runs_nothing(tmp_path: Path) -> None:
    bin_dir, log = recording_claude(tmp_path)
    entry = {"type": "stdio", "command": THIS_COMMAND[0], "args": [], "env": {}}
    (tmp_path / ".claude.json").write_text(json.dumps({"mcpServers": {"movesia": entry}}))
    code, out, _ = run_install("claude-code", home=tmp_path, env={"PATH": str(bin_dir)})
    assert code == 0
    assert "already registered" in out
    assert calls(log) == []


def test_claude_code_entry_of_another_installation_is_replaced_keeping_its_env(
    tmp_path: Path,
) -> None:
    bin_dir, log = recording_claude(tmp_path)
    old = {"type": "stdio", "command": "/old/bin/movesia-mcp", "args": [], "env": {"T": "1"}}
    (tmp_path / ".claude.json").write_text(json.dumps({"mcpServers": {"movesia": old}}))
    code, out, _ = run_install("claude-code", home=tmp_path, env={"PATH": str(bin_dir)})
    assert code == 0
    assert out.startswith("Updated 'movesia'")
    assert calls(log) == [
        ["mcp", "remove", "--scope", "user", "movesia"],
        ["mcp", "add", "--scope", "user", "movesia", "-e", "T=1", "--", *THIS_COMMAND],
    ]


def test_claude_code_dry_run_prints_and_runs_nothing(tmp_path: Path) -> None:
    bin_dir, log = recording_claude(tmp_path)
    code, out, _ = run_install(
        "claude-code", "--dry-run", home=tmp_path, env={"PATH": str(bin_dir)}
    )
    assert code == 0
    assert out.splitlines()[0] == "Dry run: would run"
    assert shlex.split(out.splitlines()[1])[:6] == [
        "claude",
        "mcp",
        "add",
        "--scope",
        "user",
        "movesia",
    ]
    assert calls(log) == []


def test_a_failing_claude_command_is_reported(tmp_path: Path) -> None:
    bin_dir, _ = recording_claude(tmp_path, exit_code=1)
    code, out, err = run_install("claude-code", home=tmp_path, env={"PATH": str(bin_dir)})
    assert code == 1
    assert "failed (exit 1): MCP server movesia already exists in user config" in err
    assert "Added" not in out


def test_real_claude_cli(tmp_path: Path) -> None:
    """Against Claude Code's own CLI, where it is installed (MOVESIA_CLAUDE_CLI names it
    when it is not on PATH)."""
    import shutil

    claude = os.environ.get("MOVESIA_CLAUDE_CLI") or shutil.which("claude")
    if not claude:
        pytest.skip("Claude Code's claude CLI is not installed here")
    env = {
        "PATH": f"{Path(claude).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
    }
    first = run_install("claude-code", home=tmp_path, env=env)
    second = run_install("claude-code", home=tmp_path, env=env)
    simulated = run_install("claude-code", "--simulate-unity", home=tmp_path, env=env)
    assert [first[0], second[0], simulated[0]] == [0, 0, 0], (first, second, simulated)
    assert "already registered" in second[1]
    servers = json.loads((tmp_path / ".claude.json").read_text())["mcpServers"]
    assert servers["movesia"]["command"] == THIS_COMMAND[0]
    assert servers["movesia"]["args"] == []
    assert servers[SIMULATED_NAME]["args"] == ["--simulate-unity"]
    assert servers[SIMULATED_NAME]["env"] == {"SERVER_PORT": SIMULATED_PORT}


# ── the written command really serves ──────────────────────────────────────────────────


async def list_tools_of(entry: dict[str, Any], cwd: Path, *, simulated: bool) -> set[str]:
    params = StdioServerParameters(
        command=entry["command"],
        args=entry["args"],
        env={
            **os.environ,
            **entry.get("env", {}),
            "SERVER_PORT": str(free_port()),
            "LOG_LEVEL": "WARNING",
        },
        cwd=str(cwd),
    )
    async with asyncio.timeout(60), Client(params) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        if simulated:
            deadline = time.monotonic() + 20
            while True:
                status = await client.call_tool("get_connection_status", {})
                assert status.structured_content is not None
                if status.structured_content["connected"]:
                    break
                assert time.monotonic() < deadline, "the simulated editor never connected"
                await asyncio.sleep(0.05)
            found = await client.call_tool("find_objects", {"name": "Main Camera"})
            assert found.is_error is False
    return names


@pytest.mark.parametrize("simulate", [False, True], ids=["editor", "simulated"])
async def test_the_written_command_starts_a_working_server_from_another_folder(
    tmp_path: Path, simulate: bool
) -> None:
    config = tmp_path / "claude_desktop_config.json"
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    args = ["--config", str(config), *(["--simulate-unity"] if simulate else [])]
    assert run_install("claude-desktop", *args, home=tmp_path)[0] == 0
    name = SIMULATED_NAME if simulate else "movesia"
    entry = json.loads(config.read_text())["mcpServers"][name]
    assert Path(entry["command"]).is_absolute()

    names = await list_tools_of(entry, elsewhere, simulated=simulate)

    assert set(TOOLS_BY_NAME) <= names
    assert "get_connection_status" in names


# ── the example config ─────────────────────────────────────────────────────────────────


def test_example_config_says_where_the_absolute_path_goes_and_matches_install() -> None:
    example = json.loads((ROOT / "claude_desktop_config.example.json").read_text())
    assert "movesia-mcp install" in example["_comment"]
    assert "absolute" in example["_comment"]
    spec = CLIENTS["claude-desktop"]
    for name, simulate in (("movesia", False), (SIMULATED_NAME, True)):
        shown = example["mcpServers"][name]
        assert shown["command"] == "/absolute/path/to/.venv/bin/movesia-mcp"
        installed = server_entry(spec, [shown["command"]], simulate=simulate)
        assert shown["args"] == installed["args"]
        assert shown.get("env", {}) | installed.get("env", {}) == shown.get("env", {})


def test_readme_registers_every_client_with_install_and_shows_the_install_paths() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Register it in an MCP client", 1)[1].split("\n## ", 1)[0]
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "movesia-mcp install claude-desktop" in section
    for client in CLIENTS:
        assert f"| `{client}` |" in section, client
    for (client, system), path in STANDARD_PATHS.items():
        if client == "claude-code":
            continue
        shown = path.replace("/home/ann", "~").replace("/Users/ann", "~")
        shown = shown.replace("C:\\Users\\ann\\AppData\\Roaming", "%APPDATA%")
        shown = shown.replace("C:\\Users\\ann", "%USERPROFILE%")
        assert f"`{shown}`" in section, (client, system)
    assert "claude mcp add --scope user movesia -- " in section
    assert "Python 3.11 or newer" in quick_start
    assert "pipx install git+https://github.com/" in quick_start
    assert "uvx --from git+https://github.com/" in quick_start
    assert ".venv/bin/pip install -e ." in quick_start
