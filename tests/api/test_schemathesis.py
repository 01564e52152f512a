"""Schemathesis over the whole OpenAPI document, in process against the WSGI app, with every
check it has (`schemathesis.checks.CHECKS`: server errors, status codes, content types, bodies,
headers, negative data rejected, positive data accepted, missing required headers, unsupported
methods, Allow headers, use after free, resource availability, ignored auth, object-level
authorization).

`test_api_conforms_to_its_schema` sends generated valid and invalid requests to every operation
with a manager's token (the role that may do the most); `test_api_workflows_follow_the_links`
walks the document's OpenAPI links (create a complaint, then act on it; request compensation,
then decide it; subscribe, then read the log and unsubscribe) as a state machine. Any failure of
any check fails the test. Examples are fixed and capped to keep the run short.
"""

import os
from datetime import timedelta

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.config._checks import POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES
from schemathesis.specs.openapi import stateful

from tests import factories
from tests.api.conftest import token_for

load_all_checks()
ALL_CHECKS = [check for check in CHECKS.get_all() if not isinstance(check, type)]

CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            # 422 is how this API refuses a well-formed request that a business rule forbids
            # (DESIGN §5): a currency the deployment does not use, an Idempotency-Key already
            # used for another request, a transition the complaint's state does not allow. No
            # JSON Schema can know those, so a schema-valid request may get a 422; 400 (the
            # request does not match the document) stays a failure.
            "positive_data_acceptance": {
                "expected-statuses": [*POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES, "422"]
            },
        }
    }
)

EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "20"))
SETTINGS = hypothesis.settings(
    # CI: fixed examples (< 2 minutes for the file). A deeper, random hunt by hand:
    # SCHEMATHESIS_MAX_EXAMPLES=300 SCHEMATHESIS_RANDOM=1 .venv/bin/python -m pytest tests/api
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    derandomize=not os.environ.get("SCHEMATHESIS_RANDOM"),
)


# Fields whose value must lie in the future (their descriptions say so). A bound relative to the
# moment of the request is beyond what a static document can state, so a generated time in the
# past is moved a day ahead; nothing else of the case changes, and every check still runs.
FUTURE_FIELDS = ("promised_by", "until")


def map_case(context, case):
    if isinstance(case.body, dict):
        for name in FUTURE_FIELDS:
            value = case.body.get(name)
            try:
                when = parse_datetime(value) if isinstance(value, str) else None
            except ValueError:
                when = None
            if when is not None and timezone.is_aware(when) and when <= timezone.now():
                case.body[name] = (timezone.now() + timedelta(days=1)).isoformat()
    return case


@pytest.fixture
def api_schema(db, settings):
    settings.API_THROTTLE_RATE = None
    # As Django's test client does: the test's transaction must survive each request's end.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        loaded = schemathesis.openapi.from_wsgi(
            "/api/v1/schema/", get_wsgi_application(), config=CONFIG
        )
        loaded.hook(map_case)
        yield loaded
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def auth_headers(db, manager):
    for state in ("venting", "acknowledged", "apologized", "escalated", "remedied"):
        factories.complaint_in(state)
    return {"Authorization": f"Token {token_for(manager)}"}


def test_every_check_schemathesis_has_is_run():
    names = {check.__name__ for check in ALL_CHECKS}
    assert {
        "not_a_server_error",
        "response_schema_conformance",
        "response_headers_conformance",
        "negative_data_rejection",
        "positive_data_acceptance",
        "missing_required_header",
        "unsupported_method",
        "use_after_free",
        "ensure_resource_availability",
        "ignored_auth",
    } <= names
    config = CONFIG.projects.default.checks
    assert all(config.get_by_name(name=name).enabled for name in names)


@schema.parametrize()
@SETTINGS
def test_api_conforms_to_its_schema(case, auth_headers):
    case.call_and_validate(headers=auth_headers, checks=ALL_CHECKS)


def test_api_workflows_follow_the_links(api_schema, auth_headers, monkeypatch):
    # Schemathesis reads the intake's `external_id` (the caller's own id for a complaint) as a
    # reference to an `External` resource that no operation produces, a naming heuristic, and
    # so would never start a workflow by filing a complaint. Filing is where they start.
    likely_root = stateful.is_likely_root_transition

    def is_likely_root(operation, *args, **kwargs):
        return operation.label == "POST /api/v1/complaints/" or likely_root(
            operation, *args, **kwargs
        )

    monkeypatch.setattr(stateful, "is_likely_root_transition", is_likely_root)

    class Workflow(api_schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": auth_headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                checks=ALL_CHECKS,
                headers=auth_headers,
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    Workflow.run(
        settings=hypothesis.settings(
            SETTINGS, max_examples=max(EXAMPLES // 3, 5), stateful_step_count=8
        )
    )
