"""API test helpers: a JSON client authenticated with a real token issued by the service."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from api.services import api_token_issue


class Api:
    """A tiny JSON client: `api.post("/complaints/", {...})` → response with `.data`."""

    base = "/api/v1"

    def __init__(self, key: str | None = None, **headers: str) -> None:
        self.client = Client()
        self.headers = dict(headers)
        if key:
            self.headers["Authorization"] = f"Token {key}"

    def _send(
        self,
        method: str,
        path: str,
        body: Any = None,
        raw: bytes | str | None = None,
        content_type: str = "application/json",
        headers: dict | None = None,
        **query,
    ):
        url = path if path.startswith("/") and path.startswith(self.base) else self.base + path
        all_headers = {**self.headers, **(headers or {})}
        if method == "get":
            response = self.client.get(url, query, headers=all_headers)
        else:
            data = raw if raw is not None else (json.dumps(body) if body is not None else "")
            response = getattr(self.client, method)(
                url, data=data, content_type=content_type, headers=all_headers
            )
        ctype = response.get("Content-Type", "")
        response.data = (
            json.loads(response.content) if "json" in ctype and response.content else None
        )
        return response

    def get(self, path, **query):
        return self._send("get", path, **query)

    def post(self, path, body=None, **kw):
        return self._send("post", path, body, **kw)


def token_for(user) -> str:
    return api_token_issue(user=user)[1]


@pytest.fixture(autouse=True)
def _clear_throttle_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_as():
    return lambda user: Api(token_for(user))


INTAKE = {
    "customer": {"name": "Cora Nutley", "email": "cora@example.com", "phone": "+49 30 1234"},
    "subject": "Coconut opener missing",
    "description": "Your shop has really taken me for a ride!",
    "channel": "api",
    "category": "missing_item",
    "severity": "normal",
}
