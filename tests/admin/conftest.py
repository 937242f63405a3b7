"""Admin helpers: logged-in clients, registrations in any state, and the two steps of a workflow action."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from access import services as access_services
from directory import services as directory_services
from tests.conftest import submit_request
from tests.factories import openapi_doc, service_fields


def login(user):
    client = Client()
    client.force_login(user)
    return client


def make_staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def alice(admin_user):
    """The Dinas administrator's browser: staff, not superuser, administrator by membership."""
    return login(admin_user)


def register(actor, owner, theme, slug, *, upstream="http://127.0.0.1:9/api", submit=False, publish_by=None):
    """A registration with one version, taken through the services to the state asked for."""
    _service, version = directory_services.api_service_register(
        actor=actor, owner=owner, slug=slug, version="1.0.0", upstream_base_url=upstream,
        spec=openapi_doc(title=slug), **service_fields(theme, name=slug.replace("-", " ").title()),
    )
    if submit or publish_by:
        directory_services.api_version_submit_for_review(actor=actor, api_version=version)
    if publish_by:
        directory_services.api_version_publish(actor=publish_by, api_version=version)
    version.refresh_from_db()
    return version


@pytest.fixture
def submitted_version(publisher, publisher_org, theme):
    return register(publisher, publisher_org, theme, "data-kk", submit=True)


@pytest.fixture
def outsider_version(outsider, outsider_org, theme):
    """Another organisation's registration, waiting for the Dinas."""
    return register(outsider, outsider_org, theme, "data-bappeda", submit=True)


def admin_url(obj_or_model, view="changelist", *args):
    opts = obj_or_model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def change_url(obj, model=None):
    return admin_url(model or obj, "change", obj.pk)


def start_action(client, model, action, objects):
    """Step one: pick the action in the list (the "Go" button); answers the confirmation page."""
    return client.post(
        admin_url(model), {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], "index": "0"}
    )


def confirm_action(client, model, action, objects, text="", **fields):
    """Step two: submit the confirmation page with its reason/note (and other fields it asks, e.g. a date)."""
    return client.post(
        admin_url(model),
        {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], "apply": "1", "text": text, **fields},
    )


def sent_away(response):
    """An operator's admin request: redirected out (to the login, which sends them on to the portal)."""
    return response.status_code == 302 and response.url.startswith("/admin/login/")


def messages_of(response):
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def approved_request_other(outsider, outsider_org, published_version, admin_user):
    """Bappeda's request for the same API, already approved (next to Dinkes' submitted one)."""
    access_request = submit_request(outsider, outsider_org, published_version)
    return access_services.access_request_approve(actor=admin_user, access_request=access_request)


@pytest.fixture
def granted_request_other(approved_request_other, publisher):
    access_services.access_request_grant(actor=publisher, access_request=approved_request_other)
    approved_request_other.refresh_from_db()
    return approved_request_other


@pytest.fixture
def draft_version_other(outsider, outsider_org, theme):
    return register(outsider, outsider_org, theme, "data-rencana")
