import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum

from analytics import integrity, stats
from analytics.models import AggregateCount, CompletionRecord, PendingCompletion
from analytics.services import CompletionDimensions, new_record

pytestmark = pytest.mark.django_db


def test_generate_completions_is_realistic_flagged_and_exact():
    err = io.StringIO()
    call_command("generate_completions", count=3000, seed=5, batch=1000, stderr=err)
    assert "3,000/3,000" in err.getvalue()  # the progress bar reached the end
    assert CompletionRecord.objects.filter(is_synthetic=True).aggregate(n=Sum("count"))["n"] == 3000
    assert integrity.differences() == []
    result = stats.compute(stats.parse({"group_by": "prefecture"}), stats.Scope(True, None))
    by_pref = {row["prefecture"]: row["count"] for row in result.rows}
    assert by_pref["13"] > by_pref["31"] * 5  # Tokyo vs Tottori: weighted by population
    assert result.synthetic == 3000
    months = stats.compute(stats.parse({"group_by": "month"}), stats.Scope(True, None)).rows
    may = sum(r["count"] for r in months if r["month"].endswith("-05"))
    august = sum(r["count"] for r in months if r["month"].endswith("-08"))
    assert may > 2 * august  # the awareness month
    pupils = CompletionRecord.objects.filter(audience="children")
    assert pupils.exists() and not pupils.exclude(sector="pupil").exists()
    assert not pupils.filter(school_grade="").exists()


def test_same_seed_twice_is_refused_and_changes_nothing():
    call_command("generate_completions", count=100, seed=9, batch=1000, quiet=True)
    before = AggregateCount.objects.aggregate(n=Sum("count"))["n"]
    with pytest.raises(CommandError, match="すでにあります"):
        call_command("generate_completions", count=100, seed=9, quiet=True)
    assert AggregateCount.objects.aggregate(n=Sum("count"))["n"] == before


def test_production_refuses_without_the_flag(settings):
    settings.IS_PRODUCTION = True
    with pytest.raises(CommandError, match="本番環境"):
        call_command("generate_completions", count=10, quiet=True)
    assert not CompletionRecord.objects.exists()
    call_command("generate_completions", count=10, allow_production=True, quiet=True)
    assert CompletionRecord.objects.count() == 10


@pytest.mark.parametrize("count", [0, -5, 60_000_000])
def test_bad_counts_are_refused(count):
    with pytest.raises(CommandError, match="--count"):
        call_command("generate_completions", count=count, quiet=True)


def leave_pending(count: int) -> None:
    """Completion records left pending for the statistics, as final-quiz submits leave them."""
    for n in range(count):
        record = new_record(
            source_key=f"enrolment:{n}",
            source="online",
            completed_on=datetime.date(2026, 11, 27),
            course_id=1,
            course_title="講座",
            curriculum_version="1.0",
            dimensions=CompletionDimensions(prefecture="13", sector="resident", audience="general", delivery="online"),
        )
        record.save(force_insert=True)
        PendingCompletion.objects.create(record=record)


def test_fold_stats_adds_the_pending_records_once():
    leave_pending(2)
    out = io.StringIO()
    call_command("fold_stats", stdout=out)
    assert "集計待ちの修了記録 2 件を集計値に加えました" in out.getvalue()
    assert not PendingCompletion.objects.exists()
    call_command("fold_stats", stdout=out)  # cron's next minute: nothing to add
    assert "集計待ちの修了記録 0 件" in out.getvalue()
    assert AggregateCount.objects.get(cuboid=0, grain="y").count == 2
    assert integrity.differences() == []


def test_verify_stats_passes_then_fails_on_tampering():
    call_command("generate_completions", count=500, seed=2, quiet=True)
    leave_pending(3)
    out = io.StringIO()
    call_command("verify_stats", stdout=out)
    assert "集計待ちの修了記録 3 件を集計値に加えました" in out.getvalue()
    assert "一致しました" in out.getvalue()
    AggregateCount.objects.filter(cuboid=0, grain="m").update(count=0)
    err = io.StringIO()
    with pytest.raises(CommandError, match="一致しません"):
        call_command("verify_stats", stderr=err)
    assert "(total)" in err.getvalue()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index rebuild is PostgreSQL's bulk path")
def test_bulk_load_rebuilds_the_indexes_it_dropped(monkeypatch):
    from analytics.management.commands import generate_completions

    def indexes():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'analytics_completionrecord' "
                "ORDER BY indexname"
            )
            return cursor.fetchall()

    before = indexes()
    monkeypatch.setattr(generate_completions, "BULK_INDEX_THRESHOLD", 1)
    call_command("generate_completions", count=2000, seed=11, batch=1000, quiet=True)
    assert indexes() == before
    assert any("completed_on" in definition for _name, definition in before)
    assert CompletionRecord.objects.aggregate(n=Sum("count"))["n"] == 2000
    assert integrity.differences() == []
