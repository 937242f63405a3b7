from django.core.management.base import BaseCommand, CommandError

from monitoring.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write a backup archive (database, evidence files, manifest) into FOLDER while the SPLP keeps running: "
        "splp-backup-<UTC time>.tar.gz, readable by its owner only. Restore it with `restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", help="Existing folder for the archive (not inside MEDIA_ROOT).")
        parser.add_argument("--keep", type=int, help="Afterwards keep only the newest N archives in FOLDER.")

    def handle(self, *args, folder, keep, **options):
        try:
            archive, manifest = backup_create(destination=folder, keep=keep)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        head = manifest["request_log_chain_head"]
        head = f"#{head['batch']} {head['hash']}" if head else "none (no batches)"
        self.stdout.write(
            f"{archive} ({archive.stat().st_size} bytes): {sum(manifest['counts'].values())} rows in "
            f"{len(manifest['counts'])} tables, {len(manifest['files'])} files, request-log chain head {head}."
        )
        for name in manifest["missing_files"]:
            self.stderr.write(self.style.WARNING(f"Evidence file named in the database but absent: {name}"))
