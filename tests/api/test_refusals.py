"""Refusals over the API: a sentence that says why and what to do next, in the language the
client asks for (Accept-Language), DRF's own messages included; and compensation on a complaint
escalated above the caller is refused like its remedy."""

from __future__ import annotations

import pytest

from api.services import api_token_issue
from compensation.models import CompensationRequest
from complaints.models import TransitionLog
from tests import factories
from tests.api.conftest import Api

ZH = {"Accept-Language": "zh-hans"}
LIMITS = {
    "reason": "Rude",
    "message": "We stop here.",
    "outcome": "not_upheld",
    "outcome_reason": "Limits set.",
}


def as_(user, **headers) -> Api:
    return Api(api_token_issue(user=user)[1], **headers)


@pytest.mark.django_db
def test_set_limits_by_frontline_on_venting_says_why_and_what_to_do(frontline):
    venting = factories.complaint_new()
    refused = as_(frontline).post(f"/complaints/{venting.pk}/set_limits/", LIMITS)
    assert refused.status_code == 403
    assert refused.data["code"] == "not_permitted"
    assert refused.data["message"] == (
        "Limits can't be set while the customer is still venting: acknowledge first, "
        "or ask a manager to flag abuse."
    )


@pytest.mark.django_db
def test_the_same_refusal_in_chinese_when_the_client_asks_for_it(frontline):
    venting = factories.complaint_new()
    refused = as_(frontline, **ZH).post(f"/complaints/{venting.pk}/set_limits/", LIMITS)
    assert refused.status_code == 403
    assert (
        refused.data["message"] == "客户仍在倾诉时不能设定界限：请先确认受理，或请经理标记为辱骂。"
    )
    assert refused["Content-Language"] == "zh-hans"


@pytest.mark.django_db
def test_a_manager_is_told_the_venting_rule_in_either_language(manager):
    venting = factories.complaint_new()
    english = as_(manager).post(f"/complaints/{venting.pk}/set_limits/", LIMITS)
    assert english.status_code == 422
    assert english.data["message"].startswith(
        "Limits can't be set while the customer is still venting unless a manager flags abuse"
    )
    chinese = as_(manager, **ZH).post(f"/complaints/{venting.pk}/set_limits/", LIMITS)
    assert chinese.data["message"].startswith("客户仍在倾诉时不能设定界限，除非经理标记为辱骂")
    assert chinese.data["fields"]["abuse"] == ["客户仍在倾诉时必须勾选（仅限经理）。"]


@pytest.mark.django_db
def test_return_by_frontline_names_the_role_needed(frontline):
    escalated = factories.complaint_in("escalated")
    refused = as_(frontline).post(f"/complaints/{escalated.pk}/return/", {"note": "ok"})
    assert refused.status_code == 403
    assert refused.data["message"] == (
        "Only a team lead or a manager can send this complaint back: it was escalated to "
        "team lead. Ask one of them to return it with guidance."
    )
    chinese = as_(frontline, **ZH).post(f"/complaints/{escalated.pk}/return/", {"note": "ok"})
    assert chinese.data["message"].startswith("只有组长或经理可以退回这件投诉：它已升级至组长。")


@pytest.mark.django_db
def test_a_wrong_state_says_what_is_possible_now(frontline):
    remedied = factories.complaint_in("remedied")
    refused = as_(frontline).post(
        f"/complaints/{remedied.pk}/apologize/", {"message": "Sorry", "fault": "company"}
    )
    assert refused.status_code == 409
    assert refused.data["message"] == (
        "“Apologize” is not possible while the complaint is Remedied. Possible now: Reopen."
    )
    chinese = as_(frontline, **ZH).post(
        f"/complaints/{remedied.pk}/apologize/", {"message": "Sorry", "fault": "company"}
    )
    assert chinese.data["message"] == (
        "投诉处于“已补救”状态时，不能执行“致歉”。现在可以：重新打开。"
    )


@pytest.mark.django_db
def test_drf_and_field_messages_follow_the_language_too(frontline):
    anonymous = Api(**ZH).get("/complaints/")
    assert anonymous.status_code == 401
    assert anonymous.data["message"] == "身份认证信息未提供。"
    missing = as_(frontline, **ZH).post(f"/complaints/{factories.complaint_new().pk}/escalate/", {})
    assert missing.status_code == 400
    assert missing.data["message"] == "有些字段缺失或无效：请改正后重新发送。"
    assert missing.data["fields"]["reason"] == ["此字段为必填项。"]
    assert Api(**ZH).get("/complaints/").data["message"] == "身份认证信息未提供。"


# --- compensation on a complaint escalated above the caller -----------------------------------

REFUND = {"kind": "refund", "amount": "20.00", "currency": "EUR"}


@pytest.mark.django_db
def test_compensation_on_a_complaint_escalated_above_you_is_refused_like_its_remedy(
    frontline, lead
):
    escalated = factories.complaint_in("escalated")  # to team lead
    logs = TransitionLog.objects.filter(complaint=escalated).count()
    refused = as_(frontline).post(f"/complaints/{escalated.pk}/compensations/", REFUND)
    assert refused.status_code == 403
    remedy = as_(frontline).post(
        f"/complaints/{escalated.pk}/remedy/",
        {"message": "Here", "root_cause": "Packing", "outcome": "upheld"},
    )
    assert remedy.status_code == 403
    assert refused.data["message"] == remedy.data["message"]
    assert refused.data["message"].startswith(
        "Only a team lead or a manager can remedy or compensate this complaint: it was "
        "escalated to team lead."
    )
    assert not CompensationRequest.objects.filter(complaint=escalated).exists()
    assert TransitionLog.objects.filter(complaint=escalated).count() == logs
    chinese = as_(frontline, **ZH).post(f"/complaints/{escalated.pk}/compensations/", REFUND)
    assert chinese.data["message"].startswith("只有组长或经理可以补救或补偿这件投诉")
    # The tier holding it may.
    granted = as_(lead).post(f"/complaints/{escalated.pk}/compensations/", REFUND)
    assert granted.status_code == 201 and granted.data["status"] == "granted"


@pytest.mark.django_db
def test_frontline_still_compensates_what_it_holds(frontline):
    apologized = factories.complaint_in("apologized")
    granted = as_(frontline).post(f"/complaints/{apologized.pk}/compensations/", REFUND)
    assert granted.status_code == 201 and granted.data["status"] == "granted"
    returned_to_frontline = factories.complaint_in("venting")
    assert (
        as_(frontline)
        .post(f"/complaints/{returned_to_frontline.pk}/compensations/", REFUND)
        .status_code
        == 201
    )
