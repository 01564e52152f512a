"""The API tests' fixtures (a token-authenticated JSON client, a clean throttle count)."""

from tests.api.conftest import _clear_throttle_cache, api_as  # noqa: F401
