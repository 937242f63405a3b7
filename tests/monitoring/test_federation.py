"""The register of SPLP connections and the export to the national SPLP (WSO2 API Manager 4.x): the archive's
files follow the apictl project format as documented (monitoring/federation/wso2.py names the sources), the
endpoints and the document's servers are this SPLP's gateway, each export records what changed, only Dinas
administrators act, an endpoint the bus would refuse is refused, and the demo seeds a national connection."""

import hashlib
import io
import zipfile

import pytest
import yaml
from django.core.exceptions import PermissionDenied, ValidationError

from directory.demo import seed_demo
from monitoring.federation import services as federation
from monitoring.models import HealthCheck, NationalExport, SplpConnection, SplpConnectionKindChoices as K
from splp.audit import audit_events_for
from tests.conftest import sent_away

from ..admin.conftest import admin_url, login, make_staff, sent_away
from ..conftest import new_version, publish_service

NATIONAL = "https://splp.layanan.go.id"
GATEWAY = "https://spl.baubaukota.go.id/gateway/data-penduduk/v1.0.0/"


@pytest.fixture(autouse=True)
def allow_national(settings):
    settings.SPLP_UPSTREAM_HOSTS = ["splp.layanan.go.id"]
    settings.SITE_URL = "https://spl.baubaukota.go.id"


@pytest.fixture
def connection(admin_user):
    return federation.connection_register(actor=admin_user, kind=K.NATIONAL, name="SPLP Nasional", endpoint=NATIONAL,
                                          tenant="baubaukota.go.id")


@pytest.fixture
def marked(connection, published_version, admin_user):
    federation.national_publication_mark(actor=admin_user, connection=connection,
                                         service=published_version.service, publish=True)
    return published_version


def unzip(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: yaml.safe_load(archive.read(name)) for name in archive.namelist()}


def test_the_archive_is_an_apictl_project_pointing_at_this_splp(connection, marked, admin_user, pemda_identity):
    exports, data = federation.national_export(actor=admin_user, connection=connection)
    files = unzip(data)
    folder = "DataPenduduk-1.0.0"
    assert set(files) == {f"{folder}/api.yaml", f"{folder}/Definitions/swagger.yaml",
                          f"{folder}/deployment_environments.yaml"}

    api = files[f"{folder}/api.yaml"]
    assert set(api) == {"type", "version", "data"}
    assert api["type"] == "api" and api["version"].startswith("v4.")
    data_ = api["data"]
    assert (data_["name"], data_["context"], data_["version"]) == ("DataPenduduk", "/kota-baubau/data-penduduk",
                                                                   "1.0.0")
    assert data_["lifeCycleStatus"] == "PUBLISHED" and data_["policies"] == ["Unlimited"]
    assert data_["endpointConfig"]["endpoint_type"] == "http"
    assert data_["endpointConfig"]["production_endpoints"] == {"url": GATEWAY}
    assert data_["endpointConfig"]["sandbox_endpoints"] == {"url": GATEWAY}
    assert {(op["verb"], op["target"]) for op in data_["operations"]} == {
        ("GET", "/v1/penduduk/{nik}"), ("POST", "/v1/penduduk")}

    swagger = files[f"{folder}/Definitions/swagger.yaml"]
    assert swagger["servers"] == [{"url": GATEWAY}]
    assert set(swagger["paths"]) == {"/v1/penduduk/{nik}", "/v1/penduduk"}
    assert "127.0.0.1" not in yaml.safe_dump(swagger)  # the upstream is never disclosed

    environments = files[f"{folder}/deployment_environments.yaml"]
    assert environments["type"] == "deployment_environments" and environments["version"].startswith("v4.")
    assert environments["data"] == [{"displayOnDevportal": True, "deploymentEnvironment": "Default"}]

    [export] = exports
    assert (export.connection, export.api_version, export.exported_by) == (connection, marked, admin_user)
    assert export.changes == {"first": True}
    assert "national_export" in [e.action for e in audit_events_for(connection)]


def test_a_second_export_records_the_added_operation_and_the_version(connection, marked, admin_user, publisher):
    federation.national_export(actor=admin_user, connection=connection)
    paths = {**marked.spec["paths"], "/v1/keluarga/{kk}": {"get": {
        "summary": "Ambil kartu keluarga", "parameters": [
            {"name": "kk", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}},
    }}}
    new_version(marked.service, actor=publisher, admin=admin_user, version="1.1.0", paths=paths)
    [export], data = federation.national_export(actor=admin_user, connection=connection)
    assert export.changes["added"] == ["GET /v1/keluarga/{kk}"] and export.changes["removed"] == []
    assert export.changes["version"] == ["1.0.0", "1.1.0"]
    assert export.changes["endpoint"][1].endswith("/gateway/data-penduduk/v1.1.0/")
    assert "DataPenduduk-1.1.0/api.yaml" in unzip(data)
    assert NationalExport.objects.count() == 2


