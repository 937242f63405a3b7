"""API registration lifecycle: draft -> submitted -> changes requested / published -> deprecated -> retired, or
submitted -> rejected."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from directory import services
from directory.choices import ApiVersionStatusChoices as V
from directory.models import ApiVersion, ReviewNote
from splp.audit import audit_events_for
from splp.workflow import TransitionError

from ..factories import R, UserFactory, member, openapi_doc, sunset


def states(version):
    return [(e.action, e.old_state, e.new_state) for e in audit_events_for(version).order_by("id")]


def test_review_round_trip_with_notes_audit_and_mail(
    draft_version, publisher, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.api_version_submit_for_review(actor=publisher, api_version=draft_version)
    assert [m.to for m in mail.outbox] == [[admin_user.email]]
    assert "menunggu pendampingan" in mail.outbox[0].subject

    with pytest.raises(ValidationError):
        services.api_version_request_changes(actor=admin_user, api_version=draft_version, note="")
    with django_capture_on_commit_callbacks(execute=True):
        services.api_version_request_changes(actor=admin_user, api_version=draft_version, note="Lengkapi contoh")
    assert mail.outbox[-1].to == [publisher.email]
    services.review_note_add(actor=publisher, api_version=draft_version, body="Sudah dilengkapi")
    services.api_version_submit_for_review(actor=publisher, api_version=draft_version)
    services.api_version_publish(actor=admin_user, api_version=draft_version, note="Lulus")
    services.api_version_deprecate(actor=publisher, api_version=draft_version, sunset_on=sunset(), reason="Ada v2")
    services.api_version_retire(actor=publisher, api_version=draft_version)

    draft_version.refresh_from_db()
    assert draft_version.status == V.RETIRED
    assert draft_version.published_at is not None
    assert list(ReviewNote.objects.values_list("body", flat=True)) == ["Lengkapi contoh", "Sudah dilengkapi", "Lulus"]
    assert [s for s in states(draft_version) if s[0] != "review_note"] == [
        ("create", "", V.DRAFT),
        ("submit", V.DRAFT, V.SUBMITTED),
        ("request_changes", V.SUBMITTED, V.CHANGES_REQUESTED),
        ("submit", V.CHANGES_REQUESTED, V.SUBMITTED),
        ("publish", V.SUBMITTED, V.PUBLISHED),
        ("deprecate", V.PUBLISHED, V.DEPRECATED),
        ("retire", V.DEPRECATED, V.RETIRED),
    ]


@pytest.mark.parametrize(
    "state, action",
    [
        (V.DRAFT, "publish"),
        (V.DRAFT, "request_changes"),
        (V.DRAFT, "deprecate"),
        (V.SUBMITTED, "submit_for_review"),
        (V.CHANGES_REQUESTED, "publish"),
        (V.PUBLISHED, "submit_for_review"),
        (V.PUBLISHED, "publish"),
        (V.PUBLISHED, "retire"),
        (V.DEPRECATED, "publish"),
        (V.RETIRED, "deprecate"),
        (V.RETIRED, "submit_for_review"),
        (V.DRAFT, "reject"),
        (V.CHANGES_REQUESTED, "reject"),
        (V.PUBLISHED, "reject"),
        (V.DEPRECATED, "reject"),
        (V.REJECTED, "reject"),
        (V.REJECTED, "submit_for_review"),
        (V.REJECTED, "publish"),
        (V.REJECTED, "request_changes"),
        (V.REJECTED, "deprecate"),
    ],
)
def test_illegal_lifecycle_transitions_are_refused(state, action, draft_version, publisher, admin_user):
    ApiVersion.objects.filter(pk=draft_version.pk).update(status=state)
    actor = admin_user if action in ("publish", "request_changes", "reject") else publisher
    kwargs = {"request_changes": {"note": "catatan"}, "deprecate": {"sunset_on": sunset()},
              "reject": {"reason": "Duplikat"}}.get(action, {})
    with pytest.raises(TransitionError):
        getattr(services, f"api_version_{action}")(actor=actor, api_version=draft_version, **kwargs)
    draft_version.refresh_from_db()
    assert draft_version.status == state


def test_only_editable_states_accept_spec_changes(published_version, publisher):
    with pytest.raises(TransitionError):
        services.api_version_update(
            actor=publisher, api_version=published_version,
            upstream_base_url=published_version.upstream_base_url, spec=published_version.spec,
        )


@pytest.mark.parametrize("who", ["requester", "outsider"])
def test_other_organisations_cannot_touch_a_registration(who, draft_version, request):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.api_version_submit_for_review(actor=actor, api_version=draft_version)
    with pytest.raises(PermissionDenied):
        services.api_service_update(actor=actor, service=draft_version.service, name="Dibajak")
    with pytest.raises(PermissionDenied):
        services.review_note_add(actor=actor, api_version=draft_version, body="halo")
    draft_version.refresh_from_db()
    assert draft_version.status == V.DRAFT and draft_version.service.name == "Data Penduduk"


def test_only_administrators_review(draft_version, publisher):
    services.api_version_submit_for_review(actor=publisher, api_version=draft_version)
    with pytest.raises(PermissionDenied):
        services.api_version_publish(actor=publisher, api_version=draft_version)
    with pytest.raises(PermissionDenied):
        services.api_version_request_changes(actor=publisher, api_version=draft_version, note="x")
    with pytest.raises(PermissionDenied):
        services.api_version_reject(actor=publisher, api_version=draft_version, reason="x")
    draft_version.refresh_from_db()
    assert draft_version.status == V.SUBMITTED
    assert not ReviewNote.objects.exists()


@pytest.mark.parametrize("role", [R.PUBLISHER, R.REQUESTER])
def test_administrator_cannot_review_their_own_organisations_api(role, draft_version, publisher, admin_user,
                                                                 publisher_org, dinas):
    member(admin_user, publisher_org, role)
    services.api_version_submit_for_review(actor=publisher, api_version=draft_version)
    for review in (
        lambda actor: services.api_version_publish(actor=actor, api_version=draft_version),
        lambda actor: services.api_version_request_changes(actor=actor, api_version=draft_version, note="x"),
        lambda actor: services.api_version_reject(actor=actor, api_version=draft_version, reason="x"),
    ):
        with pytest.raises(PermissionDenied) as exc:
            review(admin_user)
        assert "Pemisahan tugas" in str(exc.value) and "administrator lain" in str(exc.value)
    draft_version.refresh_from_db()
    assert draft_version.status == V.SUBMITTED
    assert [a for a, _o, _n in states(draft_version)] == ["create", "submit"]
    other_admin = member(UserFactory(username="dewi", is_staff=True), dinas, R.ADMINISTRATOR)
    services.api_version_publish(actor=other_admin, api_version=draft_version)
    draft_version.refresh_from_db()
    assert draft_version.status == V.PUBLISHED


@pytest.fixture
def submitted_version(draft_version, publisher):
    return services.api_version_submit_for_review(actor=publisher, api_version=draft_version)


def test_reject_ends_the_registration_with_audit_note_and_mail(
    submitted_version, publisher, admin_user, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.api_version_reject(actor=admin_user, api_version=submitted_version,
                                    reason="  Duplikat API Data Kependudukan milik Diskominfo.  ")

    submitted_version.refresh_from_db()
    assert submitted_version.status == V.REJECTED
    assert submitted_version.rejected_at is not None
    assert submitted_version.rejection_reason == "Duplikat API Data Kependudukan milik Diskominfo."
    event = audit_events_for(submitted_version).get(action="reject")
    assert (event.actor, event.old_state, event.new_state, event.reason) == (
        admin_user, V.SUBMITTED, V.REJECTED, "Duplikat API Data Kependudukan milik Diskominfo.")
    note = ReviewNote.objects.get()
    assert (note.author, note.body) == (admin_user, "Duplikat API Data Kependudukan milik Diskominfo.")
    [message] = mail.outbox
    assert message.to == [publisher.email]
    assert message.subject.endswith("Registrasi API ditolak")
    assert 'Dinas menolak registrasi API "Data Penduduk v1.0.0". Alasan: Duplikat API Data Kependudukan milik ' \
           "Diskominfo.\nVersi ini tidak dapat diajukan lagi; Anda dapat mendaftarkan versi baru API tersebut di " \
           "portal." in message.body
    # Never live: nothing of it in the directory.
    assert not submitted_version.service.is_listed


def test_a_rejected_version_is_final_but_a_new_version_may_be_registered(submitted_version, publisher, admin_user):
    services.api_version_reject(actor=admin_user, api_version=submitted_version, reason="Data tidak boleh dibagi.")
    with pytest.raises(TransitionError):
        services.api_version_update(actor=publisher, api_version=submitted_version,
                                    upstream_base_url=submitted_version.upstream_base_url,
                                    spec=submitted_version.spec)
    with pytest.raises(TransitionError) as exc:
        services.api_version_configure_upstream(actor=publisher, api_version=submitted_version, auth_header="",
                                                connect_timeout=3, read_timeout=30)
    assert "ditolak tidak dipanggil oleh bus" in exc.value.messages[0]
    # Its number stays taken: the refusal says why and what to do.
    with pytest.raises(ValidationError) as exc:
        services.api_version_create(actor=publisher, service=submitted_version.service, version="1.0.0",
                                    upstream_base_url="https://api.example.test/v1", spec=openapi_doc())
    assert exc.value.message_dict["version"] == [
        "Versi 1.0.0 API ini ditolak oleh Dinas; daftarkan versi baru dengan nomor versi lain."]

    new = services.api_version_create(actor=publisher, service=submitted_version.service, version="1.1.0",
                                      upstream_base_url="https://api.example.test/v1", spec=openapi_doc())
    services.api_version_submit_for_review(actor=publisher, api_version=new)
    services.api_version_publish(actor=admin_user, api_version=new)
    submitted_version.refresh_from_db()
    assert submitted_version.status == V.REJECTED
    assert submitted_version.service.live_version == new


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reject_without_a_reason_saves_nothing(reason, submitted_version, admin_user,
                                               django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as exc:
        services.api_version_reject(actor=admin_user, api_version=submitted_version, reason=reason)
    assert exc.value.message_dict == {"reason": ["Alasan wajib diisi."]}
    submitted_version.refresh_from_db()
    assert (submitted_version.status, submitted_version.rejected_at, submitted_version.rejection_reason) == (
        V.SUBMITTED, None, "")
    assert not ReviewNote.objects.exists()
    assert [a for a, _o, _n in states(submitted_version)] == ["create", "submit"]
    assert mail.outbox == []


@pytest.mark.parametrize("state", [V.DRAFT, V.CHANGES_REQUESTED, V.PUBLISHED])
def test_reject_from_another_state_saves_nothing(state, draft_version, admin_user):
    ApiVersion.objects.filter(pk=draft_version.pk).update(status=state)
    with pytest.raises(TransitionError) as exc:
        services.api_version_reject(actor=admin_user, api_version=draft_version, reason="Duplikat")
    assert exc.value.messages[0].startswith("Tidak dapat menolak")
    draft_version.refresh_from_db()
    assert (draft_version.status, draft_version.rejection_reason) == (state, "")
    assert not ReviewNote.objects.exists()
    assert not audit_events_for(draft_version).filter(action="reject").exists()


def test_publish_is_blocked_until_blocking_checks_pass(draft_version, publisher, admin_user):
    services.api_version_update(
        actor=publisher, api_version=draft_version, upstream_base_url="http://intranet.example.test/api",
        spec=draft_version.spec,
    )
    services.api_version_submit_for_review(actor=publisher, api_version=draft_version)
    with pytest.raises(ValidationError) as exc:
        services.api_version_publish(actor=admin_user, api_version=draft_version)
    assert "HTTPS" in exc.value.messages[0]
    draft_version.refresh_from_db()
    assert draft_version.status == V.SUBMITTED


def test_metadata_update_is_audited_with_changed_fields(service, publisher):
    services.api_service_update(actor=publisher, service=service, name="Data Penduduk Terpadu", sla="99,9%")
    event = audit_events_for(service).get(action="update")
    assert event.data == {"changed": ["name", "sla"]}
    assert event.actor == publisher
    # No change, no audit row.
    services.api_service_update(actor=publisher, service=service, name="Data Penduduk Terpadu")
    assert audit_events_for(service).filter(action="update").count() == 1
