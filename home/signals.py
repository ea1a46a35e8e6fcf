from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from home.models import HelpResource
from home.services import invalidate_help_resources


@receiver([post_save, post_delete], sender=HelpResource)
def help_resources_changed(sender, **kwargs):
    invalidate_help_resources()