def test_an_outsider_or_publisher_is_refused(connection, published_version, publisher, outsider):
    for user in (publisher, outsider):
        with pytest.raises(PermissionDenied):
            federation.connection_register(actor=user, kind=K.PEMDA, name="SPLP Kota X", endpoint=NATIONAL)
        with pytest.raises(PermissionDenied):
            federation.national_publication_mark(actor=user, connection=connection,
                                                 service=published_version.service, publish=True)
        with pytest.raises(PermissionDenied):
            federation.national_export(actor=user, connection=connection)
    assert SplpConnection.objects.count() == 1 and not connection.published_services.exists()


def test_the_admin_is_for_administrators_only(connection, marked, publisher, outsider, admin_user):
    for user in (make_staff(publisher), make_staff(outsider)):
        browser = login(user)
        assert sent_away(browser.get(admin_url(SplpConnection)))
        assert sent_away(browser.post(admin_url(SplpConnection, "export", connection.pk)))
    assert not NationalExport.objects.exists()

    browser = login(admin_user)
    page = browser.get(admin_url(SplpConnection, "change", connection.pk))
    assert page.status_code == 200 and marked.service.name in page.content.decode()
    response = browser.post(admin_url(SplpConnection, "export_one", connection.pk, marked.service.pk))
    assert response["Content-Type"] == "application/zip"
    assert "DataPenduduk-1.0.0/api.yaml" in unzip(response.content)
    response = browser.post(admin_url(SplpConnection), {"action": "export_action",
                                                        "_selected_action": [connection.pk]})
    assert response["Content-Type"] == "application/zip"
    assert NationalExport.objects.count() == 2
    history = browser.get(admin_url(NationalExport)).content.decode()
    assert "1.0.0" in history


def test_an_old_export_downloads_again_as_it_was(connection, marked, admin_user, publisher, outsider, settings):
    [first], data = federation.national_export(actor=admin_user, connection=connection)
    new_version(marked.service, actor=publisher, admin=admin_user, version="1.1.0", paths=marked.spec["paths"])
    settings.SITE_URL = "https://splp.baubaukota.go.id"  # the gateway moved since
    federation.national_export(actor=admin_user, connection=connection)

    for user in (make_staff(publisher), make_staff(outsider)):
        assert sent_away(login(user).get(admin_url(NationalExport, "download", first.pk)))
    browser = login(admin_user)
    history = browser.get(admin_url(NationalExport)).content.decode()
    assert admin_url(NationalExport, "download", first.pk) in history
    response = browser.get(admin_url(NationalExport, "download", first.pk))
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        api_yaml = archive.read("DataPenduduk-1.0.0/api.yaml")
        assert archive.namelist() == zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert hashlib.sha256(api_yaml).hexdigest() == first.api_yaml_sha256
    assert GATEWAY.encode() in api_yaml


@pytest.mark.parametrize("endpoint", ["http://splp.layanan.go.id", "https://169.254.169.254/",
                                      "https://evil.example.com", "ftp://splp.layanan.go.id"])
def test_an_endpoint_the_bus_would_refuse_is_refused(admin_user, endpoint):
    with pytest.raises(ValidationError) as refused:
        federation.connection_register(actor=admin_user, kind=K.NATIONAL, name="SPLP Nasional", endpoint=endpoint)
    assert "endpoint" in refused.value.message_dict
    assert not SplpConnection.objects.exists()


def test_inward_apis_are_those_upstream_on_its_host_with_their_health(connection, admin_user, publisher,
                                                                      publisher_org, theme, published_version):
    inward = publish_service(actor=publisher, owner=publisher_org, admin=admin_user, theme=theme, slug="nasional",
                             name="Referensi Wilayah")
    inward.upstream_base_url = "https://splp.layanan.go.id/t/kemendagri/wilayah/1.0"
    inward.save(update_fields=["upstream_base_url"])
    assert federation.inward_versions(connection) == [(inward, None)]
    check = HealthCheck.objects.create(service=inward.service, api_version=inward, checked_at=inward.published_at,
                                       ok=True, status_code=200)
    assert federation.inward_versions(connection) == [(inward, check)]


def test_a_secret_api_is_never_marked(connection, rahasia, admin_user):
    with pytest.raises(ValidationError):
        federation.national_publication_mark(actor=admin_user, connection=connection, service=rahasia.service,
                                             publish=True)


def test_the_demo_seeds_one_national_connection_and_one_export(db):
    seed_demo("kota-baubau")
    seed_demo("kota-baubau")
    connection = SplpConnection.objects.get()
    assert (connection.name, connection.kind, connection.endpoint) == ("SPLP Nasional", K.NATIONAL, NATIONAL)
    assert connection.agreement and connection.tenant == "baubaukota.go.id"
    assert sorted(connection.published_services.values_list("slug", flat=True)) == [
        "fasilitas-kesehatan", "indikator-pembangunan"]
    assert sorted(e.api_version.service.slug for e in connection.exports.all()) == [
        "fasilitas-kesehatan", "indikator-pembangunan"]
    assert len({e.exported_at for e in connection.exports.all()}) == 1
