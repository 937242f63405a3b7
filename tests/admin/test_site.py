"""The admin carries the Pemda's identity and speaks Indonesian."""

from access.models import PendingAccessRequest
from directory.models import PendingApiVersion
from splp.models import Pemda

from .conftest import admin_url


def test_header_and_title_from_the_settings_identity(alice):
    page = alice.get("/admin/").content.decode()
    assert "<title>Tugas saya | SPLP Pemerintah Daerah</title>" in page
    assert ">SPLP Pemerintah Daerah</a>" in page


def test_header_and_title_from_the_pemda_record(alice, db):
    Pemda.objects.create(name="Kabupaten Bungo", dinas_name="Diskominfo Bungo", domain="splp.bungo.test",
                         logo_text="SPLP Bungo")
    page = alice.get("/admin/").content.decode()
    assert "| SPLP Kabupaten Bungo</title>" in page
    assert ">SPLP Kabupaten Bungo</a>" in page
    assert "Diskominfo Bungo" in page


def test_index_links_the_two_queues(alice):
    response = alice.get("/admin/")
    page = response.content.decode()
    assert admin_url(PendingAccessRequest) in page
    assert admin_url(PendingApiVersion) in page
    assert 'lang="id"' in page


def test_login_page_needs_no_session(client, db):
    page = client.get("/admin/login/").content.decode()
    assert ">SPLP Pemerintah Daerah</a>" in page


def test_no_api_token_can_be_minted_in_the_admin(alice, publisher):
    """An administrator must not get a publisher's API token (knox's own admin allowed it, unaudited)."""
    assert "knox" not in alice.get("/admin/").content.decode()
    assert alice.get("/admin/knox/authtoken/add/").status_code == 404
