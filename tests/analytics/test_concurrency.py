"""Completions committed at the same moment from many connections: none lost, none doubled."""

import datetime

import pytest
from django.db import connection, transaction

from analytics import integrity, stats
from analytics.models import AggregateCount, CompletionRecord, CompletionSource, PendingCompletion
from analytics.services import CompletionDimensions, new_record, record_completion
from tests.conftest import all_at_once

THREADS = 20
PER_THREAD = 10


def completion_values(n: int, month: int, title: str) -> dict:
    """The values of a test's n-th completion (record_completion / new_record, without the key):
    three days of one month of 2026, two prefectures and two age bands in turn."""
    return {
        "source": CompletionSource.ONLINE,
        "completed_on": datetime.date(2026, month, 1 + n % 3),
        "course_id": 1,
        "course_title": title,
        "curriculum_version": "1.0",
        "dimensions": CompletionDimensions(
            prefecture=["13", "27"][n % 2], sector="resident", audience="general", delivery="online",
            age_band=["30s", "40s"][n % 2],
        ),
    }  # fmt: skip


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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (CI runs it)")
@pytest.mark.django_db(transaction=True)
def test_bulk_loads_and_live_completions_at_the_same_time_neither_deadlock_nor_miscount():
    """Bulk loads (generate_completions adds its records to the aggregates in bulk) while
    learners complete courses: every writer locks aggregate cells in one order, so none of them
    is aborted as a deadlock, and every completion counts once."""
    loads, per_load, live_threads, per_thread = 6, 30, 3, 20

    def values(n: int) -> dict:
        return completion_values(n, month=6, title="一括")

    def work(n):
        for i in range(per_thread if n < live_threads else loads):
            with transaction.atomic():
                if n < live_threads:  # a learner completes
                    record_completion(source_key=f"live:{n}:{i}", **values(i))
                    continue
                prefix = f"bulk:{i}:"  # a bulk load
                records = CompletionRecord.objects.bulk_create(
                    [new_record(source_key=f"{prefix}{k}", **values(k)) for k in range(per_load)]
                )
                integrity.add_records_to_aggregates(records[0].pk, records[-1].pk, source_key_prefix=prefix)

    _results, errors = all_at_once(live_threads + 1, work)

    assert errors == []
    exact = stats.Scope(exact=True, prefectures=None)
    assert stats.compute(stats.Query(), exact).total == live_threads * per_thread + loads * per_load
    assert integrity.differences() == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (CI runs it)")
@pytest.mark.django_db(transaction=True)
def test_pending_completions_folded_by_readers_at_the_same_time_count_once():
    """Final-quiz submits leave their records pending (courses/services.complete_course) while readers of
    the statistics fold the pending ones in and ordinary completions add themselves: nothing is
    counted twice or lost, and no one deadlocks."""
    writers, per_writer, readers = 3, 20, 3
    exact = stats.Scope(exact=True, prefectures=None)

    def values(n: int) -> dict:
        return completion_values(n, month=7, title="待ち")

    def work(n):
        for i in range(per_writer):
            if n < writers - 1:  # a final-quiz submit: the record, pending
                with transaction.atomic():
                    record = new_record(source_key=f"pending:{n}:{i}", **values(i))
                    record.save(force_insert=True)
                    PendingCompletion.objects.create(record=record)
            elif n < writers:  # an ordinary completion adds itself
                with transaction.atomic():
                    record_completion(source_key=f"live:{n}:{i}", **values(i))
            else:  # a reader of the statistics
                stats.compute(stats.Query(), exact)

    _results, errors = all_at_once(writers + readers, work)

    assert errors == []
    assert stats.compute(stats.Query(), exact).total == writers * per_writer
    assert not PendingCompletion.objects.exists()
    assert AggregateCount.objects.filter(cuboid=0, grain="y").get().count == writers * per_writer
    assert integrity.differences() == []
