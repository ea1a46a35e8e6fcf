from django.apps import AppConfig


def answer_key_changed(sender, **kwargs):
    """A question or a choice was saved or deleted: workers drop their answer keys now, and again
    when the change commits (a worker may have read the old rows in between)."""
    from django.db import transaction

    from quizzes.services import forget_answer_keys

    forget_answer_keys()
    transaction.on_commit(forget_answer_keys)


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "確認テスト"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from quizzes.models import Choice, Question

        for model in (Question, Choice):
            for signal, name in ((post_save, "save"), (post_delete, "delete")):
                signal.connect(
                    answer_key_changed, sender=model, dispatch_uid=f"quizzes.answer_key.{name}.{model.__name__}"
                )
