"""A client generated from the served OpenAPI document walks the whole contract.

The document is fetched from a live server, `openapi-python-client` generates a package from it
into tmp_path (under a unique name, post-hooks off: nothing is formatted, nothing left behind),
and every call below goes through that package's functions and models only. A crash or a
mis-parse here is a schema bug, to be fixed in the annotations, never worked around in the test:
- every response is parsed into the model its status documents (`raise_on_unexpected_status`),
  and that model, turned back into JSON, is exactly what the server sent;
- `_exact`: no key the document does not declare, no always-sent field documented as optional,
  and every value of its documented type (the generator casts plain values unchecked);
- the complaint detail is polymorphic by `view`: the staff and the customer view each parse
  into their own model.

The walks: the coconut story of DESIGN §7 (an integration files it idempotently, frontline
acknowledges, apologises and remedies within authority, both views read it back, the list
pages by cursor); a refund above frontline authority approved by a manager's token; a webhook
subscription, its deliveries pumped in-process and read back page by page, then deleted; and
every other operation (pause, resume, escalate, return, reject, reopen, set limits). Errors
(400, 401, 403, 404, 409, 422) parse into the generated `Error` model. The integration's key
comes from `manage.py create_api_token`, as a real shop's would. Marked `integration`: it runs
the generator as a process.
"""

from __future__ import annotations

import functools
import importlib
import json
import subprocess
import sys
import types
import typing
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs
import httpx
import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.api.conftest import token_for
from tests.receivers import Receiver
from webhooks import services as webhook_services

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

GENERATOR_TIMEOUT = 120  # seconds; it takes about two


class Generated(SimpleNamespace):
    """The generated package: `gen.call("complaints", "complaints_create", ...)`, `gen.m.X`."""

    def op(self, tag: str, operation_id: str):
        return importlib.import_module(f"{self.name}.api.{tag}.{operation_id}")

    def call(self, tag: str, operation_id: str, *, client, **kwargs):
        """The operation's `sync_detailed`: the status and the parsed body, checked exact."""
        response = self.op(tag, operation_id).sync_detailed(client=client, **kwargs)
        if response.content:
            _exact(response.parsed, self.types.Unset)
            sent = json.loads(response.content)
            assert _as_json(response.parsed) == sent, f"{operation_id} mis-parsed {sent}"
        return response

    def client(self, key: str):
        return self.pkg.AuthenticatedClient(
            base_url=self.base_url,
            token=key,
            prefix="Token",
            raise_on_unexpected_status=True,
            timeout=httpx.Timeout(30.0),
        )


def _as_json(parsed: Any) -> Any:
    """What a parsed body says, back as JSON: it must be what the server sent."""
    if isinstance(parsed, list):
        return [_as_json(item) for item in parsed]
    return parsed.to_dict() if hasattr(parsed, "to_dict") else parsed


