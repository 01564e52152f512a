"""The complaint page shows what is due (issue 13, part 1): the deadlines panel, no countdown on a
closed complaint, the customer's words beside the acknowledge form, the acting agent becoming the
assignee, no stray save buttons, forms refused by URL when not offered, canned texts filled in,
and date inputs that name their time zone."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from complaints import extensions, services
from complaints.models import CannedText, Complaint, TransitionLog
from core import roles
from escalation.models import Deadline
from tests.factories import complaint_in, complaint_new

pytestmark = pytest.mark.django_db


def change_url(c) -> str:
    return reverse("admin:complaints_complaint_change", args=[c.pk])


def action_url(c, name: str) -> str:
    return reverse("admin:complaints_complaint_transition", args=[c.pk, name])


def block(html: str, element_id: str) -> str:
    """The HTML from the element with `element_id` to the end of its module (next </div>)."""
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</div>", start)]


def acknowledge(c, actor, hours: float = 6) -> Complaint:
    return services.complaint_acknowledge(
        complaint_id=c.pk,
        actor=actor,
        summary="Opener missing",
        message="I understand.",
        promised_by=timezone.now() + timedelta(hours=hours),
    )


# --- the deadlines panel ------------------------------------------------------------------------


def test_a_venting_complaint_shows_its_running_deadlines_with_time_left(client, frontline):
    c = complaint_new()
    kinds = set(Deadline.objects.filter(complaint=c).values_list("kind", flat=True))
    assert {"first_response", "resolution"} <= kinds  # what intake starts
    client.force_login(frontline)
    html = client.get(change_url(c)).content.decode()
    running = block(html, "deadlines")
    assert "First response" in running and "Resolution" in running
    assert running.count("redress-due redress-due-") == len(kinds)
    assert " left</span>" in running
    assert "Due (Europe/Berlin)" in running  # the agent's time zone, named
    # The summary names the same nearest deadline as the queue, not "Promised by —".
    nearest = block(html, "next-due")
    assert " left" in nearest and "—" not in nearest


def test_met_deadlines_go_below_the_running_ones(client, frontline):
    c = acknowledge(complaint_new(), frontline)
    client.force_login(frontline)
    html = client.get(change_url(c)).content.decode()
    panel = html[html.index('id="deadlines"') : html.index('id="timeline"')]
    running = panel[panel.index('id="deadlines-running"') : panel.index('id="deadlines-done"')]
    done = panel[panel.index('id="deadlines-done"') :]
    assert "Promise to the customer" in running and "First response" not in running
    assert 'data-kind="first_response" data-status="met"' in done
    assert "Met" in done and " left" not in done


def test_a_paused_deadline_says_so_and_keeps_its_time(client, frontline):
    c = complaint_new()
    services.complaint_pause(complaint_id=c.pk, actor=frontline, reason="Waiting for photos")
    client.force_login(frontline)
    running = block(client.get(change_url(c)).content.decode(), "deadlines")
    assert 'data-paused="1"' in running and "paused" in running
    assert "when the clock resumes" in running


def test_nothing_counts_down_on_a_remedied_complaint(client, frontline):
    c = complaint_in("remedied")
    client.force_login(frontline)
    html = client.get(change_url(c)).content.decode()
    panel = html[html.index('id="deadlines"') : html.index('id="timeline"')]
    assert "nothing is counting down" in panel and 'id="deadlines-running"' not in panel
    assert " left" not in panel and "redress-due" not in panel
    assert "redress-due" not in block(html, "next-due") and "nothing is due" in html
    assert 'data-status="met"' in panel  # the history stays, below


# --- the customer's words beside the acknowledge form; dates name their time zone -------------


def test_the_acknowledge_form_shows_what_the_customer_wrote_and_the_time_zone(client, frontline):
    c = complaint_new(description="The opener was missing. Third time this year!")
    client.force_login(frontline)
    html = client.get(action_url(c, "acknowledge")).content.decode()
    words = html[html.index('id="customer-words"') : html.index("</aside>")]
    assert "The opener was missing. Third time this year!" in words
    start = html.index('id="transition-form"')
    form = html[start : html.index("</form>", start)]
    row = form[form.index('name="promised_by"') :]
    assert "time zone: Europe/Berlin" in row[: row.index("</div>")]


# --- the agent who acts becomes the assignee ----------------------------------------------------


def test_the_agent_who_acts_on_an_unassigned_complaint_becomes_its_assignee(client, frontline):
    c = complaint_new()
    assert c.assignee_id is None
    client.force_login(frontline)
    promise = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    data = {"summary": "Opener", "message": "I understand.", "promised_by": promise}
    response = client.post(action_url(c, "acknowledge"), {**data, "expected_version": c.version})
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.assignee == frontline and c.state == "acknowledged"
    assign = TransitionLog.objects.get(complaint=c, transition="assign")
    assert assign.actor == frontline
    assert assign.payload == {"from": None, "to": frontline.pk, "claimed_by": "acknowledge"}
    assert "nobody yet" not in client.get(change_url(c)).content.decode()


def test_escalating_or_a_held_complaint_claims_nothing(frontline, frontline2):
    escalated = services.complaint_escalate(
        complaint_id=complaint_new().pk, actor=frontline, reason="Needs a lead"
    )
    assert escalated.assignee_id is None  # the next tier picks it up
    held = complaint_new()
    services.complaint_assign(complaint_id=held.pk, actor=frontline2, assignee=frontline2)
    assert acknowledge(held, frontline).assignee == frontline2
    assert not TransitionLog.objects.filter(complaint=held, transition="assign", actor=frontline)


# --- one small form per change: no stray save buttons --------------------------------------------


def test_the_page_has_no_generic_save_buttons_and_triage_has_its_own_form(client, frontline):
    c = complaint_new()
    client.force_login(frontline)
    html = client.get(change_url(c)).content.decode()
    for stray in ('name="_save"', 'name="_addanother"', 'name="_continue"', "Save and add another"):
        assert stray not in html, stray
    start = html.rindex("<form", 0, html.index('id="triage-form"'))
    triage = html[start : html.index("</form>", start)]
    assert reverse("admin:complaints_complaint_triage", args=[c.pk]) in triage
    assert 'name="subject"' in triage and 'name="category"' in triage


# --- a form not offered is refused by URL too ----------------------------------------------------


def test_a_form_not_offered_is_refused_by_url_with_the_reason(client, frontline):
    c = complaint_new()  # venting: frontline may not set limits
    client.force_login(frontline)
    page = client.get(change_url(c)).content.decode()
    assert action_url(c, "set_limits") not in page
    reason = roles.set_limits_refusal(c, frontline)
    version = Complaint.objects.get(pk=c.pk).version
    logs = TransitionLog.objects.filter(complaint=c).count()
    got = client.get(action_url(c, "set_limits"))
    posted = client.post(
        action_url(c, "set_limits"),
        {
            "reason": "Rude",
            "message": "We end this.",
            "outcome": "not_upheld",
            "outcome_reason": "Limits set.",
            "expected_version": version,
        },
    )
    for response in (got, posted):
        assert response.status_code == 403
        html = response.content.decode()
        assert escape(reason) in html and 'id="transition-form"' not in html
    assert Complaint.objects.get(pk=c.pk).version == version
    assert TransitionLog.objects.filter(complaint=c).count() == logs


def test_a_button_a_higher_app_withholds_is_refused_by_url_too(client, frontline):
    c = complaint_in("acknowledged")
    client.force_login(frontline)
    with extensions.override(hide_admin_actions=[lambda complaint, user: {"apologize"}]):
        response = client.get(action_url(c, "apologize"))
    assert response.status_code == 403
    assert "is not offered on" in response.content.decode()
    assert client.get(action_url(c, "apologize")).status_code == 200  # offered again


# --- canned texts arrive filled in ---------------------------------------------------------------


def canned_of(html: str) -> list[dict]:
    start = html.index('id="redress-canned"')
    return json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])


def test_canned_texts_have_their_placeholders_filled(client, frontline):
    frontline.first_name, frontline.last_name = "Fran", "Lin"
    frontline.save()
    CannedText.objects.create(
        kind="empathy",
        language="en",
        title="Filled",
        body="Dear {customer_name}, about {reference}: you hear from me, {agent_name}, by "
        "{promised_by}. … {unknown}",
    )
    c = acknowledge(complaint_new(customer_name="Cora Nutley"), frontline, hours=30)
    client.force_login(frontline)
    html = client.get(action_url(c, "apologize")).content.decode()
    body = next(t["body"] for t in canned_of(html) if t["title"] == "Filled")
    promised = timezone.localtime(c.promised_by).strftime("%Y-%m-%d %H:%M")
    assert body == (
        f"Dear Cora Nutley, about {c.reference}: you hear from me, Fran Lin, by "
        f"{promised} (Europe/Berlin). … {{unknown}}"
    )
    assert 'data-gap="…"' in html  # where words.js leaves the cursor
    venting = client.get(action_url(complaint_new(), "acknowledge")).content.decode()
    body = next(t["body"] for t in canned_of(venting) if t["title"] == "Filled")
    assert "by …." in body  # nothing promised yet: a gap to fill, not "None"
