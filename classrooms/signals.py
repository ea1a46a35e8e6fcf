from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver


@receiver(user_logged_in, dispatch_uid="classrooms.claim_cohort_invitation")
def claim_cohort_invitation(sender, request, user, **kwargs):
    """Signing up or logging in after opening an organisation's link tags the account."""
    from classrooms.cohorts import claim_invitation

    if request is not None:
        claim_invitation(request, user)