def _exact(value: Any, unset: type, path: str = "body") -> None:
    """The body's models say exactly what the server sent: a model with declared properties
    keeps nothing in `additional_properties` (free-form maps, with none declared, may), and
    every declared property is required (a response always carries every field it documents,
    so a typed client never has to test for `Unset`)."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            _exact(item, unset, f"{path}[{i}]")
        return
    if not attrs.has(type(value)):
        return
    fields = [f for f in attrs.fields(type(value)) if f.name != "additional_properties"]
    declared = [f.name for f in fields]
    extra = getattr(value, "additional_properties", {})
    where = f"{path} ({type(value).__name__})"
    if declared:
        assert not extra, f"{where} has undocumented keys: {sorted(extra)}"
    hints = _hints(type(value))
    optional = [name for name in declared if unset in typing.get_args(hints[name])]
    assert not optional, f"{where}: always sent, but documented as optional: {optional}"
    for name in declared:
        got = getattr(value, name)
        assert _fits(got, hints[name]), f"{path}.{name} is {got!r}, documented as {hints[name]}"
        _exact(got, unset, f"{path}.{name}")


@functools.cache
def _hints(model: type) -> dict[str, Any]:
    """A generated model's field types, resolved (its annotations are strings, and the
    models they name are imported only for type checkers)."""
    module = sys.modules[model.__module__]
    models = sys.modules[model.__module__.rpartition(".")[0]]
    return typing.get_type_hints(model, globalns=vars(module), localns=vars(models))


def _fits(value: Any, hint: Any) -> bool:
    """Whether a parsed value is of its documented type: the generator casts plain values
    without checking them, so a string sent for a documented integer would pass unseen."""
    if hint is Any:
        return True
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return any(_fits(value, h) for h in typing.get_args(hint))
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        return isinstance(value, list) and all(_fits(v, item) for v in value)
    if hint is type(None):
        return value is None
    if hint in (int, float) and isinstance(value, bool):
        return False
    if hint is float:
        return isinstance(value, (int, float))
    return isinstance(value, typing.get_origin(hint) or hint)


@pytest.fixture(scope="module")
def gen(live_server, tmp_path_factory) -> Iterator[Generated]:
    base = tmp_path_factory.mktemp("generated-client")
    with urllib.request.urlopen(f"{live_server.url}/api/v1/schema/?format=json") as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("application/vnd.oai.openapi+json")
        document = json.loads(answer.read())
    (base / "openapi.json").write_text(json.dumps(document))
    name = f"redress_client_{uuid.uuid4().hex[:12]}"
    (base / "config.yaml").write_text(
        f"project_name_override: {name}\npackage_name_override: {name}\npost_hooks: []\n"
        # The customer export is a ZIP and an attachment any type: the generator reads them as
        # a file (bytes), as it does application/octet-stream.
        "content_type_overrides:\n  application/zip: application/octet-stream\n"
        '  "*/*": application/octet-stream\n'
    )
    command = [
        sys.executable,
        "-m",
        "openapi_python_client",
        "generate",
        "--path",
        str(base / "openapi.json"),
        "--config",
        str(base / "config.yaml"),
        "--meta",
        "none",
        "--output-path",
        str(base / name),
        "--fail-on-warning",
    ]
    try:
        done = subprocess.run(
            command, cwd=base, capture_output=True, text=True, timeout=GENERATOR_TIMEOUT
        )
    except subprocess.TimeoutExpired as stuck:
        pytest.fail(
            f"openapi-python-client took over {GENERATOR_TIMEOUT} s:\n"
            f"--- stdout ---\n{stuck.stdout}\n--- stderr ---\n{stuck.stderr}",
            pytrace=False,
        )
    if done.returncode != 0 or not (base / name / "__init__.py").exists():
        pytest.fail(
            f"openapi-python-client could not generate a client (exit {done.returncode}):\n"
            f"--- stdout ---\n{done.stdout}\n--- stderr ---\n{done.stderr}",
            pytrace=False,
        )
    sys.path.insert(0, str(base))
    try:
        yield Generated(
            name=name,
            base_url=live_server.url,
            pkg=importlib.import_module(name),
            m=importlib.import_module(f"{name}.models"),
            types=importlib.import_module(f"{name}.types"),
        )
    finally:
        sys.path.remove(str(base))
        for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
            del sys.modules[module]


def _shop_key(user) -> str:
    """An integration's key as an operator issues it: `manage.py create_api_token`, the key
    alone on the last line."""
    out = StringIO()
    scopes = ["complaints:read", "complaints:file", "customer:act", "webhooks:manage"]
    args = [a for scope in scopes for a in ("--scope", scope)]
    call_command("create_api_token", user.username, "--name", "shop", *args, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def _item(section_item: Any, name: str) -> Any:
    """A field of a detail section's item, whether the document types the item (an attribute)
    or leaves it a free-form map (a key)."""
    if name in {f.name for f in attrs.fields(type(section_item))}:
        return getattr(section_item, name)
    return section_item[name]


def _cursor(next_url: Any) -> str | None:
    """The `cursor` of a page's `next` link (None on the last page)."""
    if not isinstance(next_url, str):
        return None
    return parse_qs(urlsplit(next_url).query)["cursor"][0]


def _intake(gen: Generated, subject: str):
    m = gen.m
    return m.IntakeInRequest(
        customer=m.CustomerInRequest(
            name="Cora Nutley", email="cora@example.com", phone="+49 30 1234"
        ),
        subject=subject,
        description="Your shop has really taken me for a ride! The opener was not in the box.",
        channel=m.ChannelEnum("api"),
        category=m.CategoryEnum("missing_item"),
        severity=m.SeverityEnum("normal"),
        customer_request=m.CustomerRequestEnum("replacement"),
        customer_request_detail="The opener the listing promised",
    )


