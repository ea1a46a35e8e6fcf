import datetime

import pytest
from django.utils import translation

from core import dates


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2026, 11, 26), "令和8年11月26日"),
        (datetime.date(2019, 5, 1), "令和元年5月1日"),
        (datetime.date(2019, 4, 30), "平成31年4月30日"),
        (datetime.date(1989, 1, 7), "昭和64年1月7日"),
        (datetime.date(1989, 1, 8), "平成元年1月8日"),
    ],
)
def test_wareki(day, expected):
    assert dates.wareki(day) == expected


def test_both_calendars_in_japanese_and_english():
    day = datetime.date(2026, 11, 26)
    with translation.override("ja"):
        assert dates.date_both(day) == "令和8年11月26日（2026年11月26日）"
    with translation.override("en"):
        assert dates.date_both(day) == "26 November 2026 (Reiwa 8)"


@pytest.mark.parametrize(
    ("day", "year", "label"),
    [
        (datetime.date(2026, 3, 31), 2025, "令和7年度（2025年度）"),
        (datetime.date(2026, 4, 1), 2026, "令和8年度（2026年度）"),
        (datetime.date(2019, 4, 1), 2019, "平成31年度（2019年度）"),
    ],
)
def test_fiscal_year_runs_april_to_march(day, year, label):
    assert dates.fiscal_year(day) == year
    assert dates.fiscal_year_label(year) == label
