from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "講座"

    def ready(self):
        from accounts.services import register_exporter
        from courses import signals  # noqa: F401
        from courses.quiz_views import render_quiz_slot
        from courses.services import export_learning
        from courses.slots import register_slot_renderer

        register_exporter("learning", export_learning)
        register_slot_renderer("quiz", render_quiz_slot)