def _file(gen: Generated, shop, subject: str, **kwargs):
    filed = gen.call(
        "complaints", "complaints_create", client=shop, body=_intake(gen, subject), **kwargs
    )
    assert filed.status_code == 201, filed.content
    assert isinstance(filed.parsed, gen.m.ComplaintCustomerDetailOut)
    return filed.parsed


def _acknowledge_and_apologize(gen: Generated, agent, complaint_id: int):
    m = gen.m
    promised = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    acked = gen.call(
        "complaints",
        "complaints_acknowledge",
        complaint_id=complaint_id,
        client=agent,
        body=m.AcknowledgeInRequest(
            summary="Four young coconuts arrived; the promised opener did not.",
            message="I understand — I once bought something that arrived incomplete too.",
            promised_by=promised,
            summary_confirmed=True,
        ),
        idempotency_key=f"ack-{complaint_id}",
    )
    assert acked.status_code == 200, acked.content
    assert isinstance(acked.parsed, m.ComplaintDetailOut)
    assert acked.parsed.state == "acknowledged"
    assert acked.parsed.promised_by == promised
    apologized = gen.call(
        "complaints",
        "complaints_apologize",
        complaint_id=complaint_id,
        client=agent,
        body=m.ApologizeInRequest(
            message="We are sorry: our packer forgot the opener.", fault=m.FaultEnum("company")
        ),
        if_match=f'"{acked.parsed.version}"',
    )
    assert apologized.status_code == 200, apologized.content
    assert apologized.parsed.state == "apologized"
    return acked.parsed, apologized.parsed


