"""Real engines for the backend tests, started by the tests themselves on 127.0.0.1: Oxigraph
server (from the `oxigraph` package), PostgreSQL with pgvector (the binaries the `pgserver`
package ships) and Virtuoso (Debian's `virtuoso-opensource`, when installed).

Each server is a child of the test process that dies with it, `kill -9` included
(`DIES_WITH_US`), and keeps its data in a temporary folder removed when it stops. None
daemonises: PostgreSQL runs as `postgres` itself, not through `pg_ctl`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from graph.children import die_with_parent

DIES_WITH_US = die_with_parent
# PostgreSQL refuses to run as root; as root, the tests run it as this user (pgserver's).
PG_USER = "pgserver"


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(ready, process: subprocess.Popen, what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise RuntimeError(f"{what} exited with status {process.returncode}: {output}")
        if ready():
            return
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{what} did not answer within {timeout_s:g} s")


class Engine:
    """A server process and the folder it keeps its data in."""

    process: subprocess.Popen
    folder: Path

    def stop(self) -> None:
        """Stop the server, wait for it, and remove its data."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def oxigraph_binary() -> str | None:
    """The `oxigraph` command of the `oxigraph` package, beside this Python's."""
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


class OxigraphServer(Engine):
    """`oxigraph serve` on a free loopback port; queries see the union of the graphs."""

    def __init__(self) -> None:
        binary = oxigraph_binary()
        if binary is None:
            raise RuntimeError("no oxigraph command: pip install 'oxigraph==0.5.13'")
        self.folder = Path(tempfile.mkdtemp(prefix="civicgraph-oxigraph-"))
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.query_endpoint = f"{self.url}/query"
        self.update_endpoint = f"{self.url}/update"
        self.process = subprocess.Popen(
            [
                binary,
                "serve",
                "--location",
                str(self.folder / "data"),
                "--bind",
                f"127.0.0.1:{port}",
                "--union-default-graph",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=DIES_WITH_US,
        )
        _wait(self._answers, self.process, "oxigraph serve")

    def _answers(self) -> bool:
        try:
            return httpx.get(self.query_endpoint, params={"query": "ASK {}"}, timeout=2).is_success
        except httpx.HTTPError:
            return False

    def clear(self) -> None:
        """Remove every graph."""
        httpx.post(
            self.update_endpoint,
            content=b"DROP ALL",
            headers={"Content-Type": "application/sparql-update"},
            timeout=30,
        ).raise_for_status()


class PostgresServer(Engine):
    """PostgreSQL with pgvector, from pgserver's binaries, on a free loopback port, with
    durability switched off for speed (the tests' data is thrown away)."""

    def __init__(self) -> None:
        from pgserver._commands import POSTGRES_BIN_PATH

        self.folder = Path(tempfile.mkdtemp(prefix="civicgraph-pg-"))
        self.folder.chmod(0o755)
        data = self.folder / "data"
        data.mkdir()
        user = None
        if os.geteuid() == 0:
            import pwd

            from pgserver.utils import ensure_folder_permissions, ensure_user_exists

            ensure_user_exists(PG_USER)
            ensure_folder_permissions(POSTGRES_BIN_PATH, 0o055)
            ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o044)
            entry = pwd.getpwnam(PG_USER)
            for path in (self.folder, data):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            user = PG_USER
        subprocess.run(
            [
                str(POSTGRES_BIN_PATH / "initdb"),
                "-D",
                str(data),
                "--auth=trust",
                "--encoding=utf8",
                "-U",
                "postgres",
            ],
            check=True,
            capture_output=True,
            user=user,
            preexec_fn=DIES_WITH_US,
            timeout=120,
        )
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.process = subprocess.Popen(
            [
                str(POSTGRES_BIN_PATH / "postgres"),
                "-D",
                str(data),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-k",
                str(self.folder),
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            user=user,
            preexec_fn=DIES_WITH_US,
        )
        _wait(self._answers, self.process, "postgres")

    def _answers(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(self.url, connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def database(self, name: str) -> str:
        """The URL of a new, empty database."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url.rsplit("/", 1)[0] + f"/{name}"
