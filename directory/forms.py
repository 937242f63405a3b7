"""Portal forms for API registrations. They parse and validate input; the services do every change."""

import json

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy as _

from splp.uploads import KeepUploadsMixin

from .choices import UpstreamAuthTypeChoices
from .interop import parse_spec
from .models import MAX_CONNECT_TIMEOUT, MAX_READ_TIMEOUT, MIN_TIMEOUT, ApiService
from .services import SERVICE_FIELDS


class ServiceErrorsMixin:
    def add_service_errors(self, exc):
        """Show a service's ValidationError on the form: next to its field when the form has it."""
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


class SpecForm(KeepUploadsMixin, ServiceErrorsMixin, forms.Form):
    """Upstream URL and OpenAPI document, uploaded or pasted; ``cleaned_data["spec"]`` is the parsed dict."""

    upstream_base_url = forms.URLField(
        label=_("Upstream base URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where the SPLP forwards calls, e.g. https://api.example.go.id/v1."),
    )
    spec_file = forms.FileField(label=_("OpenAPI document (file)"), required=False)
    spec_text = forms.CharField(
        label=_("OpenAPI document (pasted text)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "class": "code", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per form: the cap is a setting, and the text follows the request's language.
        self.fields["spec_file"].help_text = gettext(
            "JSON or YAML, OpenAPI 3 or Swagger 2, at most %(max)s KB. If you upload a file, the pasted text is "
            "ignored."
        ) % {"max": settings.SPLP_MAX_SPEC_BYTES // 1024}

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("spec_file")
        text = cleaned.get("spec_text") or ""
        if upload:
            field = "spec_file"
            # Checked before reading so an oversized upload is never loaded into memory.
            if upload.size > settings.SPLP_MAX_SPEC_BYTES:
                self.add_error(field, gettext("The file is too large: %(size)s KB; the maximum is %(max)s KB.") % {
                    "size": (upload.size + 1023) // 1024, "max": settings.SPLP_MAX_SPEC_BYTES // 1024,
                })
                return cleaned
            raw = upload.read()
        elif text.strip():
            field, raw = "spec_text", text
        else:
            self.add_error("spec_file", gettext("Upload the OpenAPI document or paste it below."))
            return cleaned
        try:
            cleaned["spec"] = parse_spec(raw)
        except ValidationError as exc:
            self.add_error(field, exc)
        return cleaned

    @classmethod
    def for_version(cls, api_version, *args, **kwargs):
        """Pre-filled with the version's current URL and document, for editing a draft."""
        initial = {
            "upstream_base_url": api_version.upstream_base_url,
            "spec_text": json.dumps(api_version.spec, indent=2, ensure_ascii=False),
        }
        return cls(*args, initial=initial, **kwargs)


class VersionForm(SpecForm):
    version = forms.CharField(label=_("Version"), max_length=40, help_text=_("For example 1.0.0 or 2."))

    field_order = ["version", "upstream_base_url", "spec_file", "spec_text"]


class ServiceMetadataForm(ServiceErrorsMixin, forms.ModelForm):
    class Meta:
        model = ApiService
        fields = SERVICE_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "legal_basis": forms.Textarea(attrs={"rows": 3}),
        }

    def service_fields(self):
        return {name: self.cleaned_data[name] for name in SERVICE_FIELDS}


class RegisterForm(VersionForm, ServiceMetadataForm):
    """A new registration: the metadata plus its first version."""

    class Meta(ServiceMetadataForm.Meta):
        fields = ("owner", "slug", *SERVICE_FIELDS)
        help_texts = {"slug": _("Lowercase letters, digits and hyphens; used in the directory's address.")}

    field_order = ["owner", "name", "slug", *SERVICE_FIELDS, *VersionForm.field_order]

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["owner"].empty_label = None
        if len(owners) == 1:
            # One publishing organisation: nothing to choose, and nothing a client could change.
            self.fields["owner"].initial = owners[0].pk
            self.fields["owner"].disabled = True
            self.fields["owner"].widget = forms.HiddenInput()


class UpstreamForm(ServiceErrorsMixin, forms.Form):
    auth_type = forms.ChoiceField(
        label=_("Credential type"), choices=UpstreamAuthTypeChoices.choices, required=False,
        widget=forms.RadioSelect,
        help_text=_("OAuth2 client credentials: for an upstream behind its own gateway, such as the national SPLP "
                    "or another government's SPLP."),
    )
    auth_header = forms.CharField(
        label=_("Credential header"), required=False, max_length=100,
        help_text=_("Header the SPLP adds when it calls your upstream, e.g. X-Api-Key. With OAuth2: the header "
                    "carrying the token; empty: Authorization with \"Bearer\" and the token; any other header gets "
                    "the token alone."),
    )
    auth_secret = forms.CharField(
        label=_("Credential value"), required=False, widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted and never shown again. Leave empty to keep the stored value."),
    )
    token_url = forms.URLField(
        label=_("Token URL"), required=False, max_length=500, assume_scheme="https",
        help_text=_("The OAuth2 token endpoint, e.g. https://splp.example.go.id/oauth2/token."),
    )
    client_id = forms.CharField(label=_("Client ID"), required=False, max_length=200)
    client_secret = forms.CharField(
        label=_("Client secret"), required=False, widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted and never shown again. Leave empty to keep the stored value."),
    )
    token_scope = forms.CharField(
        label=_("Scope"), required=False, max_length=500, help_text=_("Optional, as the token server expects it."),
    )
    connect_timeout = forms.FloatField(
        label=_("Connect timeout (seconds)"), min_value=MIN_TIMEOUT, max_value=MAX_CONNECT_TIMEOUT
    )
    read_timeout = forms.FloatField(
        label=_("Read timeout (seconds)"), min_value=MIN_TIMEOUT, max_value=MAX_READ_TIMEOUT
    )

    @classmethod
    def for_version(cls, api_version):
        return cls(initial={
            "auth_type": api_version.upstream_auth_type, "auth_header": api_version.upstream_auth_header,
            "token_url": api_version.upstream_token_url, "client_id": api_version.upstream_client_id,
            "token_scope": api_version.upstream_token_scope, "connect_timeout": api_version.connect_timeout,
            "read_timeout": api_version.read_timeout,
        })
