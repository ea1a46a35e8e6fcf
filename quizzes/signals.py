from django.dispatch import Signal

# Sent inside the submitting transaction when an attempt passes: quiz_id, user, attempt.
quiz_passed = Signal()
