from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from monitoring.demo import DEMO_GRANT, demo_traffic


class Command(BaseCommand):
    help = (
        "After seed_demo: grant the demo requester access to the demo population API and make a few calls through "
        "the bus, so the request log has masked calls to show. Once: does nothing when those calls are logged. "
        "Development only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")

    def handle(self, *args, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError("demo_traffic menolak berjalan karena DEBUG mati (profil produksi).")
        statuses = demo_traffic()
        if not statuses:
            self.stdout.write("Panggilan demo sudah tercatat; tidak ada yang dibuat.")
            return
        self.stdout.write(self.style.SUCCESS(
            f"{len(statuses)} panggilan demo melalui bus ke {DEMO_GRANT['service']} (status: "
            f"{', '.join(map(str, statuses))}); log menyimpan operasi dan hash NIK, bukan NIK-nya."
        ))
