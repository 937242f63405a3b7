from django.core.management.base import BaseCommand

from monitoring.reminders import reminders_send


class Command(BaseCommand):
    help = (
        "Send the reminders that are due (Pasal 8 half-year targets, the yearly monev report, approved "
        "requests waiting for a grant, grants expiring in 14 days, policy and SOP reviews due); each goes out "
        "once per period."
    )

    def handle(self, *args, **options):
        for kind, sent in reminders_send().items():
            self.stdout.write(f"{kind}: {sent} sent")
