"""The only writer of completion records. Takes plain values: it knows nothing of courses."""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from analytics import cube
from analytics.models import CompletionRecord, CompletionSource, PendingCompletion
from core import dates


@dataclass(frozen=True)
class CompletionDimensions:
    prefecture: str
    sector: str
    audience: str
    delivery: str
    age_band: str = ""
    school_grade: str = ""
    sex: str = "no_answer"
    municipality: str = ""
    organisation: str = ""


def record_completion(*, pending: bool = False, **values) -> tuple[CompletionRecord, bool]:
    """Write one completion record (the values `new_record` takes); the same `source_key` twice
    returns the first and False.

    Call it inside the caller's transaction so that the completion and its record commit together.
    `pending`: leave the pre-aggregated counts to the next reader or `fold_stats` (a
    `PendingCompletion` row instead of 80 aggregate cells that every other completion locks too):
    what online learners' completions use, so that a class finishing at once does not queue.
    """
    record = new_record(**values)
    if record.count < 1 and not (record.source == CompletionSource.REPORT_CORRECTION and record.count != 0):
        raise ValueError("count must be at least 1")
    try:
        with transaction.atomic():
            record.save(force_insert=True)
            if pending:  # every reader adds pending records first (integrity.fold_pending)
                PendingCompletion.objects.create(record=record)
            else:  # the pre-aggregated counts move in the same transaction: exact at every commit
                cube.add_fact(fact_of(record))
    except IntegrityError:  # written before (a retry) or by a concurrent request: count it once
        return CompletionRecord.objects.get(source_key=record.source_key), False
    return record, True


def new_record(
    *,
    source_key: str,
    source: str,
    completed_on: datetime.date,
    course_id: int,
    course_title: str,
    curriculum_version: str,
    dimensions: CompletionDimensions,
    count: int = 1,
    is_synthetic: bool = False,
) -> CompletionRecord:
    """The completion record `record_completion` writes, not saved."""
    return CompletionRecord(
        source_key=source_key,
        source=source,
        count=count,
        completed_on=completed_on,
        fiscal_year=dates.fiscal_year(completed_on),
        course_id=course_id,
        course_title=course_title,
        curriculum_version=curriculum_version,
        is_synthetic=is_synthetic or source == CompletionSource.SYNTHETIC,
        prefecture=dimensions.prefecture,
        municipality=dimensions.municipality,
        sector=dimensions.sector,
        audience=dimensions.audience,
        delivery=dimensions.delivery,
        age_band=dimensions.age_band,
        school_grade=dimensions.school_grade,
        sex=dimensions.sex,
        organisation=dimensions.organisation,
    )


def fact_of(record: CompletionRecord) -> cube.Fact:
    return cube.Fact(
        completed_on=record.completed_on,
        prefecture=record.prefecture,
        sector=record.sector,
        audience=record.audience,
        delivery=record.delivery,
        age=cube.age_value(record.age_band, record.school_grade),
        count=record.count,
        synthetic=record.is_synthetic,
    )
