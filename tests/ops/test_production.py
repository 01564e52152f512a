"""Production as gunicorn runs it: collectstatic with the manifest storage, WhiteNoise serving
the admin's static files from the app itself, probes over plain HTTP despite the TLS redirect,
and JSON log lines."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PORT = 8171  # helper ops' range (8170-8179)


def production_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "k" * 64 + "-a-long-random-production-secret",
        "ALLOWED_HOSTS": "127.0.0.1,redress.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "CELERY_BROKER_URL": "memory://",
        "MAIL_INBOX_DIR": "",
    }


def get(path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", headers=headers)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.integration
def test_gunicorn_alone_serves_the_admin_with_its_static_files(tmp_path):
    env = production_env(tmp_path)
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert collect.returncode == 0, collect.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    assert "admin/css/base.css" in manifest["paths"]
    assert (tmp_path / "static" / (manifest["paths"]["admin/css/base.css"] + ".gz")).exists()

    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{PORT}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        # Probes speak plain HTTP: no redirect to https for them.
        status, _, body = get("/health/live")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        # Everything else is redirected unless the proxy says it came over TLS.
        assert get("/admin/login/")[0] == 301
        status, _, page = get("/admin/login/", **{"X-Forwarded-Proto": "https"})
        assert status == 200
        hashed = re.search(rb'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page)
        assert hashed, page[:500]
        status, headers, css = get(
            hashed.group(1).decode(),
            **{"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"},
        )
        assert status == 200
        assert headers.get("Content-Encoding") == "gzip"
        assert "max-age=315360000" in headers.get("Cache-Control", "")
        # Django's own log lines are JSON objects, one per line.
        assert get("/no-such-page", **{"X-Forwarded-Proto": "https"})[0] == 404
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    lines = [
        line for line in (tmp_path / "server.log").read_text().splitlines() if line.startswith("{")
    ]
    entries = [json.loads(line) for line in lines]
    not_found = [e for e in entries if e["logger"] == "django.request"]
    assert not_found and not_found[0]["level"] == "WARNING"
    assert "/no-such-page" in not_found[0]["message"]
    assert not_found[0]["status_code"] == 404
