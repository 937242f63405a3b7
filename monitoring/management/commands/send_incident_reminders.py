from django.core.management.base import BaseCommand

from monitoring.reminders import reminder_incident_send


class Command(BaseCommand):
    help = (
        "Remind the administrators of every personal data incident whose notification (UU 27/2022 Pasal 46, "
        "3 x 24 hours) is not recorded yet; once per incident every 6 hours. Run it hourly from cron."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"incident_notify: {reminder_incident_send()} sent")
