"""The aggregates answer every grouping and filter exactly as a GROUP BY over the records would."""

import datetime
import itertools
import random

import pytest
from django.db import connection
from django.db.models import Sum

from analytics import cube, integrity, stats
from analytics.models import AggregateCount, CompletionRecord, PendingCompletion
from analytics.services import CompletionDimensions, new_record
from core import reference
from core.enums import AgeBand, Audience, DeliveryType, Sector

pytestmark = pytest.mark.django_db


def naive(group_by, filters, date_from=None, date_to=None):
    """The reference answer: a GROUP BY over the records (Python)."""
    result = {}
    for record in CompletionRecord.objects.all():
        values = {
            "prefecture": record.prefecture,
            "sector": record.sector,
            "audience": record.audience,
            "delivery": record.delivery,
            "age_band": cube.age_value(record.age_band, record.school_grade),
            "month": record.completed_on.strftime("%Y-%m"),
            "fiscal_year": cube.fiscal_year_of(record.completed_on),
        }
        if any(values[name] not in allowed for name, allowed in filters.items()):
            continue
        if (date_from and record.completed_on < date_from) or (date_to and record.completed_on > date_to):
            continue
        key = tuple(values[g] for g in group_by)
        result[key] = result.get(key, 0) + record.count
    return {k: v for k, v in result.items() if v}


@pytest.fixture
def spread(complete):
    rng = random.Random(7)
    prefectures = [p.code for p in reference.PREFECTURES[:6]] + ["00"]
    start = datetime.date(2025, 2, 1)
    for _ in range(400):
        complete(
            prefecture=rng.choice(prefectures),
            sector=rng.choice(Sector.values[:5]),
            audience=rng.choice(Audience.values),
            delivery=rng.choice(DeliveryType.values),
            age_band=rng.choice(AgeBand.values),
            school_grade=rng.choice(["", "", "", "e5", "j1"]),
            on=start + datetime.timedelta(days=rng.randrange(500)),
            count=rng.choice([1, 1, 1, 3]),
        )


def test_every_cuboid_matches_the_records(spread):
    assert integrity.differences() == []
    assert (
        AggregateCount.objects.filter(cuboid=0, grain="m").aggregate(n=Sum("count"))["n"]
        == (CompletionRecord.objects.aggregate(n=Sum("count"))["n"])
    )


@pytest.mark.parametrize(
    "group_by,filters,date_from,date_to",
    [
        ((), {}, None, None),
        (("prefecture",), {}, None, None),
        (("prefecture", "sector"), {}, None, None),
        (("audience", "delivery", "age_band"), {"prefecture": ("13", "01")}, None, None),
        (("month",), {"sector": ("resident",)}, datetime.date(2025, 3, 17), datetime.date(2026, 2, 3)),
        (("fiscal_year", "prefecture"), {}, datetime.date(2025, 4, 1), datetime.date(2026, 3, 31)),
        (("sector",), {"audience": ("general",)}, datetime.date(2025, 6, 5), datetime.date(2025, 6, 20)),
        (("prefecture", "sector", "age_band"), {"delivery": ("online",)}, datetime.date(2025, 5, 9), None),
        (("month", "audience"), {}, None, datetime.date(2026, 1, 14)),
        # Whole fiscal years from the year rows, months and days around them.
        (("fiscal_year", "sector"), {}, datetime.date(2025, 3, 10), datetime.date(2026, 5, 20)),
        (("prefecture", "sector"), {}, datetime.date(2025, 4, 1), None),
        (("delivery",), {"audience": ("staff",)}, None, datetime.date(2026, 3, 31)),
        (("prefecture", "sector", "delivery"), {}, datetime.date(2025, 2, 14), datetime.date(2026, 4, 30)),
        (("fiscal_year",), {}, None, None),
    ],
)
def test_queries_equal_a_group_by(spread, group_by, filters, date_from, date_to):
    got = cube.query(group_by=group_by, filters=filters, date_from=date_from, date_to=date_to)
    assert {k: v[0] for k, v in got.items()} == naive(group_by, filters, date_from, date_to)


