import datetime
import itertools

import pytest

from analytics.models import CompletionSource
from analytics.services import CompletionDimensions, record_completion

_keys = itertools.count(1)


@pytest.fixture
def complete():
    """Record completions through the one writer, as the completion service does."""

    def add(
        *,
        prefecture="13",
        sector="resident",
        audience="general",
        delivery="online",
        age_band="30s",
        school_grade="",
        on=datetime.date(2026, 5, 12),
        count=1,
        source=CompletionSource.ONLINE,
        synthetic=False,
        key=None,
    ):
        record, _created = record_completion(
            source_key=key or f"test:{next(_keys)}",
            source=source,
            completed_on=on,
            course_id=1,
            course_title="テスト講座",
            curriculum_version="1.0",
            dimensions=CompletionDimensions(
                prefecture=prefecture,
                sector=sector,
                audience=audience,
                delivery=delivery,
                age_band=age_band,
                school_grade=school_grade,
            ),
            count=count,
            is_synthetic=synthetic,
        )
        return record

    return add
