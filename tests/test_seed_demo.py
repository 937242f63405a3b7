"""`manage.py seed_demo`: the demo data `make run` loads, idempotent, for either Pemda preset."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import HttpRequest
from PIL import Image

from access.choices import AccessRequestStatusChoices
from access.models import AccessRequest, PendingAccessRequest
from directory.choices import ApiVersionStatusChoices as S, SpecFormatChoices
from directory.demo import DEMO_APIS
from directory.models import (
    ApiOperation,
    ApiService,
    ApiVersion,
    Membership,
    Organization,
    PendingApiVersion,
    ReviewNote,
    Theme,
)
from directory.selectors import is_administrator, published_services, publisher_org_ids, requester_org_ids
from monitoring.models import PolicyDocument
from splp.context_processors import current_pemda
from splp.models import AuditEvent, Pemda

PUBLISHED = {"data-kependudukan", "fasilitas-kesehatan", "indikator-pembangunan", "data-sekolah",
             "perizinan-berusaha", "penduduk-rentan"}
COUNTED_MODELS = [Pemda, Organization, Membership, Theme, get_user_model(), ApiService, ApiVersion, ApiOperation,
                  ReviewNote, AccessRequest, AuditEvent]


def seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def without(tally, *names):
    return {name: n for name, n in tally.items() if name not in names}


def counts():
    return {model.__name__: model.objects.count() for model in COUNTED_MODELS}


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    return settings


def test_second_run_creates_nothing(db, debug):
    first = seed()
    after_first = counts()

    second = seed()

    assert counts() == after_first
    assert after_first["Organization"] == 7
    assert after_first["ApiVersion"] == 8
    assert "Perangkat daerah: 7 dibuat, 0 sudah ada" in first
    assert "Versi API: 8 dibuat, 0 sudah ada" in first
    assert "Perangkat daerah: 0 dibuat, 7 sudah ada" in second
    assert "Versi API: 0 dibuat, 8 sudah ada" in second
    assert "Permohonan akses: 0 dibuat, 1 sudah ada" in second


def test_prints_the_three_accounts_and_the_password(db, debug):
    output = seed()

    assert "kata sandi: demo-password" in output
    for username in ("admin", "publisher", "requester"):
        assert f"  {username} " in output


@pytest.mark.parametrize("username", ["admin", "publisher", "requester"])
def test_demo_accounts_log_in_with_demo_password(username, client, db, debug):
    seed()
    user = get_user_model().objects.get(username=username)
    user.set_password("changed-by-someone")
    user.save()

    # The password is reset on every run, so the README stays true.
    seed()

    # django-axes needs the request behind a login to count failures.
    assert client.login(request=HttpRequest(), username=username, password="demo-password")


def test_accounts_have_their_roles(db, debug):
    seed()
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["admin", "publisher", "requester"])}
    orgs = {o.code: o for o in Organization.objects.all()}

    assert users["admin"].is_superuser and is_administrator(users["admin"])
    assert Membership.objects.filter(user=users["admin"], organization=orgs["diskominfo"], role="administrator")
    assert orgs["diskominfo"].is_administrator
    assert not is_administrator(users["publisher"]) and not is_administrator(users["requester"])
    assert publisher_org_ids(users["publisher"]) == {orgs["disdukcapil"].pk}
    assert requester_org_ids(users["publisher"]) == set()
    assert requester_org_ids(users["requester"]) == {orgs["dinkes"].pk}
    assert publisher_org_ids(users["requester"]) == set()
    # Only the Dinas works in the admin.
    assert users["admin"].is_staff and not users["publisher"].is_staff and not users["requester"].is_staff
    assert users["publisher"].email == "publisher@baubaukota.go.id"


def test_the_demo_has_apis_of_every_classification_with_and_without_personal_data(db, debug):
    seed()
    published = {(s.classification, s.has_personal_data) for s in published_services()}
    assert {c for c, _personal in published} == {"terbuka", "terbatas", "rahasia"}
    assert ("rahasia", True) in published and ("terbuka", False) in published


def test_published_apis_are_in_the_directory_and_pass_the_interop_check(db, debug):
    seed()

    services = list(published_services())

    assert {s.slug for s in services} == PUBLISHED
    assert len({s.owner_id for s in services}) >= 3
    assert len({s.theme_id for s in services}) >= 3
    for service in services:
        version = service.live_version
        assert version.interop_passed, service.slug
        assert [c["code"] for c in version.interop_report if not c["passed"]] == [], service.slug
        assert version.upstream_base_url == f"http://127.0.0.1:8000/demo-upstream/{service.slug}"
        assert version.operations.count() >= 2
        assert all(op.summary and op.path.startswith("/v1/") for op in version.operations.all())
    formats = {s.slug: s.live_version.spec_format for s in services}
    assert formats["data-sekolah"] == SpecFormatChoices.SWAGGER2
    assert formats["data-kependudukan"] == SpecFormatChoices.OPENAPI3
    assert ApiOperation.objects.filter(
        api_version__service__slug="data-kependudukan", method="POST", path="/v1/verifikasi-nik"
    ).exists()


def test_queues_have_their_items(db, debug):
    seed()

    pending_versions = PendingApiVersion.objects.filter(status=S.SUBMITTED)
    assert [v.service.slug for v in pending_versions] == ["realisasi-anggaran"]
    assert ApiVersion.objects.get(service__slug="pencatatan-sipil").status == S.DRAFT
    pending_requests = PendingAccessRequest.objects.filter(status=AccessRequestStatusChoices.SUBMITTED)
    assert [(r.requester.code, r.api_version.service.slug) for r in pending_requests] == [
        ("dinkes", "indikator-pembangunan")
    ]
    # Data Kependudukan stays free for the README walk-through.
    assert not AccessRequest.objects.filter(api_version__service__slug="data-kependudukan").exists()


def test_switching_pemda_changes_the_active_identity(db, debug):
    seed()
    assert current_pemda().name == "Kota Baubau"
    before = counts()

    output = seed("--pemda", "kabupaten-bungo")

    pemda = current_pemda()
    assert (pemda.name, pemda.dinas_name, pemda.domain) == (
        "Kabupaten Bungo", "Dinas Komunikasi dan Informatika Kabupaten Bungo", "splp.bungokab.go.id"
    )
    assert Pemda.objects.filter(is_active=True).count() == 1
    assert "Kabupaten Bungo" in output
    assert Organization.objects.get(code="diskominfo").name == "Dinas Komunikasi dan Informatika Kabupaten Bungo"
    assert Organization.objects.get(code="dinkes").name == "Dinas Kesehatan Kabupaten Bungo"
    assert not Organization.objects.filter(name__contains="Baubau").exists()
    service = ApiService.objects.get(slug="data-kependudukan")
    assert service.data_producer == "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Bungo"
    assert get_user_model().objects.get(username="admin").email == "admin@bungokab.go.id"
    # The same records renamed: new rows are only the second Pemda and one audit row per updated service and
    # for the regulation in the policy register, now the Perbup.
    after = counts()
    assert after["Pemda"] == before["Pemda"] + 1
    assert after["AuditEvent"] == before["AuditEvent"] + len(DEMO_APIS) + 1
    assert PolicyDocument.objects.get(kind="regulation").number == "Peraturan Bupati Bungo Nomor 28 Tahun 2024"
    assert without(after, "Pemda", "AuditEvent") == without(before, "Pemda", "AuditEvent")

    seed("--pemda", "kota-baubau")
    assert current_pemda().name == "Kota Baubau"
    assert Pemda.objects.filter(is_active=True).count() == 1


def test_themes_edited_by_administrators_are_kept(db, debug):
    seed()
    Theme.objects.filter(slug="kesehatan").update(description="Diubah oleh administrator.")

    seed()

    assert Theme.objects.get(slug="kesehatan").description == "Diubah oleh administrator."
    assert Theme.objects.filter(slug__in=["kependudukan", "pengaduan-publik", "satu-data", "pariwisata"]).count() == 4


def test_upstream_base_comes_from_settings(db, debug):
    debug.SPLP_DEMO_UPSTREAM_BASE = "https://demo-upstream.example.test/base/"

    seed()

    version = ApiVersion.objects.get(service__slug="fasilitas-kesehatan")
    assert version.upstream_base_url == "https://demo-upstream.example.test/base/fasilitas-kesehatan"
    assert version.status == S.PUBLISHED


def test_refuses_without_debug_unless_forced(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError) as excinfo:
        seed()

    assert "--force" in str(excinfo.value)
    assert all(n == 0 for n in counts().values())

    seed("--force")
    assert {s.slug for s in published_services()} == PUBLISHED


def test_failure_saves_nothing(db, settings):
    # Production without the demo upstream on the allow-list: publishing the demo APIs is refused.
    settings.DEBUG = False
    settings.SPLP_INTERNAL_HOSTS = []

    with pytest.raises(CommandError) as excinfo:
        seed("--force")

    assert "SPLP_INTERNAL_HOSTS" in str(excinfo.value)
    assert all(n == 0 for n in counts().values())


def test_unknown_pemda_refused(db, debug):
    with pytest.raises(CommandError):
        seed("--pemda", "kota-lain")
    assert not Pemda.objects.exists()


def seed_with_warnings(*args):
    out, err = StringIO(), StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_baubau_preset_runs_in_wita_without_a_warning(db, debug):
    debug.SPLP_PEMDA_PRESET, debug.TIME_ZONE = "kota-baubau", "Asia/Makassar"  # what `make run` starts with
    output, warnings = seed_with_warnings()
    assert "Data demo siap untuk Kota Baubau" in output
    assert warnings == ""


def test_the_default_preset_is_the_setting(db, debug):
    debug.SPLP_PEMDA_PRESET, debug.TIME_ZONE = "kabupaten-bungo", "Asia/Jakarta"
    output, warnings = seed_with_warnings()
    assert current_pemda().name == "Kabupaten Bungo"
    assert warnings == ""


def test_a_preset_in_another_zone_than_the_installation_warns_how_to_fix_it(db, debug):
    debug.SPLP_PEMDA_PRESET, debug.TIME_ZONE = "kabupaten-bungo", "Asia/Jakarta"
    output, warnings = seed_with_warnings("--pemda", "kota-baubau")
    assert current_pemda().name == "Kota Baubau"  # seeded all the same: the data does not depend on the zone
    assert (
        "Kota Baubau memakai WITA (Asia/Makassar), tetapi instalasi ini berjalan di WIB (Asia/Jakarta)" in warnings
    )
    assert "Setel SPLP_PEMDA_PRESET=kota-baubau (atau SPLP_TIME_ZONE=Asia/Makassar) lalu jalankan ulang." in warnings


@pytest.mark.parametrize(("preset", "expected"), [
    ("kota-baubau", {
        # Perwali 32/2024 Pasal 9: "melalui log di domain spl.baubaukota.go.id" (not splp.).
        "name": "Kota Baubau", "domain": "spl.baubaukota.go.id", "head_of_region": "Wali Kota Baubau",
        "splp_regulation": "Peraturan Wali Kota Baubau Nomor 32 Tahun 2024 tentang Pengelolaan Sistem Penghubung "
                           "Layanan Pemerintah",
        "place": "Baubau", "position": "Kepala Dinas Komunikasi dan Informatika Kota Baubau",
    }),
    ("kabupaten-bungo", {
        "name": "Kabupaten Bungo", "domain": "splp.bungokab.go.id", "head_of_region": "Bupati Bungo",
        "splp_regulation": "Peraturan Bupati Bungo Nomor 28 Tahun 2024 tentang Sistem Penghubung Layanan "
                           "Pemerintah Kabupaten Bungo",
        "place": "Muara Bungo", "position": "Kepala Dinas Komunikasi dan Informatika Kabupaten Bungo",
    }),
])
def test_each_preset_seeds_a_complete_identity_for_official_documents(db, debug, _media_root, preset, expected):
    seed("--pemda", preset)

    pemda = current_pemda()
    signatory = pemda.signatory()
    assert {
        "name": pemda.name, "domain": pemda.domain, "head_of_region": pemda.head_of_region,
        "splp_regulation": pemda.splp_regulation, "place": signatory.place, "position": signatory.position,
    } == expected
    assert len(pemda.kepala_dinas_nip) == 18 and pemda.kepala_dinas_nip.isdigit()
    assert pemda.missing_document_fields() == []
    with Image.open(_media_root / pemda.logo.name) as logo:
        assert logo.format == "PNG"

    # Seeding again keeps the logo file rather than drawing another one.
    seed("--pemda", preset)
    assert Pemda.objects.get(pk=pemda.pk).logo.name == pemda.logo.name
    assert len(list((_media_root / "pemda").iterdir())) == 1


def test_a_database_seeded_with_the_former_baubau_domain_keeps_its_row(db, debug):
    Pemda.objects.create(name="Kota Baubau", dinas_name="Dinas Komunikasi dan Informatika Kota Baubau",
                         domain="splp.baubaukota.go.id", logo_text="SPLP Baubau")

    seed()

    assert list(Pemda.objects.values_list("name", "domain")) == [("Kota Baubau", "spl.baubaukota.go.id")]


def test_every_audit_row_of_the_demo_reads_in_words(db, debug):
    debug.SPLP_UPSTREAM_HOSTS = ["splp.layanan.go.id"]  # as DEBUG's default: the demo exports to the national SPLP
    """The demo walks every workflow once; a state code its audit rows hold without a label on the model would
    show raw in the audit trail (a registration's "draft", an export's version number once did)."""
    from directory.audit_trail import _state_labels

    seed()
    raw = set()
    for event in AuditEvent.objects.select_related("content_type"):
        labels = _state_labels(event.content_type.model_class())
        raw |= {(event.content_type.model, event.action, code)
                for code in (event.old_state, event.new_state) if code and code not in labels}
    assert AuditEvent.objects.filter(action="national_export").exists()
    assert raw == set()
