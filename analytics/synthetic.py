"""Realistic synthetic completion records for demos and benchmarks (flagged synthetic).

Prefectures are weighted by the 2020 census population; the audience decides plausible sectors,
deliveries and ages (children come through school classes with a school grade; staff through
workplaces and local governments); dates spread over the fiscal years from FY2024 to today with a
peak in May (the awareness month) and a smaller one in the autumn.
"""

import datetime
import itertools
import random
from collections.abc import Iterator

from django.utils import timezone

from core import dates, reference

FIRST_DAY = datetime.date(2024, 4, 1)
MONTH_WEIGHT = {1: 0.8, 2: 0.8, 3: 0.7, 4: 1.0, 5: 2.6, 6: 1.3, 7: 1.0, 8: 0.6, 9: 1.0, 10: 1.3, 11: 1.1, 12: 0.8}
AUDIENCES = (("general", 62), ("staff", 28), ("children", 10))
SECTORS = {
    "general": (
        ("resident", 46),
        ("business", 18),
        ("student", 10),
        ("npo", 6),
        ("commissioner", 4),
        ("welfare", 4),
        ("health", 3),
        ("other", 4),
        ("no_answer", 5),
    ),
    "staff": (
        ("gov_local", 34),
        ("gov_national", 4),
        ("education", 14),
        ("health", 12),
        ("welfare", 16),
        ("commissioner", 6),
        ("professional", 6),
        ("police_fire", 4),
        ("business", 4),
    ),
    "children": (("pupil", 100),),
}
DELIVERIES = {
    "general": (("online", 70), ("municipal", 22), ("workplace", 8)),
    "staff": (("online", 35), ("municipal", 25), ("workplace", 40)),
    "children": (("school", 92), ("online", 8)),
}
AGES = (
    ("16-19", 6),
    ("20s", 12),
    ("30s", 15),
    ("40s", 19),
    ("50s", 19),
    ("60s", 14),
    ("70s", 8),
    ("80+", 2),
    ("no_answer", 5),
)
GRADES = (("e5", 30), ("e6", 30), ("j1", 14), ("j2", 13), ("j3", 10), ("other", 3))
SEXES = (("female", 50), ("male", 42), ("other", 1), ("no_answer", 7))
COURSE_OF = {
    "general": (1, "つながりサポーター講座（一般向け）"),
    "staff": (2, "職員向け講座"),
    "children": (3, "こども向け講座"),
}


def _cum(pairs):
    total, out = 0, []
    for _, weight in pairs:
        total += weight
        out.append(total)
    return [value for value, _ in pairs], out


def days_until(last: datetime.date) -> tuple[list[datetime.date], list[float]]:
    days, cum, total = [], [], 0.0
    day = FIRST_DAY
    while day <= last:
        weight = MONTH_WEIGHT[day.month] * (0.6 if day.weekday() >= 5 else 1.0)
        total += weight
        days.append(day)
        cum.append(total)
        day += datetime.timedelta(days=1)
    return days, cum


def generate(count: int, seed: int, batch: int = 100_000) -> Iterator[list[tuple]]:
    """Yield batches of row tuples: (completed_on, fiscal_year, prefecture, sector, audience, delivery,
    age_band, school_grade, sex, course_id, course_title)."""
    rng = random.Random(seed)  # noqa: S311 — reproducible demo data, not secrets
    prefectures = [p.code for p in reference.PREFECTURES]
    pref_cum = list(_accumulate(p.population_2020 for p in reference.PREFECTURES))
    days, day_cum = days_until(timezone.localdate())
    fiscal = {day: dates.fiscal_year(day) for day in {d.replace(day=1) for d in days}}
    audiences, audience_cum = _cum(AUDIENCES)
    tables = {a: (_cum(SECTORS[a]), _cum(DELIVERIES[a])) for a in SECTORS}
    ages, age_cum = _cum(AGES)
    grades, grade_cum = _cum(GRADES)
    sexes, sex_cum = _cum(SEXES)
    done = 0
    while done < count:
        n = min(batch, count - done)
        chosen_days = rng.choices(days, cum_weights=day_cum, k=n)
        chosen_prefs = rng.choices(prefectures, cum_weights=pref_cum, k=n)
        chosen_audiences = rng.choices(audiences, cum_weights=audience_cum, k=n)
        chosen_ages = rng.choices(ages, cum_weights=age_cum, k=n)
        chosen_grades = rng.choices(grades, cum_weights=grade_cum, k=n)
        chosen_sexes = rng.choices(sexes, cum_weights=sex_cum, k=n)
        # Draw each audience's sector and delivery in bulk, then pick per row by audience.
        sector_draw = {a: iter(_draw(rng, tables[a][0], n)) for a in tables}
        delivery_draw = {a: iter(_draw(rng, tables[a][1], n)) for a in tables}
        rows = []
        append = rows.append
        for i in range(n):
            audience = chosen_audiences[i]
            day = chosen_days[i]
            course_id, title = COURSE_OF[audience]
            if audience == "children":
                age_band, grade = "", chosen_grades[i]
            else:
                age_band, grade = chosen_ages[i], ""
            append(
                (day, fiscal[day.replace(day=1)], chosen_prefs[i], next(sector_draw[audience]),
                 audience, next(delivery_draw[audience]), age_band, grade, chosen_sexes[i], course_id, title)
            )  # fmt: skip
        done += n
        yield rows


