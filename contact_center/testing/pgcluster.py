"""A throwaway PostgreSQL cluster (initdb in a temp dir) for tests and benchmarks.

Not for production: trust authentication, fsync off. Runs the server as the `postgres`
user when started by root (initdb refuses root). Listens on 127.0.0.1 and on a unix socket
in its own directory; `stop()` (or leaving the `with`) shuts it down and removes it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

import psycopg


class ClusterUnavailableError(Exception):
    """No PostgreSQL server binaries here, or no way to run them."""


def find_bin_dir() -> Path | None:
    """initdb and pg_ctl: $PG_BIN (only it, when set), the newest Debian package, or PATH."""
    if os.environ.get("PG_BIN"):
        explicit = Path(os.environ["PG_BIN"])
        return explicit if (explicit / "initdb").exists() else None
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )[::-1]
    which = shutil.which("initdb")
    candidates.append(str(Path(which).parent) if which else "")
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Cluster:
    """`with Cluster() as c:` -> `c.url("dbname")`; `c.create_database(name)`."""

    def __init__(self, bin_dir: Path | None = None, *, parent: str | None = None) -> None:
        found = bin_dir or find_bin_dir()
        if found is None:
            raise ClusterUnavailableError(
                "no initdb/pg_ctl found (install the Debian package `postgresql`, set PG_BIN, "
                "or give the URL of a server)"
            )
        self.bin_dir = found
        self.prefix: list[str] = []
        self._owner: tuple[int, int] | None = None
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                raise ClusterUnavailableError("running as root and there is no runuser")
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise ClusterUnavailableError(
                    "running as root and there is no postgres user"
                ) from None
            self.prefix = ["runuser", "-u", "postgres", "--"]
            self._owner = (pw.pw_uid, pw.pw_gid)
        self.parent = parent
        self.base: Path | None = None
        self.port = 0

    def start(self) -> Cluster:
        self.base = Path(tempfile.mkdtemp(prefix="cc-pg-", dir=self.parent))
        if self._owner is not None:
            os.chown(self.base, *self._owner)
        self.port = free_port()
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data), "-A", "trust",
                  "-U", "postgres", "-E", "UTF8")  # fmt: skip
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        # -l: without a log file the server keeps our stdout pipe open and we never return.
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                  "-o", options, "-w", "start")  # fmt: skip
        return self

    @property
    def data(self) -> Path:
        assert self.base is not None
        return self.base / "data"

    @property
    def log(self) -> Path:
        assert self.base is not None
        return self.base / "log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if self.base is None:
            return
        with contextlib.suppress(Exception):
            self._run(
                str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"
            )
        shutil.rmtree(self.base, ignore_errors=True)
        self.base = None

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [*self.prefix, *args], capture_output=True, text=True, timeout=120, cwd=self.base
        )
        if done.returncode != 0:
            tail = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{Path(args[0]).name} failed: {done.stdout}{done.stderr}{tail}")

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def create_database(admin_url: str, name: str, template: str | None = None) -> str:
    """Create (after dropping) database `name` on the server of `admin_url`; its URL."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        extra = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        conn.execute(f"CREATE DATABASE {name}{extra}")
    return f"{admin_url.rpartition('/')[0]}/{name}"


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
