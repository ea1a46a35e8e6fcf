"""Completions committed at the same moment from many connections: none lost, none doubled."""

import datetime

import pytest
from django.db import connection, transaction

from analytics import integrity, stats
from analytics.models import CompletionSource
from analytics.services import CompletionDimensions, record_completion
from tests.conftest import all_at_once

THREADS = 20
PER_THREAD = 10


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (CI runs it)")
@pytest.mark.django_db(transaction=True)
def test_concurrent_completions_are_counted_exactly():
    def worker(n):
        for i in range(PER_THREAD):
            # Every thread also retries its neighbour's completion (a retry from another
            # tab or server): counted once.
            for key in (f"t{n}:{i}", f"t{(n + 1) % THREADS}:{i}"):
                with transaction.atomic():
                    record_completion(
                        source_key=key,
                        source=CompletionSource.ONLINE,
                        completed_on=datetime.date(2026, 5, 1 + i),
                        course_id=1,
                        course_title="並行",
                        curriculum_version="1.0",
                        dimensions=CompletionDimensions(
                            prefecture=["13", "27", "01"][i % 3],
                            sector="resident",
                            audience="general",
                            delivery="online",
                            age_band="30s",
                        ),
                    )

    _results, errors = all_at_once(THREADS, worker)

    assert errors == []
    exact = stats.Scope(exact=True, prefectures=None)
    assert stats.compute(stats.Query(), exact).total == THREADS * PER_THREAD
    by_pref = stats.compute(stats.parse({"group_by": "prefecture"}), exact).rows
    assert sum(row["count"] for row in by_pref) == THREADS * PER_THREAD
    assert integrity.differences() == []