def test_the_coconut_walk(gen, integration, frontline):
    m = gen.m
    shop, agent = gen.client(_shop_key(integration)), gen.client(token_for(frontline))

    # The shop files it; a retry with the same key returns the first complaint, not a second.
    first = _file(gen, shop, "Coconut opener missing", idempotency_key="order-4711")
    assert first.view == "customer"
    assert first.state == "venting" and first.available_transitions == []
    again = _file(gen, shop, "Coconut opener missing", idempotency_key="order-4711")
    assert again.id == first.id
    reused = gen.call(
        "complaints",
        "complaints_create",
        client=shop,
        body=_intake(gen, "Something else entirely"),
        idempotency_key="order-4711",
    )
    assert reused.status_code == 422 and isinstance(reused.parsed, m.Error)
    assert reused.parsed.code and reused.parsed.message

    acked, _ = _acknowledge_and_apologize(gen, agent, first.id)
    # Acknowledging twice is the wrong state: a 409 in the error model.
    twice = gen.call(
        "complaints",
        "complaints_acknowledge",
        complaint_id=first.id,
        client=agent,
        body=m.AcknowledgeInRequest(summary="x", message="y", promised_by=acked.promised_by),
    )
    assert twice.status_code == 409 and isinstance(twice.parsed, m.Error)
    assert twice.parsed.code and twice.parsed.message

    remedied = gen.call(
        "complaints",
        "complaints_remedy",
        complaint_id=first.id,
        client=agent,
        body=m.RemedyInRequest(
            message="An opener goes out by express today, and one more coconut on us.",
            root_cause="Packer forgot the opener",
            outcome=m.OutcomeEnum("upheld"),
            compensations=[
                m.CompensationItemInRequest(
                    kind=m.CompensationKindEnum("replacement"),
                    amount="6.90",
                    currency=m.CurrencyEnum("EUR"),
                    quantity=1,
                    note="coconut opener, express",
                ),
                m.CompensationItemInRequest(
                    kind=m.CompensationKindEnum("gift"),
                    amount="3.50",
                    currency=m.CurrencyEnum("EUR"),
                    quantity=1,
                    note="one young coconut",
                    nature=m.CompensationNatureEnum("goodwill"),
                ),
            ],
        ),
        idempotency_key=f"remedy-{first.id}",
    )
    assert remedied.status_code == 200, remedied.content
    assert remedied.parsed.state == "remedied"
    assert remedied.parsed.outcome == m.OutcomeEnum("upheld")

    # The staff view: internal detail, the granted requests, the whole timeline.
    staff = gen.call("complaints", "complaints_retrieve", complaint_id=first.id, client=agent)
    assert staff.status_code == 200
    detail = staff.parsed
    assert isinstance(detail, m.ComplaintDetailOut)
    assert detail.view == "staff"
    assert detail.fault == "company"
    assert detail.root_cause == "Packer forgot the opener"
    assert detail.customer_request == m.CustomerRequestEnum("replacement")
    assert (detail.outcome, detail.outcome_reason) == (m.OutcomeEnum("upheld"), "")
    assert [_item(r, "nature") for r in detail.compensation_requests] == ["redress", "goodwill"]
    assert detail.assignee is None or detail.assignee.username
    assert [_item(r, "status") for r in detail.compensation_requests] == ["granted", "granted"]
    assert len(detail.timeline) >= 4 and all(isinstance(e.at, datetime) for e in detail.timeline)
    assert staff.headers["ETag"] == f'"{detail.version}"'

    # The shop's (customer) view of the same complaint: public timeline, what was granted.
    public = gen.call("complaints", "complaints_retrieve", complaint_id=first.id, client=shop)
    view = public.parsed
    assert isinstance(view, m.ComplaintCustomerDetailOut)
    assert view.state == "remedied" and view.version == detail.version
    assert sorted((c.kind.value, c.amount, c.currency) for c in view.compensation) == [
        ("gift", "3.50", "EUR"),
        ("replacement", "6.90", "EUR"),
    ]
    steps = [(e.from_state, e.to_state) for e in view.timeline if e.kind.value == "step"]
    assert ("apologized", "remedied") in steps
    assert view.available_transitions == ["reopen"]

    # The customer accepts, through the shop; it reads back on the public timeline.
    accepted = gen.call(
        "complaints",
        "complaints_messages_create",
        complaint_id=first.id,
        client=shop,
        body=m.MessageInRequest(body="Thank you, that works for me."),
        idempotency_key=f"accept-{first.id}",
    )
    assert accepted.status_code == 201, accepted.content
    assert isinstance(accepted.parsed, m.MessageOut)
    assert accepted.parsed.visibility == "public"
    public = gen.call("complaints", "complaints_retrieve", complaint_id=first.id, client=shop)
    last = public.parsed.timeline[-1]
    assert (last.kind.value, last.source.value, last.body) == (
        "message",
        "customer",
        "Thank you, that works for me.",
    )
    # An internal note is staff work: refused to the shop in the error model.
    note = gen.call(
        "complaints",
        "complaints_messages_create",
        complaint_id=first.id,
        client=shop,
        body=m.MessageInRequest(body="x", visibility=m.VisibilityEnum("internal")),
    )
    assert note.status_code == 403 and isinstance(note.parsed, m.Error)
    assert note.parsed.fields["scope"] == ["staff"]
    bad_key = gen.client("rdr_nope_nope")
    denied = gen.call("complaints", "complaints_retrieve", complaint_id=first.id, client=bad_key)
    assert denied.status_code == 401 and denied.parsed.code == "authentication_failed"

    # The list, a page at a time by cursor, newest first.
    second = _file(gen, shop, "Coconut cracked in transit")
    seen, cursor, pages = [], gen.types.UNSET, 0
    while True:
        page = gen.call(
            "complaints", "complaints_list", client=shop, page_size=1, cursor=cursor
        ).parsed
        assert isinstance(page, m.PaginatedComplaintAnyViewList)
        assert all(isinstance(row, m.ComplaintCustomerOut) for row in page.results)
        seen += [row.id for row in page.results]
        pages += 1
        cursor = _cursor(page.next_)
        if cursor is None:
            break
    assert (seen, pages) == ([second.id, first.id], 2)
    rows = gen.call(
        "complaints", "complaints_list", client=agent, state=m.ComplaintsListState("remedied")
    )
    assert [type(r) for r in rows.parsed.results] == [m.ComplaintOut]
    assert [r.id for r in rows.parsed.results] == [first.id]


