from django.core.management.base import BaseCommand, CommandError

from monitoring.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Load a backup archive into an empty installation (a new database, an empty MEDIA_ROOT; refused "
        "otherwise), then check its row counts and request-log chain head against the manifest, its files "
        "against their checksums, and verify the request-log chain."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="A splp-backup-*.tar.gz written by `backup`.")

    def handle(self, *args, archive, **options):
        try:
            report, problems = backup_restore(archive=archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        for line in report:
            self.stdout.write(self.style.SUCCESS(line))
        if problems:
            raise CommandError("Restored, but the checks found problems:\n- " + "\n- ".join(problems))
        self.stdout.write("Run `python manage.py migrate` if this release is newer than the backup.")
