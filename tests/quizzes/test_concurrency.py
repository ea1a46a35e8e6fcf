"""Two submits of the same attempt at the same moment (two tabs, a retry after a timeout) record
one graded attempt and one completion. Needs PostgreSQL's row locks: CI runs it there."""

import pytest
from django.db import connection

from analytics.models import CompletionRecord
from certificates.models import Certificate
from courses.models import Enrolment
from quizzes.models import Attempt
from quizzes.services import submit
from tests.conftest import all_at_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency test runs on PostgreSQL (CI)"),
]


def test_concurrent_submits_record_one_attempt_and_one_completion(client, learner, ready):
    from quizzes.services import parse_answers
    from tests.quizzes.test_attempts import answers_for, begin

    attempt = begin(client, ready)
    data = answers_for(attempt)
    from django.http import QueryDict

    form = QueryDict(mutable=True)
    for key, value in data.items():
        form.setlist(key, value if isinstance(value, list) else [str(value)])
    answers = parse_answers(attempt, form)
    results, errors = all_at_once(4, lambda _n: submit(Attempt.objects.get(pk=attempt.pk), answers).newly_submitted)

    assert errors == []
    assert sorted(results) == [False, False, False, True]
    assert Attempt.objects.filter(submitted_at__isnull=False).count() == 1
    assert Enrolment.objects.get(user=learner).completed_at is not None
    assert CompletionRecord.objects.count() == 1
    assert Certificate.objects.count() == 1  # issued once, in the same transaction