def test_a_refund_above_frontline_authority_is_approved_by_a_manager(
    gen, integration, frontline, lead, manager
):
    m = gen.m
    shop = gen.client(_shop_key(integration))
    agent, boss = gen.client(token_for(frontline)), gen.client(token_for(manager))
    filed = _file(gen, shop, "Coconuts all spoiled")
    _acknowledge_and_apologize(gen, agent, filed.id)

    asked = gen.call(
        "complaints",
        "complaints_compensations_create",
        complaint_id=filed.id,
        client=agent,
        body=m.CompensationInRequest(
            kind=m.CompensationKindEnum("refund"),
            amount="400.00",
            currency=m.CurrencyEnum("EUR"),
            quantity=1,
            note="the whole order",
        ),
        idempotency_key=f"refund-{filed.id}",
    )
    assert asked.status_code == 201, asked.content
    request = asked.parsed
    assert isinstance(request, m.CompensationOut)
    assert request.status.value == "pending" and request.required_tier.value == "manager"
    assert request.amount == "400.00" and request.decided_by is None

    escalated = gen.call("complaints", "complaints_retrieve", complaint_id=filed.id, client=agent)
    assert escalated.parsed.state == "escalated"
    refused = gen.call(
        "compensations",
        "compensations_approve",
        request_id=request.id,
        client=gen.client(token_for(lead)),
        body=m.DecisionInRequest(note="Beyond me, but let's try."),
    )
    assert refused.status_code == 403 and refused.parsed.code == "not_permitted"
    mine = gen.call("compensations", "compensations_list", client=agent).parsed
    assert mine.results == []  # never your own to decide

    queue = gen.call(
        "compensations",
        "compensations_list",
        client=boss,
        status=m.CompensationsListStatus("pending"),
    ).parsed
    assert isinstance(queue, m.PaginatedCompensationOutList)
    assert [r.id for r in queue.results] == [request.id]

    approved = gen.call(
        "compensations",
        "compensations_approve",
        request_id=request.id,
        client=boss,
        body=m.DecisionInRequest(
            note="Goodwill: the whole order spoiled.", outcome=m.OutcomeEnum("upheld")
        ),
        idempotency_key=f"approve-{request.id}",
    )
    assert approved.status_code == 200, approved.content
    assert approved.parsed.status.value == "approved"
    assert approved.parsed.decided_by == manager.username
    assert approved.parsed.decided_at is not None
    twice = gen.call(
        "compensations",
        "compensations_approve",
        request_id=request.id,
        client=boss,
        body=m.DecisionInRequest(note="again"),
    )
    assert twice.status_code == 409 and isinstance(twice.parsed, m.Error)

    granted = gen.call("complaints", "complaints_retrieve", complaint_id=filed.id, client=shop)
    assert granted.parsed.state == "remedied"
    assert [(c.kind.value, c.amount) for c in granted.parsed.compensation] == [("refund", "400.00")]
    staff = gen.call("complaints", "complaints_retrieve", complaint_id=filed.id, client=agent)
    assert [_item(r, "status") for r in staff.parsed.compensation_requests] == ["approved"]


