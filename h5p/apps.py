from django.apps import AppConfig


class H5PConfig(AppConfig):
    """H5P knows nothing of courses: the course app registers the lesson block renderer
    (`h5p.blocks.render_activity`) and the placement provider (`h5p.integration`)."""

    name = "h5p"
    label = "h5p"
    verbose_name = "H5P"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts.services import register_exporter
        from h5p.services import export_h5p

        register_exporter("h5p", export_h5p)

        from django.db.models.signals import post_delete, post_save

        from h5p.models import H5PContent
        from h5p.services import forget_activity

        def forget(sender, instance, **kwargs):
            forget_activity(instance.key)

        post_save.connect(forget, sender=H5PContent, dispatch_uid="h5p.forget_activity_saved", weak=False)
        post_delete.connect(forget, sender=H5PContent, dispatch_uid="h5p.forget_activity_deleted", weak=False)
