"""The per-user secret that lets a relay talk to the movesia-mcp holding the Unity port.

The holder writes a fresh random secret, named after the port, to a directory only
its user can enter, in a file only its user can read (mode 0600). A relay of the same
user reads it and presents it on every request to ``/relay``; the holder compares it
in constant time. Another local user can neither read the file nor plant one: a
directory or file that is not the user's own, is open to others, or is a symbolic
link is refused, with a message saying which and why.

Where the directory is (first that applies): ``MOVESIA_STATE_DIR``;
``$XDG_RUNTIME_DIR/movesia-mcp``; on macOS ``~/Library/Application Support/movesia-mcp``;
on Windows ``%LOCALAPPDATA%\\movesia-mcp``; otherwise ``~/.local/state/movesia-mcp``.
On Windows the owner and mode checks are left to the profile directory's ACL.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import sys
from collections.abc import Mapping
from pathlib import Path

from .._exceptions import RelaySecretError
from .._security import secret_matches

RELAY_HEADER = "x-movesia-relay-secret"
SECRET_BYTES = 32
_MAX_FILE_BYTES = 1024
_POSIX = os.name == "posix"


def state_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("MOVESIA_STATE_DIR", "").strip():
        return Path(env["MOVESIA_STATE_DIR"].strip())
    if env.get("XDG_RUNTIME_DIR", "").strip() and sys.platform not in ("win32", "darwin"):
        return Path(env["XDG_RUNTIME_DIR"].strip()) / "movesia-mcp"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "movesia-mcp"
    if sys.platform == "win32" and env.get("LOCALAPPDATA"):
        return Path(env["LOCALAPPDATA"]) / "movesia-mcp"
    return Path.home() / ".local" / "state" / "movesia-mcp"


def secret_path(port: int, directory: Path | None = None) -> Path:
    return (directory or state_dir()) / f"relay-{port}.secret"


def _check_private(st: os.stat_result, what: str, path: Path) -> None:
    if not _POSIX:
        return
    if st.st_uid != os.getuid():
        raise RelaySecretError(
            f"{what} {path} belongs to another user (uid {st.st_uid}); refusing to use it"
        )
    if st.st_mode & 0o077:
        raise RelaySecretError(
            f"{what} {path} has mode {stat.S_IMODE(st.st_mode):04o}; it must be private to "
            f"you ({'0700' if what == 'directory' else '0600'}): fix it with chmod or delete it"
        )


def _private_dir(directory: Path, *, create: bool) -> None:
    if create:
        with contextlib.suppress(FileExistsError):
            directory.mkdir(mode=0o700, parents=True)
    try:
        st = os.lstat(directory)
    except FileNotFoundError:
        raise RelaySecretError(f"directory {directory} does not exist") from None
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise RelaySecretError(f"{directory} is not a plain directory; refusing to use it")
    _check_private(st, "directory", directory)


def write_secret(port: int, directory: Path | None = None) -> tuple[Path, str]:
    """A fresh secret for ``port``, written atomically; returns its path and value."""
    directory = directory or state_dir()
    _private_dir(directory, create=True)
    value = secrets.token_urlsafe(SECRET_BYTES)
    path = secret_path(port, directory)
    temp = directory / f".relay-{port}.{os.getpid()}.{secrets.token_hex(4)}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(temp, flags, 0o600)
    try:
        os.write(fd, value.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, path)
    return path, value


def read_secret(port: int, directory: Path | None = None) -> str:
    """The secret of the holder of ``port``, from a file that only this user controls."""
    directory = directory or state_dir()
    _private_dir(directory, create=False)
    path = secret_path(port, directory)
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise RelaySecretError(f"no relay secret at {path}") from None
    except OSError as exc:
        raise RelaySecretError(f"cannot read the relay secret {path}: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise RelaySecretError(f"{path} is not a regular file; refusing to use it")
        _check_private(st, "file", path)
        data = os.read(fd, _MAX_FILE_BYTES + 1)
    finally:
        os.close(fd)
    value = data.decode("ascii", "replace").strip()
    if not value or len(data) > _MAX_FILE_BYTES:
        raise RelaySecretError(f"{path} does not hold a relay secret")
    return value


def remove_secret(port: int, value: str, directory: Path | None = None) -> None:
    """Delete the file if it still holds ``value`` (a newer holder's file stays)."""
    path = secret_path(port, directory)
    with contextlib.suppress(OSError, RelaySecretError):
        if secret_matches(read_secret(port, directory), value):
            path.unlink()
