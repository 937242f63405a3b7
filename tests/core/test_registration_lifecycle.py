"""API registration lifecycle: draft -> submitted -> changes requested / published -> deprecated -> retired."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from directory import services
from directory.choices import ApiVersionStatusChoices as V
from directory.models import ApiVersion, ReviewNote
from splp.audit import audit_events_for
from splp.workflow import TransitionError

from ..factories import R, UserFactory, member, sunset


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
    ],
)
def test_illegal_lifecycle_transitions_are_refused(state, action, draft_version, publisher, admin_user):
    ApiVersion.objects.filter(pk=draft_version.pk).update(status=state)
    actor = admin_user if action in ("publish", "request_changes") else publisher
    kwargs = {"request_changes": {"note": "catatan"}, "deprecate": {"sunset_on": sunset()}}.get(action, {})
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


@pytest.mark.parametrize("role", [R.PUBLISHER, R.REQUESTER])
def test_administrator_cannot_review_their_own_organisations_api(role, draft_version, publisher, admin_user,
                                                                 publisher_org, dinas):
    member(admin_user, publisher_org, role)
    services.api_version_submit_for_review(actor=publisher, api_version=draft_version)
    for review in (
        lambda actor: services.api_version_publish(actor=actor, api_version=draft_version),
        lambda actor: services.api_version_request_changes(actor=actor, api_version=draft_version, note="x"),
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
