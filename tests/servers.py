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


# Virtuoso's configuration: its files in the server's folder, its two ports on loopback,
# SPARQL answers not cut at the default of 10,000 rows (an export reads whole graphs), and
# CaseMode 2 as Debian's own virtuoso.ini sets it (at the built-in 1, ASK answers as a table
# of one `__ASK_RETVAL` column, not as SPARQL's JSON boolean).
VIRTUOSO_INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerThreads = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
"""
# What lets SPARQL over HTTP (Virtuoso's anonymous user "SPARQL") write graphs: by default
# its endpoint only reads. Sent once through Virtuoso's SQL client as its default
# administrator, on a database that lives only as long as the tests.
VIRTUOSO_GRANTS = (
    "GRANT SPARQL_UPDATE TO \"SPARQL\"; DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 7);"
)


class VirtuosoServer(Engine):
    """Debian's Virtuoso (`virtuoso-opensource`) in the foreground on free loopback ports;
    its SPARQL endpoint reads and writes, and queries without a graph see every graph."""

    def __init__(self) -> None:
        binary, client = shutil.which("virtuoso-t"), shutil.which("isql-vt")
        if binary is None or client is None:
            raise RuntimeError(
                "no virtuoso-t or isql-vt: apt-get install -y virtuoso-opensource "
                "(make test installs it: tests/setup_virtuoso.sh)"
            )
        self.folder = Path(tempfile.mkdtemp(prefix="civicgraph-virtuoso-"))
        sql_port, http_port = free_port(), free_port()
        ini = self.folder / "virtuoso.ini"
        ini.write_text(
            VIRTUOSO_INI.format(folder=self.folder, sql_port=sql_port, http_port=http_port)
        )
        self.url = f"http://127.0.0.1:{http_port}"
        self.query_endpoint = self.update_endpoint = f"{self.url}/sparql"
        self.process = subprocess.Popen(
            [binary, "+foreground", "+configfile", str(ini)],
            cwd=self.folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=DIES_WITH_US,
        )
        try:
            _wait(self._answers, self.process, "virtuoso-t")
            subprocess.run(
                [client, f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={VIRTUOSO_GRANTS}"],
                check=True,
                capture_output=True,
                timeout=60,
            )
            # the graphs Virtuoso keeps for itself, which `clear` leaves alone
            self._own_graphs = set(self._graphs())
        except BaseException:
            self.stop()
            raise

    def _answers(self) -> bool:
        try:
            return httpx.get(self.query_endpoint, params={"query": "ASK {}"}, timeout=2).is_success
        except httpx.HTTPError:
            return False

    def _graphs(self) -> list[str]:
        answer = httpx.get(
            self.query_endpoint,
            params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
        answer.raise_for_status()
        return [row["g"]["value"] for row in answer.json()["results"]["bindings"]]

    def clear(self) -> None:
        """Remove every graph but Virtuoso's own."""
        drops = [f"DROP SILENT GRAPH <{g}>" for g in self._graphs() if g not in self._own_graphs]
        if drops:
            httpx.post(
                self.update_endpoint,
                content=" ;\n".join(drops).encode(),
                headers={"Content-Type": "application/sparql-update"},
                timeout=30,
            ).raise_for_status()
