"""Portal forms of the Pasal 7 workflow; the services check the rules and make the changes."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.forms import ServiceErrorsMixin
from directory.models import ApiOperation

from .models import LETTER_REFERENCE_MAX_LENGTH, MAX_CALLS_PER_DAY, MAX_CALLS_PER_MINUTE


class OperationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.method} {obj.path}" + (f" ({obj.summary})" if obj.summary else "")


class AccessRequestFields(ServiceErrorsMixin, forms.Form):
    """What every application states; how the operations are chosen is up to each form."""

    requester = forms.ModelChoiceField(label=_("Requesting organisation"), queryset=None, empty_label=None)
    operations = OperationChoiceField(label=_("Operations wanted"), queryset=None, required=False)
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The regulation that allows your organisation to use this data."),
    )
    period_start = forms.DateField(
        label=_("Period start"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    period_end = forms.DateField(
        label=_("Period end"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    expected_daily_volume = forms.IntegerField(
        label=_("Expected calls per day"), min_value=1, max_value=MAX_CALLS_PER_DAY
    )

    def __init__(self, *args, requesters, operations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requester"].queryset = requesters
        if len(requesters) == 1:
            # One requesting organisation: nothing to choose, and nothing a client could change.
            self.fields["requester"].initial = requesters[0].pk
            self.fields["requester"].disabled = True
            self.fields["requester"].widget = forms.HiddenInput()
        self.fields["operations"].queryset = operations
        # A year from today is the usual span of a data-sharing agreement; the requester can change it.
        today = timezone.localdate()
        self.fields["period_start"].initial = today
        self.fields["period_end"].initial = today + datetime.timedelta(days=365)


class AccessRequestForm(AccessRequestFields):
    """The requester's form in the portal: every operation ticked to start with, and "all operations" an
    explicit choice (it also covers what a grant moved to a newer version will offer)."""

    all_operations = forms.BooleanField(
        label=_("All operations"), required=False, initial=True,
        help_text=_("Untick it to ask only for the operations ticked below."),
        widget=forms.CheckboxInput(attrs={"data-check-all": "operations"}),
    )
    operations = OperationChoiceField(label=_("Operations wanted"), queryset=None, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    field_order = ("requester", "all_operations", "operations")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operations"].initial = [operation.pk for operation in self.fields["operations"].queryset]
        self.fields["period_start"].help_text = _("The key works from this day on: the bus refuses it before.")

    def clean(self):
        data = super().clean()
        ticked, every = data.get("operations"), self.fields["operations"].queryset
        if ticked is None:
            return data
        # "All" with some operations unticked is a contradiction (the page's script prevents it); "all" with
        # none ticked is not.
        if data.get("all_operations") and 0 < len(ticked) < len(every):
            self.add_error("all_operations", _('Some operations are unticked while "All operations" is ticked: '
                                               'untick "All operations" to ask only for the ticked ones.'))
        elif not data.get("all_operations") and not ticked:
            self.add_error("operations", _('Tick at least one operation, or tick "All operations".'))
        return data

    def requested_operations(self):
        """For access_request_submit: none means all."""
        return [] if self.cleaned_data["all_operations"] else list(self.cleaned_data["operations"])


class PublishedVersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("%(api)s (%(slug)s), version %(version)s, %(classification)s") % {
            "api": obj.service.name, "slug": obj.service.slug, "version": obj.version,
            "classification": obj.service.get_classification_display().lower()}


class VersionOperationChoiceField(OperationChoiceField):
    """Operations of every published version in one list: each names its API and version."""

    def label_from_instance(self, obj):
        return f"{obj.api_version.service.slug} {obj.api_version.version}: " + super().label_from_instance(obj)


class AccessRequestOnBehalfForm(AccessRequestFields):
    """The admin's form to record a Perangkat Daerah's application from its official letter: any
    organisation, any published API (rahasia included)."""

    api_version = PublishedVersionChoiceField(label=_("API and version"), queryset=None)
    letter_reference = forms.CharField(
        label=_("Letter of application number"), max_length=LETTER_REFERENCE_MAX_LENGTH,
        help_text=_("Number and date of the organisation's letter, e.g. 800/123/Dinkes, 2 December 2026."),
        widget=forms.TextInput(attrs={"size": 60}),
    )
    field_order = ("requester", "letter_reference", "api_version", "operations")

    def __init__(self, *args, requesters, versions, **kwargs):
        operations = ApiOperation.objects.filter(api_version__in=versions).select_related("api_version__service")
        super().__init__(*args, requesters=requesters, operations=operations.order_by(
            "api_version__service__slug", "api_version_id", "path", "method"), **kwargs)
        # No organisation preselected: the administrator picks the one whose letter this is.
        self.fields["requester"].empty_label = "---------"
        self.fields["api_version"].queryset = versions
        self.fields["operations"] = VersionOperationChoiceField(
            label=self.fields["operations"].label, queryset=self.fields["operations"].queryset, required=False,
            widget=forms.SelectMultiple(attrs={"size": 8}),
            help_text=_("Select none to ask for all operations of the chosen version."),
        )
        self.order_fields(self.field_order)


class GrantForm(forms.Form):
    """Empty rate limits leave the service's defaults."""

    rate_limit_per_minute = forms.IntegerField(
        label=_("Calls per minute"), min_value=1, max_value=MAX_CALLS_PER_MINUTE, required=False
    )
    rate_limit_per_day = forms.IntegerField(
        label=_("Calls per day"), min_value=1, max_value=MAX_CALLS_PER_DAY, required=False
    )
    ip_allowlist = forms.CharField(
        label=_("Allowed IP addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "10.0.0.0/24"}),
        help_text=_("One address or CIDR per line; empty allows every address."),
    )


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("Version %(version)s") % {"version": obj.version}


class GrantMoveForm(ServiceErrorsMixin, forms.Form):
    to_version = VersionChoiceField(label=_("Move to"), queryset=None, empty_label=None)

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_version"].queryset = targets
