from django import forms
from django.utils.translation import gettext_lazy as _


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
