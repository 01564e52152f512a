"""The customer's page: 404 for a wrong/revoked/expired link, nothing internal, the customer's
language, CSRF, rate limit, and each act through its form."""

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from complaints import services as complaint_services
from complaints.models import Complaint, TransitionLog
from portal import services
from portal.models import HandlingRating, RemedyResponse

pytestmark = pytest.mark.django_db


def test_page_shows_reference_step_promise_and_summary(walk, path_of, client):
    c = walk("acknowledged")
    page = client.get(path_of(c))
    assert page.status_code == 200
    html = page.content.decode()
    assert c.reference in html
    assert "We are looking into it." in html
    assert "You will hear from us by" in html
    assert "Opener missing" in html  # the summary to confirm
    assert '<html lang="en">' in html
    assert page["Cache-Control"] == "no-store"
    assert page["Referrer-Policy"] == "same-origin"


def test_no_internal_note_reaches_the_page(walk, path_of, client, frontline):
    c = walk("acknowledged")
    complaint_services.message_add(
        complaint_id=c.pk, actor=frontline, body="SECRET internal: shouty", visibility="internal"
    )
    html = client.get(path_of(c)).content.decode()
    assert "SECRET internal" not in html
    assert "I understand." in html  # the public acknowledgement is there


def test_wrong_tampered_revoked_and_expired_links_are_the_same_404(
    walk, path_of, client, frontline, settings
):
    c = walk("remedied")
    good = path_of(c)
    plain_404 = client.get("/c/nothing-here/")
    assert plain_404.status_code == 404
    tampered = good[:-3] + ("A" if good[-3] != "A" else "B") + good[-2:]
    assert client.get(tampered).status_code == 404
    assert client.get(good).status_code == 200
    later = timezone.now() + timedelta(days=settings.REDRESS_CUSTOMER_LINK_DAYS, minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        expired = client.get(good)
    assert expired.status_code == 404
    services.customer_link_revoke(complaint_id=c.pk, actor=frontline)
    revoked = client.get(good)
    assert revoked.status_code == 404
    assert revoked.content == plain_404.content == expired.content


def test_page_speaks_the_customers_language(walk, path_of, client):
    c = walk("acknowledged", customer_language="th")
    html = client.get(path_of(c), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="th">' in html
    assert "We are looking into it." not in html


def test_confirm_through_the_page(walk, path_of, client):
    c = walk("acknowledged")
    path = path_of(c)
    done = client.post(path + "confirm/")
    assert done.status_code == 302
    assert done["Location"].startswith(path + "?done=confirm")
    client.post(path + "confirm/")  # a double submit
    assert Complaint.objects.get(pk=c.pk).summary_confirmed is True
    assert TransitionLog.objects.filter(complaint=c, transition="summary_confirm").count() == 1
    assert "You confirmed that this is right." in client.get(path).content.decode()


def test_csrf_is_required(walk, path_of):
    c = walk("acknowledged")
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(path_of(c) + "confirm/").status_code == 403
    assert Complaint.objects.get(pk=c.pk).summary_confirmed is False


def test_accept_decline_and_rate_through_the_page(walk, path_of, client):
    c = walk("remedied")
    path = path_of(c)
    remedy = client.get(path).content.decode()
    section = remedy[remedy.index('id="remedy"') :]
    assert "Opener sent." in section[: section.index("</section>")]  # what we proposed
    assert client.post(path + "decline/", {"words": ""}).status_code == 422  # needs a reason
    assert client.post(path + "accept/", {"words": "Fair enough."}).status_code == 302
    assert RemedyResponse.objects.get().words == "Fair enough."
    wrong = client.post(path + "decline/", {"words": "Changed my mind"})
    assert wrong.status_code == 409
    assert client.post(path + "rate/", {"fairness": "9", "solved": "yes"}).status_code == 422
    rated = client.post(path + "rate/", {"fairness": "5", "solved": "yes", "comment": "Thanks"})
    assert rated.status_code == 302
    assert HandlingRating.objects.get().fairness == 5
    html = client.get(path).content.decode()
    assert "You accepted it on" in html
    assert "Thank you for rating" in html


def test_reply_is_a_customer_message_once(walk, path_of, client):
    c = walk("acknowledged")
    path = path_of(c)
    for _ in range(2):
        assert client.post(path + "reply/", {"body": "Any news?"}).status_code == 302
    assert c.messages.filter(body="Any news?", kind="customer").count() == 1


def test_unknown_act_and_get_on_an_act_are_refused(walk, path_of, client):
    c = walk("acknowledged")
    path = path_of(c)
    assert client.post(path + "delete/").status_code == 404
    assert client.get(path + "confirm/").status_code == 405


def test_rate_limit_per_link(walk, path_of, client, settings):
    settings.REDRESS_CUSTOMER_LINK_RATE = 3
    a, b = walk("acknowledged"), walk("acknowledged")
    path_a, path_b = path_of(a), path_of(b)
    codes = [client.get(path_a).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.post(path_a + "confirm/").status_code == 429
    assert Complaint.objects.get(pk=a.pk).summary_confirmed is False
    assert client.get(path_b).status_code == 200  # another link has its own count