def _draw(rng, table, n):
    values, cum = table
    return rng.choices(values, cum_weights=cum, k=n) if len(values) > 1 else [values[0]] * n


def _accumulate(values):
    total = 0
    for value in values:
        total += value
        yield total


# --- PostgreSQL: the same distributions, drawn by the database itself ------------------------------

LOOKUP_SIZE = 20_000
DAY_LOOKUP_SIZE = 100_000


def lookup(weights: list[float], size: int = LOOKUP_SIZE) -> list[int]:
    """A table of `size` 1-based indexes in which each index appears in proportion to its weight, so
    that `table[1 + floor(random() * size)]` draws from the distribution (to 1/size). Integers, so
    PostgreSQL reads an element in constant time."""
    total = float(sum(weights))
    out: list[int] = []
    running = 0.0
    for index, weight in enumerate(weights, start=1):
        running += weight
        while len(out) < round(running / total * size):
            out.append(index)
    return out


def postgres_tables() -> dict[str, list]:
    days, cum = days_until(timezone.localdate())
    day_weights = [cum[0], *(b - a for a, b in itertools.pairwise(cum))]
    tables: dict[str, list] = {
        "first_day": days[0],
        "days": [i - 1 for i in lookup(day_weights, DAY_LOOKUP_SIZE)],  # offsets from the first day
        "prefs_v": [p.code for p in reference.PREFECTURES],
        "prefs": lookup([p.population_2020 for p in reference.PREFECTURES]),
    }
    for name, pairs in (("audiences", AUDIENCES), ("ages", AGES), ("grades", GRADES), ("sexes", SEXES)):
        tables[f"{name}_v"] = [v for v, _ in pairs]
        tables[name] = lookup([w for _, w in pairs])
    for audience in SECTORS:
        for name, pairs in (
            (f"sectors_{audience}", SECTORS[audience]),
            (f"deliveries_{audience}", DELIVERIES[audience]),
        ):
            tables[f"{name}_v"] = [v for v, _ in pairs]
            tables[name] = lookup([w for _, w in pairs])
    return tables


def postgres_insert_sql(prefix: str) -> str:
    """INSERT … SELECT over generate_series(%(first)s, %(last)s), drawing with random() (seeded with
    setseed() by the caller) from the lookup tables passed as array parameters."""

    def pick(name):
        return f"(%({name}_v)s::text[])[(%({name})s::int[])[1 + floor(random() * {LOOKUP_SIZE})::int]]"

    day = f"%(first_day)s::date + (%(days)s::int[])[1 + floor(random() * {DAY_LOOKUP_SIZE})::int]"
    by_audience = " ".join(f"WHEN '{a}' THEN {pick(f'sectors_{a}')}" for a in SECTORS)
    delivery_by_audience = " ".join(f"WHEN '{a}' THEN {pick(f'deliveries_{a}')}" for a in SECTORS)
    titles = " ".join(f"WHEN '{a}' THEN '{title}'" for a, (_id, title) in COURSE_OF.items())
    ids = " ".join(f"WHEN '{a}' THEN {course_id}" for a, (course_id, _t) in COURSE_OF.items())
    return (
        "INSERT INTO analytics_completionrecord (source_key, source, count, is_synthetic, municipality, "  # noqa: S608 — constant names, no user input
        "organisation, curriculum_version, created_at, completed_on, fiscal_year, prefecture, sector, audience, "
        "delivery, age_band, school_grade, sex, course_id, course_title) "
        f"SELECT '{prefix}' || lpad(g::text, 9, '0'), 'synthetic', 1, true, '', '', '1.0', now(), d, "
        "CASE WHEN extract(month FROM d) >= 4 THEN extract(year FROM d) ELSE extract(year FROM d) - 1 END, "
        f"p, CASE a {by_audience} END, a, CASE a {delivery_by_audience} END, "
        f"CASE WHEN a = 'children' THEN '' ELSE {pick('ages')} END, "
        f"CASE WHEN a = 'children' THEN {pick('grades')} ELSE '' END, {pick('sexes')}, "
        f"CASE a {ids} END, CASE a {titles} END "
        f"FROM (SELECT g, {day} AS d, {pick('prefs')} AS p, {pick('audiences')} AS a "
        # OFFSET 0 keeps each row's draws from being re-evaluated where they are used twice.
        "FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g OFFSET 0) AS drawn"
    )
