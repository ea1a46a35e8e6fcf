from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from accounts.backends import forget_user


@receiver(user_logged_in, dispatch_uid="accounts.remember_can_edit")
def remember_can_edit(sender, request, user, **kwargs):
    """Whether to show Wagtail's user bar, decided once at login so public pages need no
    permission queries for everyone else."""
    if request is not None and hasattr(request, "session"):
        request.session["can_edit"] = bool(user.has_perm("wagtailadmin.access_admin"))


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.user_saved")
@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.user_deleted")
def user_changed(sender, instance, **kwargs):
    forget_user(instance.pk)


@receiver(m2m_changed, dispatch_uid="accounts.user_groups_or_permissions_changed")
def user_relations_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    """Groups or permissions changed, from either side of the relation."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    if not action.startswith("post_"):
        return
    user_model = get_user_model()
    if isinstance(instance, user_model):
        forget_user(instance.pk)
    elif isinstance(instance, Group) and model is user_model:
        for user_id in pk_set or instance.user_set.values_list("pk", flat=True):
            forget_user(user_id)
