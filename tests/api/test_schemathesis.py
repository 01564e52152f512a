"""Schemathesis over the whole OpenAPI document, in process against the WSGI app.

Every operation gets generated valid and invalid requests, sent with a manager's token (the role
that may do the most); any 5xx, or any response that the document does not describe (status,
content type, body, headers), fails. Examples per operation are capped to keep the run short.
"""

import os

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories
from tests.api.conftest import token_for

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]


@pytest.fixture
def api_schema(db, settings):
    settings.API_THROTTLE_RATE = None
    # As Django's test client does: the test's transaction must survive each request's end.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def auth_headers(db, manager):
    for state in ("venting", "acknowledged", "apologized", "escalated", "remedied"):
        factories.complaint_in(state)
    return {"Authorization": f"Token {token_for(manager)}"}


@schema.parametrize()
@hypothesis.settings(
    # CI: 30 fixed examples per operation (< 1 minute). A deeper, random hunt by hand:
    # SCHEMATHESIS_MAX_EXAMPLES=300 SCHEMATHESIS_RANDOM=1 make test PYTEST_ARGS=tests/api
    max_examples=int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    derandomize=not os.environ.get("SCHEMATHESIS_RANDOM"),
)
def test_api_conforms_to_its_schema(case, auth_headers):
    case.call_and_validate(headers=auth_headers, checks=CHECKS)
