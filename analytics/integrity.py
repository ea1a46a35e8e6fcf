"""Recompute the aggregates from the completion records: to verify them, or to add a bulk load.

The same SELECT serves both, so what `verify_stats` checks is exactly what the bulk path writes.
"""

import functools
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from analytics import cube

RECORDS = "analytics_completionrecord"
AGE_SQL = (
    "CASE WHEN school_grade <> '' THEN 'grade_' || school_grade WHEN age_band = '' THEN 'no_answer' ELSE age_band END"
)
SQL_COLUMNS = {
    "prefecture": "prefecture",
    "sector": "sector",
    "audience": "audience",
    "delivery": "delivery",
    "age_band": AGE_SQL,
}


def fiscal_year_start_sql(column: str) -> str:
    """1 April of the fiscal year holding the date in `column` (cube.fiscal_year_start in SQL)."""
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('year', {column} - interval '3 months') + interval '3 months' AS date)"
    return f"date({column}, '-3 months', 'start of year', '+3 months')"


def _period_sql(grain: str) -> str:
    if grain == "d":
        return "completed_on"
    if grain == "y":
        return fiscal_year_start_sql("completed_on")
    if connection.vendor == "postgresql":
        return "CAST(date_trunc('month', completed_on) AS date)"
    return "date(completed_on, 'start of month')"


def computed_select(cuboid: int, grain: str, where: str = "") -> str:
    """SELECT of the aggregate rows of one cuboid and grain, computed from the records."""
    period = _period_sql(grain)
    values = [SQL_COLUMNS[d] if cuboid & (1 << i) else "''" for i, d in enumerate(cube.DIMENSIONS)]
    grouped = [period, *(SQL_COLUMNS[d] for d in cube.dimensions_of(cuboid))]
    return (
        f"SELECT {cuboid}, '{grain}', {period}, {', '.join(values)}, SUM(count), "  # noqa: S608 — table and column names are constants, values are bound
        f"SUM(CASE WHEN is_synthetic THEN count ELSE 0 END) FROM {RECORDS} "
        f"WHERE {where or '1=1'} GROUP BY {', '.join(grouped)} HAVING SUM(count) <> 0"
    )


def grains():
    for cuboid in cube.ALL_CUBOIDS:
        yield cuboid, "y"
    for cuboid in cube.ALL_CUBOIDS:
        yield cuboid, "m"
    for cuboid in cube.DAY_CUBOIDS:
        yield cuboid, "d"


def add_records_to_aggregates(first_id: int, last_id: int, source_key_prefix: str) -> None:
    """Add a bulk load to the aggregates: the records with first_id <= id <= last_id whose
    source_key starts with the prefix (so a real completion committed meanwhile, which has
    already counted itself, is not counted again)."""
    prefix = source_key_prefix.replace("'", "")
    with connection.cursor() as cursor:
        _add_to_aggregates(f"id BETWEEN {int(first_id)} AND {int(last_id)} AND source_key LIKE '{prefix}%'", cursor)


PENDING = "analytics_pendingcompletion"


def fold_pending() -> int:
    """Add every pending completion record (`PendingCompletion`) to the aggregates and delete its
    pending row, in one transaction on the primary; returns how many records were added.

    Every reader of the aggregates calls this first, so that they stay exact. Two readers at once
    never add a record twice: the second one's DELETE waits for the first to commit and then finds
    those rows gone. A completion committed meanwhile stays pending for the next reader."""
    db = connections[DEFAULT_DB_ALIAS]
    with db.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {PENDING})")  # noqa: S608 — constant name
        if not cursor.fetchone()[0]:
            return 0
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute(_fold_statement())  # one statement: atomic on its own
            return cursor.fetchone()[0]
    with transaction.atomic(using=DEFAULT_DB_ALIAS), db.cursor() as cursor:  # one writer at a time on SQLite
        cursor.execute("DROP TABLE IF EXISTS folded_records")
        cursor.execute(f"CREATE TEMPORARY TABLE folded_records AS SELECT record_id AS id FROM {PENDING}")  # noqa: S608
        cursor.execute(f"DELETE FROM {PENDING} WHERE record_id IN (SELECT id FROM folded_records)")  # noqa: S608
        folded = cursor.rowcount
        if folded:
            _add_to_aggregates("id IN (SELECT id FROM folded_records)", cursor)
        cursor.execute("DROP TABLE folded_records")
    return folded


