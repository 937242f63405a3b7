from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import CallStatusClassChoices


class IdentifierLookupForm(forms.Form):
    value = forms.CharField(
        label=_("Identifier"), max_length=200,
        help_text=_("The value exactly as callers send it, e.g. a NIK. It is not stored: the audit keeps its hash."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    # Set by the page buttons of the results (submit buttons of the same form).
    halaman = forms.IntegerField(min_value=1, required=False)


class CallLogFilterForm(forms.Form):
    """The filters of an organisation's call log (GET, every one optional)."""

    api = forms.ChoiceField(label=_("API"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Every status")), *CallStatusClassChoices.choices])
    dari = forms.DateField(label=_("From"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    sampai = forms.DateField(label=_("To"), required=False,
                             widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, services, **kwargs):
        """``services``: the APIs offered (monitoring.selectors.services_granted_to)."""
        super().__init__(*args, **kwargs)
        self.services = {service.slug: service for service in services}
        self.fields["api"].choices = [("", _("Every API")), *((s.slug, s.name) for s in services)]

    def clean(self):
        data = super().clean()
        if data.get("dari") and data.get("sampai") and data["sampai"] < data["dari"]:
            self.add_error("sampai", _("The period ends before it starts."))
        return data

    def filters(self) -> dict:
        """The valid filters as monitoring.selectors.organization_calls takes them; an invalid one is left out
        (its error is shown)."""
        data = self.cleaned_data
        return {"service": self.services.get(data.get("api")), "status_class": data.get("status") or "",
                "date_from": data.get("dari"), "date_to": data.get("sampai")}

    @property
    def is_filtered(self):
        return any(self.filters().values())
