"""A real Celery worker for the tests that check what runs after commit: started as its own
process against the test database, with beat embedded, stopped when the block ends."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection


def database_url() -> str:
    """The test database as a DATABASE_URL another process can open."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def celery_worker(
    *, tmp_path: Path, env: dict[str, str], name: str
) -> Iterator[tuple[subprocess.Popen, Path]]:
    """`celery worker --beat` (solo pool) with `env`; yields the process and its log file
    (tmp_path/worker.log), and terminates it (killing it after 15 s) when the block ends."""
    log_path = tmp_path / "worker.log"
    celery = Path(sys.executable).with_name("celery")
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            [
                str(celery),
                "-A",
                "config",
                "worker",
                "--beat",
                "--schedule",
                str(tmp_path / "beat-schedule"),
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--hostname",
                f"{name}-{uuid.uuid4().hex[:8]}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=Path(settings.BASE_DIR),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield worker, log_path
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:  # pragma: no cover
                worker.kill()
                worker.wait()