@functools.cache
def _fold_statement() -> str:
    """PostgreSQL: `fold_pending` in one statement. It takes (deletes) the pending rows, makes each
    record's 80 rows as `cube.fact_rows_sql` does, sums them by cell and adds them in the order
    every writer locks cells (`cube.ROWS_IN_LOCK_ORDER`); then returns how many it took. No
    temporary table: a few pending records cost a few milliseconds."""
    values = ", ".join(
        f"CASE WHEN o.c & {1 << i} <> 0 THEN {SQL_COLUMNS[d]} ELSE '' END AS {cube.COLUMNS[d]}"
        for i, d in enumerate(cube.DIMENSIONS)
    )
    keys = ", ".join(cube.AGG_COLUMNS[:8])
    periods = ", ".join(f"('{grain}', {_period_sql(grain)})" for grain in ("y", "m", "d"))
    rows = (
        f"SELECT o.c::smallint AS cuboid, t.grain, t.period, {values}, r.count AS n, "  # noqa: S608 — constant names
        f"CASE WHEN r.is_synthetic THEN r.count ELSE 0 END AS syn "
        # The taken ids as one array: the records are read by their primary key, however many
        # rows the planner guesses the (often vacuumed) pending table holds.
        f"FROM {RECORDS} r "
        f"CROSS JOIN LATERAL (VALUES {periods}) AS t (grain, period) "
        f"CROSS JOIN unnest(ARRAY[{', '.join(str(c) for c in cube.ALL_CUBOIDS)}]) AS o (c) "
        f"WHERE r.id = ANY(ARRAY(SELECT record_id FROM taken)) "
        f"AND (t.grain <> 'd' OR o.c IN ({', '.join(str(c) for c in cube.DAY_CUBOIDS)}))"
    )
    summed = (
        f"SELECT {keys}, SUM(n), SUM(syn) FROM fact_rows GROUP BY {keys} "  # noqa: S608 — constant names
        f"HAVING SUM(n) <> 0 OR SUM(syn) <> 0 {cube.ROWS_IN_LOCK_ORDER}"
    )
    return (
        f"WITH taken AS (DELETE FROM {PENDING} RETURNING record_id), fact_rows AS ({rows}), "  # noqa: S608 — constant names
        f"added AS ({cube.add_rows_sql(summed)}) SELECT count(*) FROM taken"
    )


def describe_fold(folded: int) -> str:
    """What the commands print after `fold_pending` (Japanese, then English)."""
    return (
        f"集計待ちの修了記録 {folded} 件を集計値に加えました。 Added {folded} pending completion(s) to the aggregates."
    )


def _add_to_aggregates(where: str, cursor) -> None:
    """Add the records WHERE `where` (SQL over the records' columns) to the aggregates."""
    if connection.vendor == "postgresql":
        # Enough memory to hash all the grouping sets in one pass instead of 32 sorts.
        cursor.execute("SET LOCAL work_mem = '1GB'")
        # Every row first, in a temporary table: the month rows in one pass over the records,
        # the fiscal-year rows rolled up from them, the day rows in a second pass.
        cursor.execute("DROP TABLE IF EXISTS bulk_rows")
        cursor.execute(f"CREATE TEMPORARY TABLE bulk_rows ON COMMIT DROP AS {_grouping_sets_select('m', where)}")
        cursor.execute(f"INSERT INTO bulk_rows {_year_rollup('bulk_rows')}")
        cursor.execute(f"INSERT INTO bulk_rows {_grouping_sets_select('d', where)}")
        # Then into the aggregates in one statement, in the order every writer locks cells
        # (cube.LOCK_ORDER): a live completion meanwhile waits for the load instead of
        # deadlocking with it.
        cursor.execute(cube.add_rows_sql(f"SELECT * FROM bulk_rows {cube.ROWS_IN_LOCK_ORDER}"))  # noqa: S608 — constant names
        cursor.execute("DROP TABLE bulk_rows")
        return
    for cuboid, grain in grains():
        cursor.execute(cube.add_rows_sql(computed_select(cuboid, grain, where)))


def _grouping_sets_select(grain: str, where: str = "1=1") -> str:
    """PostgreSQL: the rows of every cuboid of one grain in one pass over the records (GROUPING SETS)."""
    cuboids = cube.ALL_CUBOIDS if grain == "m" else cube.DAY_CUBOIDS
    short = {"prefecture": "p", "sector": "s", "audience": "a", "delivery": "d", "age_band": "g"}
    sets = ", ".join("(" + ", ".join(short[d] for d in cube.dimensions_of(c)) + ")" for c in cuboids)
    source = (
        f"SELECT {_period_sql(grain)} AS period, prefecture AS p, sector AS s, audience AS a, delivery AS d, "  # noqa: S608 — constant names, no user input
        f"{AGE_SQL} AS g, count AS n, CASE WHEN is_synthetic THEN count ELSE 0 END AS syn FROM {RECORDS} WHERE {where}"
    )
    if grain == "m":
        # Many records share a month and all five values: sum them once, then hash the 32 sets
        # over those sums instead of over every record.
        source = (
            f"SELECT period, p, s, a, d, g, SUM(n) AS n, SUM(syn) AS syn FROM ({source}) f GROUP BY 1, 2, 3, 4, 5, 6"  # noqa: S608
        )
    return (
        f"SELECT 31 - GROUPING(g, d, a, s, p) AS cuboid, '{grain}' AS grain, period, COALESCE(p, '') AS prefecture, "  # noqa: S608 — constant names, no user input
        f"COALESCE(s, '') AS sector, COALESCE(a, '') AS audience, COALESCE(d, '') AS delivery, "
        f"COALESCE(g, '') AS age, SUM(n) AS count, SUM(syn) AS synthetic FROM ({source}) r "
        f"GROUP BY period, GROUPING SETS ({sets}) HAVING SUM(n) <> 0"
    )