def test_the_other_operations_parse_too(gen, integration, frontline, lead, manager):
    """Pause and resume, escalate and return, a rejected request, a letter, reopen by the
    customer and limits set: every other operation of the document, through the generated
    client."""
    m = gen.m
    shop, agent = gen.client(_shop_key(integration)), gen.client(token_for(frontline))
    boss, chief = gen.client(token_for(lead)), gen.client(token_for(manager))
    filed = _file(gen, shop, "Coconut opener still missing")

    def fire(name: str, client, body):
        done = gen.call(
            "complaints", f"complaints_{name}", complaint_id=filed.id, client=client, body=body
        )
        assert done.status_code == 200, (name, done.content)
        assert isinstance(done.parsed, m.ComplaintDetailOut)
        return done.parsed

    acked, _ = _acknowledge_and_apologize(gen, agent, filed.id)
    until = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    paused = fire("pause", agent, m.PauseInRequest(reason="Waiting for the photo.", until=until))
    assert paused.paused and paused.pause_until == until and paused.next_due_at is None
    resumed = fire("resume", agent, m.ResumeInRequest())
    assert not resumed.paused and resumed.next_due_at is not None
    not_paused = gen.call(
        "complaints",
        "complaints_resume",
        complaint_id=filed.id,
        client=agent,
        body=m.ResumeInRequest(),
    )
    assert not_paused.status_code == 409 and isinstance(not_paused.parsed, m.Error)

    escalated = fire("escalate", agent, m.EscalateInRequest(reason="The customer asks for a lead."))
    assert escalated.state == "escalated" and escalated.escalation_level == 1
    returned = fire("return", boss, m.ReturnInRequest(note="Offer the opener by express."))
    assert returned.state == "apologized"

    asked = gen.call(
        "complaints",
        "complaints_compensations_create",
        complaint_id=filed.id,
        client=agent,
        body=m.CompensationInRequest(
            kind=m.CompensationKindEnum("refund"), amount="400.00", currency=m.CurrencyEnum("EUR")
        ),
    )
    assert asked.status_code == 201 and asked.parsed.status == "pending"
    rejected = gen.call(
        "compensations",
        "compensations_reject",
        request_id=asked.parsed.id,
        client=chief,
        body=m.RejectInRequest(note="An opener by express covers it."),
    )
    assert rejected.status_code == 200, rejected.content
    assert rejected.parsed.status == "rejected" and rejected.parsed.decided_by == manager.username
    remedied = fire(
        "remedy",
        agent,
        m.RemedyInRequest(
            message="The opener is on its way.",
            root_cause="Packer forgot it",
            outcome=m.OutcomeEnum("partly_upheld"),
            outcome_reason="The opener was ours to send; the coconuts were as described.",
        ),
    )
    assert remedied.state == "remedied"
    # The final response as a letter: its PDF on a public message; an unknown template is a 400.
    letter = gen.call(
        "complaints",
        "complaints_letters_create",
        complaint_id=filed.id,
        client=agent,
        body=m.LetterInRequest(kind=m.LetterKindEnum("final_response")),
    )
    assert letter.status_code == 201, letter.content
    assert isinstance(letter.parsed, m.LetterOut) and letter.parsed.regime == "none"
    assert [a.content_type for a in letter.parsed.attachments] == ["application/pdf"]
    no_template = gen.call(
        "complaints",
        "complaints_letters_create",
        complaint_id=filed.id,
        client=agent,
        body=m.LetterInRequest(kind=m.LetterKindEnum("holding_reply"), template=999),
    )
    assert no_template.status_code == 400 and isinstance(no_template.parsed, m.Error)

    reopened = gen.call(
        "complaints",
        "complaints_reopen",
        complaint_id=filed.id,
        client=shop,
        body=m.ReopenInRequest(message="The opener never came."),
    )
    assert reopened.status_code == 200, reopened.content
    assert isinstance(reopened.parsed, m.ComplaintCustomerDetailOut)
    assert reopened.parsed.state == "venting"
    # While the customer vents, limits are a manager's call and only for abuse: frontline is
    # refused (403), a manager who does not flag abuse breaks the rule (422).
    limits = m.SetLimitsInRequest(
        reason="Shouting.",
        message="We end this conversation.",
        outcome=m.OutcomeEnum("not_upheld"),
        outcome_reason="Nothing more is owed.",
    )
    for client, status in ((agent, 403), (chief, 422)):
        early = gen.call(
            "complaints", "complaints_set_limits", complaint_id=filed.id, client=client, body=limits
        )
        assert early.status_code == status and isinstance(early.parsed, m.Error), early.content
    assert "abuse" in early.parsed.fields
    fire(
        "acknowledge",
        agent,
        m.AcknowledgeInRequest(summary="Still no opener.", message="I see.", promised_by=until),
    )
    limited = fire(
        "set_limits",
        agent,
        m.SetLimitsInRequest(
            reason="Abusive language after two remedies.",
            message="We have done what we can; this conversation ends here.",
            outcome=m.OutcomeEnum("not_upheld"),
            outcome_reason="Both remedies were delivered; nothing more is owed.",
        ),
    )
    assert limited.state == "limit_set" and limited.reopen_count == 1
    assert acked.version < limited.version


