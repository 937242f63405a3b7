"""Named actors (Healthchecks' alice/bob/charlie): the Dinas administrator, a publisher operator,
a requester operator, and an outsider from a third organisation."""

import datetime
import io

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import override_settings
from PIL import Image
from rest_framework.test import APIClient

import splp.settings
from access import services as access_services
from directory import services as directory_services
from directory.selectors import current_interop_standard, invalidate_theme_counts
from splp.models import Pemda
from splp.presets import PEMDA_PRESETS

from .factories import (
    PASSWORD,
    OrganizationFactory,
    R,
    ThemeFactory,
    UserFactory,
    member,
    openapi_doc,
    period,
    service_fields,
)


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """``collectstatic`` with the production storage (hashed, compressed) into ``<var>/static``; returns <var>."""
    var = tmp_path_factory.mktemp("var")
    with override_settings(STATIC_ROOT=var / "static", STORAGES=splp.settings.STORAGES):
        call_command("collectstatic", "--noinput", verbosity=0)
    return var


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Uploaded and seeded files (logos, evidence) go to a fresh folder, never into the checkout's var/."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _fresh_theme_counts():
    """Cached theme counts must not leak from one test's database into the next."""
    invalidate_theme_counts()


@pytest.fixture
def pemda_identity(db):
    """The Baubau preset's identity, complete with a logo: what a signed document (the Monev report) needs."""
    preset = PEMDA_PRESETS["kota-baubau"]
    pemda = Pemda.objects.create(name=preset["name"], dinas_name=preset["dinas_name"], domain=preset["domain"],
                                 logo_text=preset["logo_text"], **preset["identity"])
    logo = io.BytesIO()
    Image.new("RGB", (120, 120), preset["logo_colour"]).save(logo, format="PNG")
    pemda.logo.save("logo.png", ContentFile(logo.getvalue()))
    return pemda


@pytest.fixture
def dinas(db):
    return OrganizationFactory(name="Dinas Kominfo", code="diskominfo", is_administrator=True)


@pytest.fixture
def publisher_org(db):
    return OrganizationFactory(name="Disdukcapil", code="disdukcapil")


@pytest.fixture
def requester_org(db):
    return OrganizationFactory(name="Dinas Kesehatan", code="dinkes")


@pytest.fixture
def outsider_org(db):
    return OrganizationFactory(name="Bappeda", code="bappeda")


@pytest.fixture
def admin_user(dinas):
    return member(UserFactory(username="alice", is_staff=True), dinas, R.ADMINISTRATOR)


@pytest.fixture
def second_admin(dinas):
    """Another Dinas administrator: the second approval a rahasia API's policy asks for."""
    return member(UserFactory(username="erin", is_staff=True), dinas, R.ADMINISTRATOR)


@pytest.fixture
def publisher(publisher_org):
    return member(UserFactory(username="bob"), publisher_org, R.PUBLISHER)


@pytest.fixture
def requester(requester_org):
    return member(UserFactory(username="carol"), requester_org, R.REQUESTER)


@pytest.fixture
def outsider(outsider_org):
    return member(UserFactory(username="charlie"), outsider_org, R.PUBLISHER, R.REQUESTER)


@pytest.fixture
def theme(db):
    return ThemeFactory(name="Kependudukan", slug="kependudukan")


@pytest.fixture
def draft_version(publisher, publisher_org, theme):
    _service, version = directory_services.api_service_register(
        actor=publisher, owner=publisher_org, slug="data-penduduk", version="1.0.0",
        upstream_base_url="http://127.0.0.1:9/api", spec=openapi_doc(), **service_fields(theme),
    )
    return version


@pytest.fixture
def published_version(draft_version, publisher, admin_user):
    directory_services.api_version_submit_for_review(actor=publisher, api_version=draft_version)
    return directory_services.api_version_publish(actor=admin_user, api_version=draft_version)


def publish_service(*, actor, owner, admin, theme, slug, version="1.0.0", **fields):
    """Register, submit and publish an API through the services; returns its published version."""
    fields.setdefault("name", f"API {slug}")
    _service, api_version = directory_services.api_service_register(
        actor=actor, owner=owner, slug=slug, version=version, upstream_base_url="https://api.example.test/v1",
        spec=openapi_doc(title=fields["name"]), **service_fields(theme, **fields),
    )
    directory_services.api_version_submit_for_review(actor=actor, api_version=api_version)
    return directory_services.api_version_publish(actor=admin, api_version=api_version)


