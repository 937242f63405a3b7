"""Classification policies in the admin (issue 9): administrators edit the three rows (audited), nobody adds or
deletes one, operators never reach them; the queue shows requests waiting for a second approval."""

import datetime

import pytest
from django.utils import timezone

from access import services as access_services
from access.choices import AccessRequestStatusChoices as S
from access.models import ClassificationPolicy, PendingAccessRequest
from directory.choices import ClassificationChoices as C
from splp.audit import audit_events_for
from tests.conftest import file_request

from .conftest import admin_url, change_url, confirm_action, login, make_staff, messages_of, sent_away

pytestmark = pytest.mark.django_db


def rahasia_policy():
    return ClassificationPolicy.objects.get(classification=C.RAHASIA)


def form(client, policy, **overrides):
    """The change form as the page sends it: the fields, and the audit history's (read-only) inline."""
    data = {"max_grant_days": 183, "require_ip_allowlist": "on", "require_second_approval": "on", **overrides}
    page = client.get(change_url(policy))
    if page.status_code == 200:
        for inline in page.context["inline_admin_formsets"]:
            management = inline.formset.management_form
            data.update({management.add_prefix(name): value for name, value in management.initial.items()})
    return data


def test_administrator_lists_and_edits_a_policy_and_the_change_is_audited(alice, admin_user):
    page = alice.get(admin_url(ClassificationPolicy))
    assert page.status_code == 200
    assert [p.classification for p in page.context["cl"].result_list] == [C.TERBUKA, C.TERBATAS, C.RAHASIA]
    assert "Kebijakan klasifikasi" in page.content.decode()

    policy = rahasia_policy()
    response = alice.post(change_url(policy), form(alice, policy, max_grant_days=90))
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.max_grant_days, policy.updated_by) == (90, admin_user)
    event = audit_events_for(policy).get()
    assert (event.actor, event.action) == (admin_user, "update")
    assert event.data == {"old": {"max_grant_days": 183}, "new": {"max_grant_days": 90}}
    # The history shows on the policy's page.
    assert "update" in alice.get(change_url(policy)).content.decode()


def test_an_impossible_period_is_refused_on_the_form(alice):
    policy = rahasia_policy()
    response = alice.post(change_url(policy), form(alice, policy, max_grant_days=0))
    assert response.status_code == 200
    assert "max_grant_days" in response.context["adminform"].form.errors
    assert rahasia_policy().max_grant_days == 183 and not audit_events_for(policy).exists()


def test_no_policy_is_added_or_deleted(alice):
    policy = rahasia_policy()
    assert alice.get(admin_url(ClassificationPolicy, "add")).status_code == 403
    assert alice.post(admin_url(ClassificationPolicy, "delete", policy.pk), {"post": "yes"}).status_code == 403
    assert ClassificationPolicy.objects.count() == 3


@pytest.mark.parametrize("who", ["publisher", "outsider"])
def test_operators_cannot_see_or_edit_a_policy(who, request):
    client = login(make_staff(request.getfixturevalue(who)))
    policy = rahasia_policy()
    assert sent_away(client.get(admin_url(ClassificationPolicy)))
    assert sent_away(client.post(change_url(policy), {"require_ip_allowlist": ""}))
    assert rahasia_policy().require_ip_allowlist is True and not audit_events_for(policy).exists()


@pytest.fixture
def first_approved(publish, filing_admin, requester_org, admin_user):
    version = publish("penduduk-rentan", classification=C.RAHASIA)
    today = timezone.localdate()
    access_request = file_request(filing_admin, requester_org, version, period_start=today,
                                  period_end=today + datetime.timedelta(days=90))
    return access_services.access_request_approve(actor=admin_user, access_request=access_request)


def test_the_queue_shows_a_request_waiting_for_the_second_approval(alice, first_approved):
    response = alice.get(admin_url(PendingAccessRequest))
    assert [r.pk for r in response.context["cl"].result_list] == [first_approved.pk]
    page = response.content.decode()
    assert "Disetujui sekali, menunggu administrator kedua" in page and "alice" in page


def test_the_first_approver_is_refused_in_the_admin_and_another_administrator_approves(
    alice, first_approved, second_admin
):
    response = confirm_action(alice, PendingAccessRequest, "approve", [first_approved])
    assert any("persetujuan kedua harus diberikan oleh administrator lain" in text
               for level, text in messages_of(response) if level == "error")
    first_approved.refresh_from_db()
    assert first_approved.status == S.SECOND_APPROVAL

    confirm_action(login(second_admin), PendingAccessRequest, "approve", [first_approved])
    first_approved.refresh_from_db()
    assert (first_approved.status, first_approved.decided_by) == (S.APPROVED, second_admin)
