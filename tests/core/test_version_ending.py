"""Deprecating and retiring versions (issue 9): notices to grant holders, and moving grants to a newer version."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from access import services
from access.choices import AccessRequestStatusChoices as S
from access.models import AccessRequest, Grant
from access.selectors import grant_move_targets
from directory import services as directory_services
from directory.models import ApiOperation
from splp.audit import audit_events_for
from splp.workflow import TransitionError

from ..conftest import V2_PATHS, new_version, publish_service, submit_request
from ..factories import OrganizationFactory, R, UserFactory, member

WIB = datetime.timezone(datetime.timedelta(hours=7))
SUNSET = datetime.date(2027, 3, 31)
OK = {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, tzinfo=WIB), tick=False):
        yield


def later_version(service, publisher, admin_user, version="2.0.0", paths=V2_PATHS, publish=True):
    return new_version(service, actor=publisher, admin=admin_user, version=version, paths=paths, publish=publish)


def grant_on(api_version, org, operator, admin_user, publisher, **kwargs):
    access_request = submit_request(operator, org, api_version, **kwargs)
    services.access_request_approve(actor=admin_user, access_request=access_request)
    grant, _key, _raw = services.access_request_grant(actor=publisher, access_request=access_request,
                                                      rate_limit_per_minute=7, ip_allowlist="10.1.0.0/16")
    return grant


def ops(api_version, *labels):
    return [api_version.operations.get(method=label.split()[0], path=label.split()[1]) for label in labels]


@pytest.fixture
def holders(published_version, requester, requester_org, outsider, outsider_org, admin_user, publisher):
    """Dinkes holds two operations of v1, Dinsos all of them; Bappeda's grant was revoked; a grant on another
    API must not count."""
    second_operator = member(UserFactory(username="carol2"), requester_org, R.REQUESTER)
    dinsos = OrganizationFactory(name="Dinas Sosial", code="dinsos")
    dave = member(UserFactory(username="dave"), dinsos, R.REQUESTER)
    member(UserFactory(username="dinsos-publisher"), dinsos, R.PUBLISHER)  # not a requester operator
    dinkes = grant_on(published_version, requester_org, requester, admin_user, publisher,
                      operations=ops(published_version, "GET /v1/penduduk/{nik}", "POST /v1/penduduk"))
    all_ops = grant_on(published_version, dinsos, dave, admin_user, publisher)
    revoked = grant_on(published_version, outsider_org, outsider, admin_user, publisher)
    services.access_request_revoke(actor=publisher, access_request=revoked.access_request, reason="Selesai")
    other_api = publish_service(actor=publisher, owner=publisher.memberships.first().organization,
                                admin=admin_user, theme=published_version.service.theme, slug="lain")
    grant_on(other_api, outsider_org, outsider, admin_user, publisher)
    mail.outbox.clear()
    return {"dinkes": dinkes, "dinsos": all_ops, "operators": {"dinkes": {requester.email, second_operator.email},
                                                              "dinsos": {dave.email}}}


def holder_mails(subject):
    return sorted((sorted(m.to), m.body) for m in mail.outbox if subject in m.subject)


# -- Notices -------------------------------------------------------------------------------------------------


def test_deprecation_tells_each_holder_and_the_publisher_with_the_date(
    holders, published_version, publisher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        directory_services.api_version_deprecate(actor=publisher, api_version=published_version,
                                                 sunset_on=SUNSET, reason="Diganti v2")
    notices = holder_mails("Versi API yang Anda gunakan ditandai usang")
    assert [set(to) for to, _body in notices] == [holders["operators"]["dinkes"], holders["operators"]["dinsos"]]
    for _to, body in notices:
        assert 'Versi API "Data Penduduk v1.0.0"' in body
        assert "direncanakan dihentikan pada 31 Maret 2027" in body
    (summary,) = [m for m in mail.outbox if m.subject.endswith("Versi API ditandai usang")]
    assert summary.to == [publisher.email]
    assert "rencana tanggal penghentiannya 31 Maret 2027. Ada 2 akses aktif" in summary.body
    published_version.refresh_from_db()
    assert published_version.sunset_on == SUNSET
    assert published_version.deprecated_at == timezone.now()
    assert audit_events_for(published_version).get(action="deprecate").data == {"sunset_on": "2027-03-31"}


def test_retirement_tells_each_holder_the_day_it_happened(
    holders, published_version, publisher, django_capture_on_commit_callbacks
):
    directory_services.api_version_deprecate(actor=publisher, api_version=published_version, sunset_on=SUNSET)
    mail.outbox.clear()
    with time_machine.travel(datetime.datetime(2027, 3, 31, 9, tzinfo=WIB), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            directory_services.api_version_retire(actor=publisher, api_version=published_version)
    notices = holder_mails("Versi API yang Anda gunakan dihentikan")
    assert [set(to) for to, _body in notices] == [holders["operators"]["dinkes"], holders["operators"]["dinsos"]]
    assert all("dihentikan pada 31 Maret 2027" in body for _to, body in notices)
    (summary,) = [m for m in mail.outbox if m.subject.endswith("Versi API dihentikan")]
    assert summary.to == [publisher.email] and "Masih ada 2 akses aktif" in summary.body


def test_no_mail_leaves_before_the_commit(holders, published_version, publisher, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        directory_services.api_version_deprecate(actor=publisher, api_version=published_version, sunset_on=SUNSET)
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 3  # two holders and the publisher


@pytest.mark.parametrize("sunset_on, message", [
    (None, "Rencana tanggal penghentian wajib diisi"),
    (datetime.date(2026, 12, 7), "Rencana tanggal penghentian harus setelah hari ini."),
])
def test_deprecation_needs_a_future_retirement_date(published_version, publisher, sunset_on, message):
    with pytest.raises(ValidationError) as refused:
        directory_services.api_version_deprecate(actor=publisher, api_version=published_version, sunset_on=sunset_on)
    assert message in refused.value.message_dict["sunset_on"][0]
    published_version.refresh_from_db()
    assert (published_version.status, published_version.sunset_on) == ("published", None)


# -- Moving grants -------------------------------------------------------------------------------------------


def test_move_carries_matching_operations_and_keeps_keys_period_and_limits(
    holders, published_version, publisher, admin_user, requester, django_capture_on_commit_callbacks
):
    grant = holders["dinkes"]
    keys_before = list(grant.keys.values_list("pk", "revoked_at"))
    expires_before = grant.expires_at
    v2 = later_version(published_version.service, publisher, admin_user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        plan = services.grant_move(actor=publisher, grant=grant, to_version=v2)

    assert [f"{op.method} {op.path}" for op in plan.carried] == ["GET /v1/penduduk/{id}"]
    assert plan.dropped_labels == ["POST /v1/penduduk"]
    grant = Grant.objects.get(pk=grant.pk)
    assert grant.api_version == v2 and not grant.all_operations
    assert list(grant.operations.all()) == ops(v2, "GET /v1/penduduk/{id}")
    assert list(grant.keys.values_list("pk", "revoked_at")) == keys_before
    assert (grant.expires_at, grant.rate_limit_per_minute, grant.ip_allowlist) == (expires_before, 7, "10.1.0.0/16")
    access_request = grant.access_request
    assert access_request.api_version == v2 and access_request.status == S.GRANTED
    assert list(access_request.operations.all()) == ops(v2, "GET /v1/penduduk/{id}")

    data = {"from_version_id": published_version.pk, "from_version": "1.0.0", "to_version_id": v2.pk,
            "to_version": "2.0.0", "all_operations": False, "carried": ["GET /v1/penduduk/{id}"],
            "dropped": ["POST /v1/penduduk"]}
    for target in (grant, access_request):
        event = audit_events_for(target).get(action="move")
        assert (event.actor, event.data) == (publisher, data)

    (notice,) = mail.outbox
    assert set(notice.to) == holders["operators"]["dinkes"]
    assert notice.subject.endswith("Akses API Anda dipindahkan ke versi yang lebih baru")
    assert 'dari "Data Penduduk v1.0.0" ke "Data Penduduk v2.0.0"' in notice.body
    assert "tidak ikut dipindahkan:\n- POST /v1/penduduk\n" in notice.body


def test_a_grant_of_all_operations_stays_all(holders, published_version, publisher, admin_user):
    v2 = later_version(published_version.service, publisher, admin_user)
    plan = services.grant_move(actor=publisher, grant=holders["dinsos"], to_version=v2)
    assert plan.carried == [] and plan.dropped_labels == ["POST /v1/penduduk"]
    grant = Grant.objects.get(pk=holders["dinsos"].pk)
    assert grant.all_operations and grant.api_version == v2 and not grant.operations.exists()


def test_after_the_move_the_one_open_request_rule_sees_the_new_version(
    holders, published_version, publisher, admin_user, requester, requester_org
):
    v2 = later_version(published_version.service, publisher, admin_user)
    services.grant_move(actor=publisher, grant=holders["dinkes"], to_version=v2)
    with pytest.raises(ValidationError, match="sudah memiliki permohonan yang masih berjalan atau akses aktif"):
        submit_request(requester, requester_org, v2)


def _unchanged(grant, version):
    grant = Grant.objects.get(pk=grant.pk)
    assert grant.api_version == version and grant.access_request.api_version == version
    assert not audit_events_for(grant).filter(action="move").exists()


@pytest.mark.parametrize("who", ["outsider", "requester", "admin_user"])
def test_only_the_owning_publisher_moves_grants(holders, published_version, publisher, admin_user, who, request):
    v2 = later_version(published_version.service, publisher, admin_user)
    with pytest.raises(PermissionDenied):
        services.grant_move(actor=request.getfixturevalue(who), grant=holders["dinkes"], to_version=v2)
    with pytest.raises(PermissionDenied):
        services.grants_move(actor=request.getfixturevalue(who), from_version=published_version, to_version=v2)
    _unchanged(holders["dinkes"], published_version)


def test_target_must_be_a_newer_published_version_of_the_same_api(holders, published_version, publisher,
                                                                  admin_user):
    grant = holders["dinkes"]
    draft = later_version(published_version.service, publisher, admin_user, version="3.0.0-draft", publish=False)
    other_api = publish_service(actor=publisher, owner=published_version.service.owner, admin=admin_user,
                                theme=published_version.service.theme, slug="lain-lagi")
    cases = [
        (draft, "Versi 3.0.0-draft tidak terbit"),
        (other_api, "Versi tujuan milik API lain."),
        (published_version, "Versi 1.0.0 tidak lebih baru daripada versi 1.0.0."),
    ]
    for target, message in cases:
        with pytest.raises(ValidationError) as refused:
            services.grant_move(actor=publisher, grant=grant, to_version=target)
        assert message in " ".join(refused.value.messages)
    _unchanged(grant, published_version)


def test_an_older_version_is_not_a_target(holders, published_version, publisher, admin_user):
    v2 = later_version(published_version.service, publisher, admin_user)
    services.grant_move(actor=publisher, grant=holders["dinsos"], to_version=v2)
    with pytest.raises(ValidationError, match="Versi 1.0.0 tidak lebih baru daripada versi 2.0.0."):
        services.grant_move(actor=publisher, grant=holders["dinsos"], to_version=published_version)
    assert list(grant_move_targets(published_version)) == [v2]
    assert list(grant_move_targets(v2)) == []


def test_move_refused_when_the_holder_already_has_a_request_for_the_target(
    holders, published_version, publisher, admin_user, requester, requester_org
):
    v2 = later_version(published_version.service, publisher, admin_user)
    submit_request(requester, requester_org, v2)
    with pytest.raises(ValidationError, match="Dinas Kesehatan sudah memiliki permohonan yang masih berjalan atau "
                                              "akses aktif untuk versi 2.0.0"):
        services.grant_move(actor=publisher, grant=holders["dinkes"], to_version=v2)
    _unchanged(holders["dinkes"], published_version)
    assert AccessRequest.objects.filter(api_version=v2).count() == 1


def test_move_refused_when_no_granted_operation_exists_in_the_target(holders, published_version, publisher,
                                                                    admin_user):
    v2 = later_version(published_version.service, publisher, admin_user, paths={"/v2/lain": _get_no_param()})
    with pytest.raises(ValidationError, match="Tidak satu pun operasi yang diberikan ada di versi 2.0.0"):
        services.grant_move(actor=publisher, grant=holders["dinkes"], to_version=v2)
    _unchanged(holders["dinkes"], published_version)


def _get_no_param():
    return {"get": {"summary": "Lain", "responses": OK}}


def test_a_revoked_grant_is_not_moved(holders, published_version, publisher, admin_user):
    v2 = later_version(published_version.service, publisher, admin_user)
    revoked = Grant.objects.get(organization__code="bappeda", api_version=published_version)
    with pytest.raises(TransitionError, match="Hanya akses yang masih aktif"):
        services.grant_move(actor=publisher, grant=revoked, to_version=v2)


def test_moving_every_grant_of_a_version_skips_the_refused_one(
    holders, published_version, publisher, admin_user, requester, requester_org
):
    v2 = later_version(published_version.service, publisher, admin_user)
    submit_request(requester, requester_org, v2)  # Dinkes already applied for v2
    moved, refused = services.grants_move(actor=publisher, from_version=published_version, to_version=v2)
    assert [plan.grant.pk for plan in moved] == [holders["dinsos"].pk]
    assert [(grant.pk, "akses aktif untuk versi 2.0.0" in message) for grant, message in refused] == [
        (holders["dinkes"].pk, True)]
    assert Grant.objects.get(pk=holders["dinsos"].pk).api_version == v2
    _unchanged(holders["dinkes"], published_version)


def test_move_also_works_from_a_retired_version(holders, published_version, publisher, admin_user):
    v2 = later_version(published_version.service, publisher, admin_user)
    directory_services.api_version_deprecate(actor=publisher, api_version=published_version, sunset_on=SUNSET)
    directory_services.api_version_retire(actor=publisher, api_version=published_version)
    services.grant_move(actor=publisher, grant=holders["dinkes"], to_version=v2)
    assert Grant.objects.get(pk=holders["dinkes"].pk).api_version == v2
    assert ApiOperation.objects.filter(api_version=v2).count() == 2
