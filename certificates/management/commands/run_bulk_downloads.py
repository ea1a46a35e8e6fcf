from django.core.management.base import BaseCommand

from certificates import bulk


class Command(BaseCommand):
    help = (
        "Build the certificate zips still waiting (for deployments without a django-tasks worker; "
        "safe to run from cron every minute) and delete the files of expired ones."
    )

    def handle(self, *args, **options):
        built = bulk.run_pending()
        deleted = bulk.delete_expired()
        self.stdout.write(f"bulk downloads: built {built}, expired files deleted {deleted}")
