import pytest

from access.choices import AccessRequestStatusChoices as S


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


def test_full_flow_via_services(granted_request):
    assert granted_request.status == S.GRANTED
    assert granted_request.grant.keys.count() == 1
