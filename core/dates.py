"""Japanese dates: 和暦 (era) with 西暦 (Gregorian) where people expect both."""

import datetime

from django.utils import translation

# (first day, era name in Japanese, romanised name)
ERAS = [
    (datetime.date(2019, 5, 1), "令和", "Reiwa"),
    (datetime.date(1989, 1, 8), "平成", "Heisei"),
    (datetime.date(1926, 12, 25), "昭和", "Showa"),
    (datetime.date(1912, 7, 30), "大正", "Taisho"),
    (datetime.date(1873, 1, 1), "明治", "Meiji"),
]


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        from django.utils import timezone

        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def era_of(value) -> tuple[str, str, int]:
    """Return (era name, romanised era name, year in era) for a date."""
    day = _as_date(value)
    for start, name, romaji in ERAS:
        if day >= start:
            return name, romaji, day.year - start.year + 1
    raise ValueError("dates before 1873 have no supported era")


def wareki(value) -> str:
    """令和8年11月26日 (元年 for the first year of an era)."""
    day = _as_date(value)
    name, _romaji, year = era_of(day)
    year_text = "元" if year == 1 else str(year)
    return f"{name}{year_text}年{day.month}月{day.day}日"


def seireki(value) -> str:
    day = _as_date(value)
    return f"{day.year}年{day.month}月{day.day}日"


def date_both(value) -> str:
    """Both calendars, in the active language: 令和8年11月26日（2026年11月26日） or 26 November 2026 (Reiwa 8)."""
    if value in (None, ""):
        return ""
    day = _as_date(value)
    if (translation.get_language() or "ja").startswith("ja"):
        return f"{wareki(day)}（{seireki(day)}）"
    _name, romaji, year = era_of(day)
    return f"{day.day} {day.strftime('%B')} {day.year} ({romaji} {year})"


def fiscal_year(value) -> int:
    """The Japanese fiscal year (April–March) a date falls in, by its starting calendar year."""
    day = _as_date(value)
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_label(year: int) -> str:
    """令和8年度（2026年度）."""
    name, _romaji, era_year = era_of(datetime.date(year, 4, 1))
    year_text = "元" if era_year == 1 else str(era_year)
    return f"{name}{year_text}年度（{year}年度）"