def new_version(service, *, actor, admin, version, paths, publish=True):
    """Another version of a registered API (published unless told), through the services."""
    api_version = directory_services.api_version_create(
        actor=actor, service=service, version=version, upstream_base_url="http://127.0.0.1:9/api2",
        spec=openapi_doc(version=version, paths=paths),
    )
    if publish:
        directory_services.api_version_submit_for_review(actor=actor, api_version=api_version)
        directory_services.api_version_publish(actor=admin, api_version=api_version)
    return api_version


def allow_media_types(admin, *media_types):
    """The Dinas' interoperability standard allows ``media_types`` besides JSON (the default allows JSON only)."""
    standard = current_interop_standard()
    if standard.pk is None:  # a transactional test's flush dropped the row the migration seeds
        standard.save()
    directory_services.interop_standard_update(
        actor=admin, standard=standard, allowed_media_types=["application/json", "*/*+json", *media_types])


def _get_by(param):
    return {"get": {"summary": "Ambil", "parameters": [
        {"name": param, "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}}}


# Version 2 of published_version: the NIK parameter renamed (the same template), the search (POST) dropped,
# families added.
V2_PATHS = {"/v1/penduduk/{id}": _get_by("id"), "/v1/keluarga/{kk}": _get_by("kk")}


@pytest.fixture
def v2(published_version, publisher, admin_user):
    return new_version(published_version.service, actor=publisher, admin=admin_user, version="2.0.0", paths=V2_PATHS)


@pytest.fixture
def publish(publisher, publisher_org, admin_user, theme):
    """publish(slug, **fields): another published API (of the publisher's organisation unless told)."""

    def _publish(slug, *, actor=publisher, owner=publisher_org, **fields):
        fields.setdefault("theme", theme)
        return publish_service(actor=actor, owner=owner, admin=admin_user, slug=slug, **fields)

    return _publish


@pytest.fixture
def service(published_version):
    return published_version.service


def sent_away(response):
    """An operator's admin request: redirected out (to the login, which sends them on to the portal)."""
    return response.status_code == 302 and response.url.startswith("/admin/login/")


def submit_request(requester, requester_org, api_version, **overrides):
    start, end = period()
    fields = dict(
        actor=requester, requester=requester_org, api_version=api_version, purpose="Verifikasi NIK pasien",
        legal_basis="Permenkes 24/2022", period_start=start, period_end=end, expected_daily_volume=100,
    )
    fields.update(overrides)
    return access_services.access_request_submit(**fields)


# The official letter an administrator records an application from (access_request_submit on behalf).
LETTER = "800/123/Dinkes, 2 Desember 2026"


@pytest.fixture
def filing_admin(dinas):
    """A third Dinas administrator, who records applications from the organisations' letters: a rahasia API is
    hidden from an organisation until it applied for it. Being the applicant, frank never decides those; alice
    and erin do."""
    return member(UserFactory(username="frank", is_staff=True), dinas, R.ADMINISTRATOR)


def file_request(filer, requester_org, api_version, **overrides):
    """An application recorded by the administrator ``filer`` on behalf of ``requester_org``, from its letter."""
    overrides.setdefault("letter_reference", LETTER)
    return submit_request(filer, requester_org, api_version, **overrides)


# The day the classification-policy and on-behalf tests are frozen on (their periods are counted from it).
POLICY_DAY = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def on_policy_day():
    with time_machine.travel(POLICY_DAY, tick=False):
        yield


@pytest.fixture
def rahasia(publish):
    """A published rahasia API of the publisher's organisation."""
    return publish("penduduk-rentan", classification="rahasia")


@pytest.fixture
def submitted_request(requester, requester_org, published_version):
    return submit_request(requester, requester_org, published_version)


@pytest.fixture
def approved_request(submitted_request, admin_user):
    return access_services.access_request_approve(actor=admin_user, access_request=submitted_request)


@pytest.fixture
def granted_request(approved_request, publisher):
    access_services.access_request_grant(actor=publisher, access_request=approved_request)
    approved_request.refresh_from_db()
    return approved_request


def api_client_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def password():
    return PASSWORD