def _year_rollup(month_rows: str) -> str:
    """The fiscal-year rows of every cuboid, summed from a table of month rows."""
    return (
        f"SELECT cuboid, 'y', {fiscal_year_start_sql('period')} AS fy, prefecture, sector, audience, delivery, age, "  # noqa: S608 — constant names, no user input
        f"SUM(count), SUM(synthetic) FROM {month_rows} WHERE grain = 'm' "
        f"GROUP BY cuboid, fy, prefecture, sector, audience, delivery, age HAVING SUM(count) <> 0"
    )


def _postgres_differences(limit: int) -> list[tuple]:
    """Recompute every cell in two passes, then one hash join against the stored cells."""
    keys = ", ".join(cube.AGG_COLUMNS[:8])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '512MB'")
        cursor.execute("DROP TABLE IF EXISTS expected_aggregates")
        cursor.execute(
            f"CREATE TEMPORARY TABLE expected_aggregates ON COMMIT DROP AS "
            f"{_grouping_sets_select('m')} UNION ALL {_grouping_sets_select('d')}"
        )
        cursor.execute(f"INSERT INTO expected_aggregates {_year_rollup('expected_aggregates')}")
        cursor.execute(
            f"SELECT e.cuboid, e.grain, e.period, e.prefecture, e.sector, e.audience, e.delivery, e.age, "  # noqa: S608 — constant names, no user input
            f"e.count, e.synthetic, s.cuboid, s.grain, s.period, s.prefecture, s.sector, s.audience, s.delivery, "
            f"s.age, s.count, s.synthetic FROM expected_aggregates e FULL OUTER JOIN "
            f"(SELECT * FROM {cube.TABLE} WHERE count <> 0 OR synthetic <> 0) s USING ({keys}) "
            f"WHERE e.count IS DISTINCT FROM s.count OR e.synthetic IS DISTINCT FROM s.synthetic LIMIT {int(limit)}"
        )
        rows = cursor.fetchall()
        cursor.execute("DROP TABLE expected_aggregates")
    found = []
    for row in rows:
        expected, stored = row[:10], row[10:]
        key_row = expected if expected[0] is not None else stored
        found.append(
            Difference(
                key_row[0],
                key_row[1],
                str(key_row[2])[:10],
                tuple(key_row[3:8]),
                expected=None if expected[0] is None else (int(expected[8]), int(expected[9])),
                stored=None if stored[0] is None else (int(stored[8]), int(stored[9])),
            )
        )
    return found


@dataclass(frozen=True)
class Difference:
    cuboid: int
    grain: str
    period: str
    values: tuple[str, ...]
    expected: tuple[int, int] | None
    stored: tuple[int, int] | None

    def describe(self) -> str:
        dims = ", ".join(
            f"{name}={value}" for name, value in zip(cube.DIMENSIONS, self.values, strict=True) if value != ""
        )
        expected = "—" if self.expected is None else f"{self.expected[0]} (synthetic {self.expected[1]})"
        stored = "—" if self.stored is None else f"{self.stored[0]} (synthetic {self.stored[1]})"
        return (
            f"cuboid {self.cuboid} [{self.grain}] {self.period} {dims or '(total)'}: "
            f"records say {expected}, aggregate says {stored}"
        )


def differences(limit: int = 1000) -> list[Difference]:
    """Every aggregate cell that disagrees with the records (either way), up to `limit`, once the
    pending records are added (`fold_pending`)."""
    fold_pending()
    if connection.vendor == "postgresql":
        return _postgres_differences(limit)
    table = cube.TABLE
    found: list[Difference] = []
    with connection.cursor() as cursor:
        for cuboid, grain in grains():
            stored = (
                f"SELECT cuboid, grain, period, prefecture, sector, audience, delivery, age, count, synthetic "  # noqa: S608 — table and column names are constants, values are bound
                f"FROM {table} WHERE cuboid = {cuboid} AND grain = '{grain}' AND (count <> 0 OR synthetic <> 0)"
            )
            computed = computed_select(cuboid, grain)
            for label, left, right in (("expected", computed, stored), ("stored", stored, computed)):
                cursor.execute(f"SELECT * FROM ({left}) a EXCEPT SELECT * FROM ({right}) b")  # noqa: S608 — table and column names are constants, values are bound
                for row in cursor.fetchall():
                    key = (cuboid, grain, str(row[2])[:10], tuple(row[3:8]))
                    existing = next((d for d in found if (d.cuboid, d.grain, d.period, d.values) == key), None)
                    pair = (int(row[8]), int(row[9]))
                    if existing is None:
                        found.append(
                            Difference(
                                *key,
                                expected=pair if label == "expected" else None,
                                stored=pair if label == "stored" else None,
                            )
                        )
                    else:
                        found[found.index(existing)] = Difference(
                            *key,
                            expected=existing.expected or (pair if label == "expected" else None),
                            stored=existing.stored or (pair if label == "stored" else None),
                        )
                    if len(found) >= limit:
                        return found
    return found
