"""The interoperability standard is the Dinas' (issue 11, part 2): rules on or off, blocking or a warning, the
media types allowed, the version applied recorded with each result, and a change never unpublishing anything."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from directory import interop, services as directory_services
from directory.choices import ApiVersionStatusChoices as S
from directory.models import ApiVersion, InteropStandard
from directory.selectors import published_services, versions_failing_the_standard
from splp.audit import audit_events_for
from splp.choices import AuditAction

from ..conftest import api_client_for, sent_away
from ..factories import openapi_doc
from .test_interop import GET_NIK, HTTPS_UPSTREAM, failed_checks, register, swagger2_doc

pytestmark = pytest.mark.django_db

XML_TYPES = ["application/xml", "text/xml", "*/*+xml"]


def the_standard():
    return InteropStandard.objects.get()


def change(actor, **fields):
    return directory_services.interop_standard_update(actor=actor, standard=the_standard(), **fields)


def setting(enabled=True, severity="blocking"):
    return {"enabled": enabled, "severity": severity}


def xml_only_doc():
    doc = openapi_doc()
    for item in doc["paths"].values():
        for op in item.values():
            for holder in [op.get("requestBody"), *op["responses"].values()]:
                if holder:
                    holder["content"] = {"application/xml": holder["content"]["application/json"]}
    return doc


def submit_and_publish(publisher, admin_user, version):
    version = directory_services.api_version_submit_for_review(actor=publisher, api_version=version)
    return directory_services.api_version_publish(actor=admin_user, api_version=version)


def test_the_migration_seeds_version_1_with_the_checklist_as_it_was():
    standard = the_standard()
    assert standard.version == 1
    assert standard.allowed_media_types == ["application/json", "*/*+json"]
    assert standard.rules == interop.default_rules()
    assert {code for code, s in standard.rules.items() if s == setting()} == {
        "valid_document", "has_operations", "summaries", "success_schema", "json_media", "versioned",
        "https_upstream",
    }
    assert standard.rules["security_scheme"]["enabled"] is False
    assert standard.rules["error_schema"]["enabled"] is False


def test_an_xml_service_is_refused_until_the_dinas_allows_xml(publisher, publisher_org, theme, admin_user):
    _service, version = register(publisher, publisher_org, theme, xml_only_doc())
    assert failed_checks(version.interop_report) == {"json_media"}
    assert version.interop_passed is False
    with pytest.raises(ValidationError, match="Media type yang diizinkan standar"):
        submit_and_publish(publisher, admin_user, version)

    standard, affected = change(admin_user, allowed_media_types=["application/json", "*/*+json", *XML_TYPES])

    assert standard.version == 2 and affected == []
    version.refresh_from_db()
    # The submitted version was checked again against the new standard: it passes and can be published.
    assert (version.status, version.interop_passed, version.interop_standard_version) == (S.SUBMITTED, True, 2)
    directory_services.api_version_publish(actor=admin_user, api_version=version)
    version.refresh_from_db()
    assert version.status == S.PUBLISHED
    assert list(published_services()) == [version.service]


def test_a_rejected_version_keeps_the_check_it_was_rejected_with(publisher, publisher_org, theme, admin_user):
    _service, version = register(publisher, publisher_org, theme, xml_only_doc())
    directory_services.api_version_submit_for_review(actor=publisher, api_version=version)
    directory_services.api_version_reject(actor=admin_user, api_version=version, reason="Data tidak boleh dibagi.")

    change(admin_user, allowed_media_types=["application/json", "*/*+json", *XML_TYPES])

    version.refresh_from_db()
    assert (version.status, version.interop_passed, version.interop_standard_version) == (S.REJECTED, False, 1)


def test_a_warning_is_shown_but_does_not_block(publisher, publisher_org, theme, admin_user):
    change(admin_user, rules={"summaries": setting(severity="warning")})
    doc = openapi_doc()
    del doc["paths"][GET_NIK]["get"]["summary"]

    _service, version = register(publisher, publisher_org, theme, doc)

    summaries = next(c for c in version.interop_report if c["code"] == "summaries")
    assert (summaries["passed"], summaries["blocking"], summaries["detail"]) == (False, False, f"GET {GET_NIK}")
    assert version.interop_passed is True
    assert submit_and_publish(publisher, admin_user, version).status == S.PUBLISHED


def test_the_publisher_sees_warnings_apart_from_blocking_failures(publisher, publisher_org, theme, admin_user):
    change(admin_user, rules={"summaries": setting(severity="warning"), "error_schema": setting()})
    doc = openapi_doc()
    del doc["paths"][GET_NIK]["get"]["summary"]
    register(publisher, publisher_org, theme, doc, slug="data-kk")
    client = Client()
    client.force_login(publisher)

    page = client.get("/api-saya/kelola/data-kk/").content.decode()

    assert "Diperiksa terhadap standar interoperabilitas Dinas versi 2." in page
    assert page.count("! Peringatan") == 1
    assert page.count("✗ Gagal") == 1


def test_a_blocking_rule_blocks_publication(publisher, publisher_org, theme, admin_user):
    change(admin_user, rules={"error_schema": setting()})

    _service, version = register(publisher, publisher_org, theme, openapi_doc())

    assert failed_checks(version.interop_report) == {"error_schema"}
    assert version.interop_passed is False
    with pytest.raises(ValidationError, match="respons galat"):
        submit_and_publish(publisher, admin_user, version)
    version.refresh_from_db()
    assert version.status == S.SUBMITTED


def test_each_result_records_the_version_of_the_standard_applied(publisher, publisher_org, theme, admin_user):
    _service, first = register(publisher, publisher_org, theme, openapi_doc())
    assert first.interop_standard_version == 1

    change(admin_user, rules={"security_scheme": setting(severity="warning")})
    _service, second = register(publisher, publisher_org, theme, openapi_doc(), slug="layanan-dua")

    assert second.interop_standard_version == 2
    assert "security_scheme" in {c["code"] for c in second.interop_report}
    first.refresh_from_db()
    assert first.interop_standard_version == 2
    version = api_client_for(publisher).get("/api/v1/api-services/layanan-dua/").json()["versions"][0]
    assert version["interop_standard_version"] == 2


def test_an_unchanged_standard_keeps_its_version_and_writes_no_audit_row(admin_user):
    standard, affected = change(admin_user, allowed_media_types=[" Application/JSON ", "*/*+json"],
                                rules={"summaries": setting()})
    assert (standard.version, affected) == (1, [])
    assert not audit_events_for(standard).exists()


def test_tightening_the_standard_leaves_published_apis_published_and_lists_them(
    published_version, publisher, publisher_org, theme, admin_user
):
    _service, draft = register(publisher, publisher_org, theme, openapi_doc(), slug="layanan-draf")

    standard, affected = change(admin_user, rules={"security_scheme": setting()})

    assert affected == [published_version]
    published_version.refresh_from_db()
    assert published_version.status == S.PUBLISHED
    assert (published_version.interop_passed, published_version.interop_standard_version) == (False, 2)
    assert list(published_services()) == [published_version.service]
    assert list(versions_failing_the_standard()) == [published_version]
    # A draft is re-checked too, but is not a follow-up: it cannot be published as it is.
    draft.refresh_from_db()
    assert (draft.interop_passed, draft.interop_standard_version) == (False, 2)
    # Both the standard's history and the API's say what happened.
    assert audit_events_for(standard).get().data == {
        "old": {"rules": interop.default_rules(), "version": 1},
        "new": {"rules": {**interop.default_rules(), "security_scheme": setting()}, "version": 2},
    }
    event = audit_events_for(published_version).get(action=AuditAction.INTEROP_STANDARD_UPDATE)
    assert (event.actor, event.new_state, event.data) == (
        admin_user, S.PUBLISHED, {"standard_version": 2, "failing": ["security_scheme"]}
    )


@pytest.mark.parametrize(
    "fields",
    [{"rules": {"no_such_rule": setting()}}, {"rules": {"summaries": setting(severity="sometimes")}},
     {"allowed_media_types": ["json"]}, {"allowed_media_types": [" "]}],
    ids=["unknown-rule", "unknown-severity", "not-a-media-type", "none"],
)
def test_an_impossible_standard_is_refused(fields, admin_user):
    with pytest.raises(ValidationError):
        change(admin_user, **fields)
    standard = the_standard()
    assert standard.version == 1 and not audit_events_for(standard).exists()


@pytest.mark.parametrize("who", ["publisher", "outsider"])
def test_only_an_administrator_changes_the_standard(who, request):
    with pytest.raises(PermissionDenied):
        change(request.getfixturevalue(who), allowed_media_types=XML_TYPES)
    standard = the_standard()
    assert (standard.version, standard.allowed_media_types) == (1, ["application/json", "*/*+json"])


# --- The two rules added ---------------------------------------------------------------------------------------


def _with_bearer(doc):
    doc["components"] = {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}
    doc["security"] = [{"bearer": []}]
    return doc


def _bearer_but_one_operation_open(doc):
    _with_bearer(doc)
    doc["paths"][GET_NIK]["get"]["security"] = []
    return doc


def _scheme_never_referenced(doc):
    doc["components"] = {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}
    return doc


def _swagger2_with_key():
    doc = swagger2_doc()
    doc["securityDefinitions"] = {"key": {"type": "apiKey", "name": "X-Api-Key", "in": "header"}}
    doc["security"] = [{"key": []}]
    return doc


@pytest.mark.parametrize(
    "doc, passed, detail",
    [
        (openapi_doc(), False, "No security scheme is declared."),
        (_scheme_never_referenced(openapi_doc()), False, f"GET {GET_NIK}, POST /v1/penduduk"),
        (_bearer_but_one_operation_open(openapi_doc()), False, f"GET {GET_NIK}"),
        (_with_bearer(openapi_doc()), True, ""),
        (_swagger2_with_key(), True, ""),
    ],
    ids=["none", "not-referenced", "one-open", "declared", "swagger2"],
)
def test_security_scheme_rule(doc, passed, detail):
    standard = InteropStandard(allowed_media_types=["application/json"],
                               rules={"security_scheme": setting(), "valid_document": setting()})
    with translation.override("en"):
        report = {c["code"]: c for c in interop.run_interop_check(doc, HTTPS_UPSTREAM, standard)}
    assert report["valid_document"]["passed"] is True
    assert (report["security_scheme"]["passed"], report["security_scheme"]["detail"]) == (passed, detail)


def _error_response(code, response):
    def mutate(doc):
        doc["paths"][GET_NIK]["get"]["responses"][code] = response
        doc["paths"]["/v1/penduduk"]["post"]["responses"][code] = response
        return doc
    return mutate


PROBLEM = {"description": "Error", "content": {"application/problem+json": {"schema": {"type": "object"}}}}


@pytest.mark.parametrize(
    "doc, passed",
    [
        (openapi_doc(), False),
        (_error_response("404", {"description": "Not found"})(openapi_doc()), False),
        (_error_response("404", PROBLEM)(openapi_doc()), True),
        (_error_response("default", PROBLEM)(openapi_doc()), True),
        (_error_response("4XX", {"$ref": "#/components/responses/Error"})(
            {**openapi_doc(), "components": {"responses": {"Error": PROBLEM}}}), True),
        (swagger2_doc(), False),
    ],
    ids=["none", "without-schema", "404", "default", "ref", "swagger2-none"],
)
def test_error_schema_rule(doc, passed):
    standard = InteropStandard(allowed_media_types=["application/json", "*/*+json"],
                               rules={"error_schema": setting(), "valid_document": setting()})
    report = {c["code"]: c for c in interop.run_interop_check(doc, HTTPS_UPSTREAM, standard)}
    assert report["valid_document"]["passed"] is True
    assert report["error_schema"]["passed"] is passed


def test_swagger2_error_schema_passes_with_a_400_schema():
    doc = swagger2_doc()
    for item in doc["paths"].values():
        item["get"]["responses"]["400"] = {"description": "Bad request", "schema": {"type": "object"}}
    standard = InteropStandard(allowed_media_types=["application/json"], rules={"error_schema": setting()})
    assert failed_checks(interop.run_interop_check(doc, HTTPS_UPSTREAM, standard)) == set()


def test_a_rule_turned_off_is_not_checked(admin_user, publisher, publisher_org, theme):
    change(admin_user, rules={"versioned": setting(enabled=False)})
    doc = openapi_doc()
    doc["info"]["version"] = ""
    doc["paths"] = {path.replace("/v1", ""): item for path, item in doc["paths"].items()}

    _service, version = register(publisher, publisher_org, theme, doc)

    assert "versioned" not in {c["code"] for c in version.interop_report}
    assert version.interop_passed is True
    assert ApiVersion.objects.get().interop_standard_version == 2


# --- The admin -------------------------------------------------------------------------------------------------


def _admin_client(user):
    client = Client()
    client.force_login(user)
    return client


def standard_url(view="change"):
    standard = the_standard()
    return reverse(f"admin:directory_interopstandard_{view}", args=[standard.pk] if view != "changelist" else [])


def admin_form(client, media_types="application/json\n*/*+json", **rules):
    """The change form as the page sends it, with ``rules`` ({code: setting}) changed."""
    settings_ = {**interop.default_rules(), **rules}
    data = {"allowed_media_types": media_types}
    for code, s in settings_.items():
        data[f"{code}__severity"] = s["severity"]
        if s["enabled"]:
            data[f"{code}__enabled"] = "on"
    page = client.get(standard_url())
    if page.status_code == 200:
        for inline in page.context["inline_admin_formsets"]:
            management = inline.formset.management_form
            data.update({management.add_prefix(name): value for name, value in management.initial.items()})
    return data


def test_administrator_tightens_the_standard_in_the_admin_and_is_shown_the_apis_to_follow_up(
    published_version, admin_user
):
    alice = _admin_client(admin_user)
    assert "Standar interoperabilitas" in alice.get(standard_url("changelist")).content.decode()
    page = alice.get(standard_url()).content.decode()
    assert "Skema keamanan dideklarasikan dan dirujuk setiap operasi" in page and "jika gagal" in page

    response = alice.post(standard_url(), admin_form(alice, media_types="application/json\n*/*+json\nText/XML",
                                                     security_scheme=setting()), follow=True)

    standard = the_standard()
    assert (standard.version, standard.allowed_media_types) == (2, ["application/json", "*/*+json", "text/xml"])
    assert standard.rules["security_scheme"] == setting() and standard.updated_by == admin_user
    [warning] = [str(m) for m in response.context["messages"] if "tidak memenuhi standar versi 2" in str(m)]
    assert str(published_version) in warning and "?standard=failing" in warning
    assert any("Standar interoperabilitas, versi 2" in str(m) and "berhasil diubah" in str(m)
               for m in response.context["messages"])
    published_version.refresh_from_db()
    assert published_version.status == S.PUBLISHED

    follow_up = alice.get(reverse("admin:directory_apiversion_changelist") + "?standard=failing")
    assert "Tidak memenuhi standar terbaru" in follow_up.content.decode()
    assert list(follow_up.context["cl"].result_list) == [published_version]


def test_the_admin_form_refuses_a_wrong_media_type_and_never_adds_or_deletes(admin_user):
    alice = _admin_client(admin_user)
    response = alice.post(standard_url(), admin_form(alice, media_types="json"))
    assert response.status_code == 200 and "allowed_media_types" in response.context["adminform"].form.errors
    assert the_standard().version == 1
    assert alice.get(reverse("admin:directory_interopstandard_add")).status_code == 403
    assert alice.post(standard_url("delete"), {"post": "yes"}).status_code == 403
    assert InteropStandard.objects.count() == 1


@pytest.mark.parametrize("who", ["publisher", "outsider"])
def test_operators_cannot_reach_the_standard_in_the_admin(who, request):
    user = request.getfixturevalue(who)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = _admin_client(user)
    assert sent_away(client.get(standard_url("changelist")))
    assert sent_away(client.post(standard_url(), {"allowed_media_types": "*/*", "security_scheme__enabled": "on"}))
    standard = the_standard()
    assert standard.version == 1 and not audit_events_for(standard).exists()