def test_the_complaints_return_parses(gen, manager):
    """The return's JSON parses into its model, exactly; an unknown regime is a 422 `Error`."""
    from datetime import date

    from tests.factories import complaint_new

    complaint_new(category="current_account")
    chief = gen.client(token_for(manager))
    today = timezone.localdate()
    period = {"from_": date(today.year, 1, 1), "to": date(today.year, 12, 31)}
    done = gen.call(
        "reports", "reports_complaints_return", client=chief, regime="uk_fca_disp", **period
    )
    assert done.status_code == 200, done.content
    report = done.parsed
    assert isinstance(report, gen.m.ComplaintsReturnOut)
    assert report.regime.code == "uk_fca_disp" and report.total.opened == 1
    (row,) = report.rows
    assert (row.category, row.outstanding, row.upheld_share) == ("current_account", 1, None)
    unknown = gen.call("reports", "reports_complaints_return", client=chief, regime="x", **period)
    assert unknown.status_code == 422 and isinstance(unknown.parsed, gen.m.Error)
    assert "regime" in unknown.parsed.fields


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_a_webhook_subscription_and_its_delivery_log(gen, integration, frontline, receiver):
    m = gen.m
    shop, agent = gen.client(_shop_key(integration)), gen.client(token_for(frontline))

    refused = gen.call(
        "webhooks",
        "webhooks_create",
        client=shop,
        body=m.SubscriptionInRequest(
            url="ftp://example.com/hooks", events=[m.WebhookEventEnum("complaint.created")]
        ),
    )
    assert refused.status_code == 400 and isinstance(refused.parsed, m.Error)
    assert refused.parsed.code == "invalid" and "url" in refused.parsed.fields

    created = gen.call(
        "webhooks",
        "webhooks_create",
        client=shop,
        body=m.SubscriptionInRequest(
            url=receiver.url,
            events=[
                m.WebhookEventEnum("complaint.created"),
                m.WebhookEventEnum("complaint.transitioned"),
            ],
        ),
    )
    assert created.status_code == 201, created.content
    subscription = created.parsed
    assert isinstance(subscription, m.SubscriptionCreatedOut)
    assert len(subscription.secret) >= 16 and subscription.is_active
    listed = gen.call("webhooks", "webhooks_list", client=shop).parsed
    assert [(s.id, type(s)) for s in listed] == [(subscription.id, m.SubscriptionOut)]

    filed = _file(gen, shop, "Coconut opener missing")
    _acknowledge_and_apologize(gen, agent, filed.id)
    webhook_services.webhook_pump()
    assert len(receiver.requests) == 3  # created, acknowledged, apologized

    seen, cursor = [], gen.types.UNSET
    while True:
        page = gen.call(
            "webhooks",
            "webhooks_deliveries_list",
            subscription_id=subscription.id,
            client=shop,
            page_size=2,
            cursor=cursor,
        ).parsed
        assert isinstance(page, m.PaginatedDeliveryOutList)
        seen += page.results
        cursor = _cursor(page.next_)
        if cursor is None:
            break
    assert [d.event_type.value for d in seen] == [
        "complaint.transitioned",
        "complaint.transitioned",
        "complaint.created",
    ]
    for delivery in seen:
        assert (delivery.status.value, delivery.attempts, delivery.last_status_code) == (
            "succeeded",
            1,
            200,
        )
        assert delivery.delivered_at is not None
        (attempt,) = delivery.attempts_log
        assert attempt.status_code == 200 and attempt.duration_ms >= 0 and not attempt.error

    deleted = gen.call("webhooks", "webhooks_delete", subscription_id=subscription.id, client=shop)
    assert deleted.status_code == 204
    gone = gen.call(
        "webhooks", "webhooks_deliveries_list", subscription_id=subscription.id, client=shop
    )
    assert gone.status_code == 404 and isinstance(gone.parsed, m.Error)
    assert gone.parsed.code == "not_found"
    assert gen.call("webhooks", "webhooks_list", client=shop).parsed == []
    again = gen.call("webhooks", "webhooks_delete", subscription_id=subscription.id, client=shop)
    assert again.status_code == 404 and isinstance(again.parsed, m.Error)


def test_the_generated_package_lives_only_in_tmp_path(gen, tmp_path_factory):
    where = Path(gen.pkg.__file__).resolve()
    assert where.is_relative_to(tmp_path_factory.getbasetemp().resolve())
    assert gen.name.startswith("redress_client_")


def test_the_exactness_check_catches_what_the_generator_lets_through(gen):
    m, unset = gen.m, gen.types.Unset
    _exact(m.UserOut.from_dict({"id": 7, "username": "fl", "name": "Flo"}), unset)
    with pytest.raises(AssertionError, match="documented as"):  # cast, never checked
        _exact(m.UserOut.from_dict({"id": "7", "username": "fl", "name": "Flo"}), unset)
    with pytest.raises(AssertionError, match="undocumented keys"):
        _exact(m.UserOut.from_dict({"id": 7, "username": "fl", "name": "", "x": 1}), unset)
    with pytest.raises(AssertionError, match="documented as optional"):
        _exact(m.CompensationInRequest(m.CompensationKindEnum("gift"), "1", "EUR"), unset)