def test_split_range_covers_each_day_once():
    """Years, months and edge days of every range cover each day of it exactly once."""
    universe_first, universe_last = datetime.date(2023, 1, 1), datetime.date(2027, 12, 31)

    def days_between(lo, hi):
        lo, hi = lo or universe_first, hi or universe_last
        return [lo + datetime.timedelta(days=i) for i in range((hi - lo).days + 1)]

    first = datetime.date(2024, 2, 1)
    bounds = [None, *(first + datetime.timedelta(days=d) for d in range(0, 800, 23)), datetime.date(2025, 4, 1)]
    bounds += [datetime.date(2025, 3, 31), datetime.date(2026, 3, 1), datetime.date(2024, 4, 30)]
    for a, b in itertools.product(bounds, repeat=2):
        if a and b and a > b:
            continue
        for use_years in (True, False):
            span = cube.split_range(a, b, use_years=use_years)
            covered = []
            for lo, hi in span.edges:
                covered += days_between(lo, hi)
            for lo, hi in span.months:
                last = cube.next_month(hi) - datetime.timedelta(days=1) if hi else None
                covered += days_between(lo, last)
            if span.years:
                lo, hi = span.years
                covered += days_between(
                    datetime.date(lo, 4, 1) if lo is not None else None,
                    datetime.date(hi + 1, 3, 31) if hi is not None else None,
                )
                assert use_years
            for lo, hi in span.months:
                assert lo is None or lo.day == 1
                assert hi is None or hi.day == 1
            assert sorted(covered) == days_between(a, b), (a, b, span)


@pytest.mark.parametrize("grain", ["y", "m", "d"])
def test_verify_detects_a_tampered_aggregate(spread, grain):
    cell = AggregateCount.objects.filter(cuboid=cube.cuboid_of(["prefecture", "sector"]), grain=grain).first()
    cell.count += 1
    cell.save()
    found = integrity.differences()
    assert len(found) == 1
    assert found[0].cuboid == cell.cuboid and found[0].stored[0] == found[0].expected[0] + 1
    assert "aggregate says" in found[0].describe()


def test_pending_records_are_added_by_the_next_read_in_one_batch(spread):
    """Records left pending (as the final quiz's submit leaves them) are counted by the next query
    and by verify_stats, each once, with the same cells as a completion that adds itself."""
    before = {key: cell[0] for key, cell in cube.query(group_by=["prefecture", "month"], filters={}).items()}
    pending = []
    for n, (prefecture, day) in enumerate([("13", 3), ("13", 3), ("27", 30), ("00", 31)]):
        record = new_record(
            source_key=f"pending:{n}",
            source="online",
            completed_on=datetime.date(2026, 3, day),
            course_id=1,
            course_title="待ち",
            curriculum_version="1.0",
            dimensions=CompletionDimensions(
                prefecture=prefecture, sector="resident", audience="general", delivery="online"
            ),
            count=2 if n == 3 else 1,
        )
        record.save(force_insert=True)
        pending.append(PendingCompletion(record=record))
    PendingCompletion.objects.bulk_create(pending)

    after = cube.query(group_by=["prefecture", "month"], filters={})

    added = {key: cell[0] - before.get(key, 0) for key, cell in after.items() if cell[0] != before.get(key, 0)}
    assert added == {("13", "2026-03"): 2, ("27", "2026-03"): 1, ("00", "2026-03"): 2}
    assert not PendingCompletion.objects.exists()
    assert integrity.fold_pending() == 0
    assert cube.query(group_by=["prefecture", "month"], filters={}) == after
    assert integrity.differences() == []


def test_retry_of_the_same_completion_counts_once(complete):
    complete(key="enrolment:1")
    complete(key="enrolment:1")
    assert stats.compute(stats.Query(), stats.Scope(True, None)).total == 1
    assert integrity.differences() == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database-made rows are PostgreSQL's")
@pytest.mark.parametrize(
    "fact",
    [
        cube.Fact(
            datetime.date(2026, 3, 31), "13", Sector.EDUCATION, Audience.GENERAL, DeliveryType.ONLINE, "40s", 1, False
        ),
        cube.Fact(
            datetime.date(2026, 4, 1), "01", Sector.PUPIL, Audience.CHILDREN, DeliveryType.SCHOOL, "grade_5", 28, True
        ),
        cube.Fact(
            datetime.date(2027, 1, 15),
            "",
            Sector.NO_ANSWER,
            Audience.STAFF,
            DeliveryType.WORKPLACE,
            "no_answer",
            3,
            False,
        ),
    ],
)
def test_the_database_makes_the_same_rows_in_the_same_order(fact):
    """What the final quiz's one-statement submit (and every completion on PostgreSQL) adds is
    what `rows_for` lists, row for row, in the order that keeps concurrent writers from deadlocking."""
    with connection.cursor() as cursor:
        cursor.execute(cube.fact_rows_sql(), cube.fact_params(fact))
        made = [tuple(row) for row in cursor.fetchall()]
        cursor.execute(cube.fact_rows_sql("false"), cube.fact_params(fact))
        assert cursor.fetchall() == []
    assert made == cube.rows_for(fact)
    assert len(made) == 80
