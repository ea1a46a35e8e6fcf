from django.dispatch import Signal

# Sent after a learner's result in an activity changed (in the request's transaction).
# kwargs: user, content_key, lesson_id, course_id, completed (bool), percent (float | None).
# Receivers (the course app) return True when the lesson was registered as done.
activity_result = Signal()
