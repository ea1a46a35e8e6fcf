import importlib

from django.apps import apps
from django.core.management.base import BaseCommand

from core.seeding import SeedReport

SEEDED_APPS = {"home", "courses", "quizzes", "h5p", "certificates"}


class Command(BaseCommand):
    help = (
        "Load or update the site's content: home and policy pages, help resources, and the content of "
        "every app that has a `seed` module (courses, quizzes …). Running it twice changes nothing; "
        "pages an editor has changed are kept."
    )

    def handle(self, *args, **options):
        total = SeedReport()
        for config in apps.get_app_configs():
            if config.name.split(".")[0] not in SEEDED_APPS:
                continue
            try:
                module = importlib.import_module(f"{config.name}.seed")
            except ModuleNotFoundError as error:
                if error.name != f"{config.name}.seed":
                    raise
                continue
            self.stdout.write(f"seeding {config.label} …")
            report = module.seed()
            self.stdout.write(f"  {config.label}: {report.summary()}")
            total.merge(report)
        self.stdout.write(self.style.SUCCESS(f"seed_content done: {total.summary()}"))
