"""Which database and Redis `make test` uses: PostgreSQL and Redis on their documented addresses when they
answer (the production engines: the money SQL is PostgreSQL's), SQLite and local memory otherwise.

Prints shell `export` lines for the Makefile to evaluate; what it chose goes to standard error. An
explicit DATABASE_URL / REDIS_URL always wins.
"""

from __future__ import annotations

import os
import socket
import sys

POSTGRES = ("127.0.0.1", 5432, "postgres://postgres@127.0.0.1:5432/comfyweb")
REDIS = ("127.0.0.1", 6379, "redis://127.0.0.1:6379/0")


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _postgres_usable(url: str) -> bool:
    """The server accepts the documented user (trust auth), and the main database exists or is created."""
    try:
        import psycopg

        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=2
        ) as conn:
            conn.autocommit = True
            name = url.rsplit("/", 1)[1]
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{name}"')
        return True
    except Exception as exc:  # noqa: BLE001 - any failure means "use SQLite"
        print(
            f"PostgreSQL answers on 127.0.0.1:5432 but is not usable ({exc}); using SQLite", file=sys.stderr
        )
        return False


def main() -> None:
    database = os.environ.get("DATABASE_URL", "")
    redis = os.environ.get("REDIS_URL", "")
    if not database and _answers(*POSTGRES[:2]) and _postgres_usable(POSTGRES[2]):
        database = POSTGRES[2]
    if not redis and _answers(*REDIS[:2]):
        redis = REDIS[2]
    print(
        f"tests: database {database or 'SQLite (no PostgreSQL on 127.0.0.1:5432)'}; "
        f"redis {redis or 'none (local memory)'}",
        file=sys.stderr,
    )
    # Unset, not empty: an empty DATABASE_URL is a configuration error, an absent one the SQLite default.
    for name, value in (("DATABASE_URL", database), ("REDIS_URL", redis)):
        print(f"export {name}='{value}'" if value else f"unset {name}")
    if redis:
        print("export CELERY_TASK_ALWAYS_EAGER=1")  # the suite checks task effects in-process


if __name__ == "__main__":
    main()
