from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from directory.demo import DEFAULT_PEMDA, DEMO_PASSWORD, PEMDA_PRESETS, seed_demo
from splp.timezones import ZONE_ABBREVIATIONS


class Command(BaseCommand):
    help = (
        "Load the demo Pemda identity, organisations, themes, accounts and APIs. Idempotent: records are "
        "matched by natural keys, so running it again creates nothing twice. Development only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--pemda", choices=sorted(PEMDA_PRESETS), default=settings.SPLP_PEMDA_PRESET or DEFAULT_PEMDA,
            help=f"Which Pemda identity to seed and activate (default: SPLP_PEMDA_PRESET, else {DEFAULT_PEMDA}).",
        )
        parser.add_argument(
            "--force", action="store_true",
            help="Run even when DEBUG is off (the demo accounts have a published password).",
        )

    def handle(self, *args, pemda, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo menolak berjalan karena DEBUG mati (profil produksi): data demo memuat akun "
                f"dengan kata sandi umum '{DEMO_PASSWORD}'. Tambahkan --force bila memang dikehendaki."
            )
        try:
            report = seed_demo(pemda)
        except ValidationError as exc:
            # Typically a demo upstream that is plain http on a host outside SPLP_INTERNAL_HOSTS.
            raise CommandError(
                "Data demo tidak dimuat (tidak ada yang disimpan): "
                + "; ".join(message.rstrip(".") for message in exc.messages)
                + ". Periksa SPLP_DEMO_UPSTREAM_BASE dan SPLP_INTERNAL_HOSTS."
            ) from exc
        self._print_report(report)
        self._warn_other_zone(pemda)

    def _warn_other_zone(self, pemda):
        """The zone is read at start-up, so a preset cannot switch it: say how to (SPLP_PEMDA_PRESET)."""
        zone = PEMDA_PRESETS[pemda]["time_zone"]
        if zone == settings.TIME_ZONE:
            return
        self.stderr.write(self.style.WARNING(
            f"Peringatan: {PEMDA_PRESETS[pemda]['name']} memakai {ZONE_ABBREVIATIONS[zone]} ({zone}), tetapi "
            f"instalasi ini berjalan di {ZONE_ABBREVIATIONS[settings.TIME_ZONE]} ({settings.TIME_ZONE}): jam, "
            f"\"hari ini\" dan jadwal pengingat akan meleset. Setel SPLP_PEMDA_PRESET={pemda} (atau "
            f"SPLP_TIME_ZONE={zone}) lalu jalankan ulang."
        ))

    def _print_report(self, report):
        out = self.stdout
        out.write(self.style.SUCCESS(
            f"Data demo siap untuk {report.pemda.name} ({report.pemda.dinas_name}, {report.pemda.domain})."
        ))
        for category, tally in report.tallies.items():
            out.write(f"  {category}: {tally['created']} dibuat, {tally['found']} sudah ada")
        out.write("")
        out.write(f"Akun demo (kata sandi: {DEMO_PASSWORD}):")
        for username, role, organization in report.accounts:
            out.write(f"  {username:<10} {role}, {organization}")
