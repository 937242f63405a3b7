"""Earlier national-export audit rows kept the exported API version in ``new_state``, which the audit trail reads
as a state ("→ 1.0.0"); the version belongs with the rest of the export in ``data``."""

from django.db import migrations


def version_to_data(apps, schema_editor):
    AuditEvent = apps.get_model("splp", "AuditEvent")
    for event in AuditEvent.objects.filter(action="national_export").exclude(new_state="").iterator():
        event.data = {**event.data, "version": event.new_state}
        event.new_state = ""
        event.save(update_fields=["data", "new_state"])


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0023_national_export_project"),
        ("splp", "0009_audit_action_federation_spbe"),
    ]

    operations = [migrations.RunPython(version_to_data, migrations.RunPython.noop)]
