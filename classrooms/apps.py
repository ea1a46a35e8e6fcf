from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassroomsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "classrooms"
    verbose_name = _("クラス受講")

    def ready(self):
        from classrooms import signals  # noqa: F401
        from classrooms.cohorts import organisation_of, organisation_query
        from courses.completion import register_organisation_lookup

        # A cohort member's completions carry the organisation's name into analytics.
        register_organisation_lookup(organisation_of, organisation_query)
