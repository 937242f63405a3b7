"""Shared factories and a builder for valid OpenAPI documents."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from directory.choices import ClassificationChoices, MembershipRoleChoices, OrganizationKindChoices
from directory.models import Membership, Organization, Theme

PASSWORD = "secret-pass-123"


def openapi_doc(title="Data Penduduk", version="1.0.0", paths=None):
    """A valid OpenAPI 3.0 document passing every interoperability check."""
    schema = {"type": "object", "properties": {"nik": {"type": "string"}}}
    paths = paths or {
        "/v1/penduduk/{nik}": {
            "get": {
                "summary": "Ambil data penduduk",
                "operationId": "getPenduduk",
                "parameters": [{"name": "nik", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}},
            }
        },
        "/v1/penduduk": {
            "post": {
                "summary": "Cari penduduk",
                "requestBody": {"content": {"application/json": {"schema": schema}}},
                "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}},
            }
        },
    }
    return {"openapi": "3.0.3", "info": {"title": title, "version": version}, "paths": paths}


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Dinas Contoh {n}")
    code = factory.Sequence(lambda n: f"pd{n}")
    kind = OrganizationKindChoices.DINAS
    contact_email = factory.LazyAttribute(lambda o: f"{o.code}@example.test")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password(PASSWORD)


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    name = factory.Sequence(lambda n: f"Tema {n}")
    slug = factory.Sequence(lambda n: f"tema-{n}")


def member(user, organization, *roles):
    for role in roles:
        Membership.objects.get_or_create(user=user, organization=organization, role=role)
    return user


def service_fields(theme, **overrides):
    fields = dict(
        name="Data Penduduk",
        description="Layanan data kependudukan",
        theme=theme,
        classification=ClassificationChoices.TERBUKA,
        has_personal_data=True,
        legal_basis="UU 24/2013",
        update_frequency="harian",
        contact_name="Budi",
        contact_email="budi@example.test",
        sla="99%",
        data_producer="Disdukcapil",
        data_steward="Diskominfo",
    )
    fields.update(overrides)
    return fields


def period(days=365):
    today = timezone.localdate()
    return today, today + datetime.timedelta(days=days)


def sunset(days=90):
    """A planned retirement date for deprecating a version (it must lie ahead)."""
    return timezone.localdate() + datetime.timedelta(days=days)


R = MembershipRoleChoices
