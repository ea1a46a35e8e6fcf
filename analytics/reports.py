"""Tables for the public statistics page, the analysts' dashboard and their downloads.

Each table is built from `stats.compute` (so scope and suppression apply the same way everywhere)
and can be drawn as a chart, shown as an HTML table, or exported as CSV (UTF-8 with BOM), XLSX or JSON.
"""

import csv
import datetime
import io
import json
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import stats
from analytics.tilemap import TILES
from core import dates, reference

LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/deed.ja"


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list]
    note: str = ""
    chart: list[dict] = field(default_factory=list)  # [{"label", "value", "percent"}] for a bar chart
    synthetic: int = 0
    suppressed_below: int | None = None

    def as_records(self) -> list[dict]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def _shown(value) -> str | int:
    return "—" if value is None else value


def _bars(pairs: list[tuple[str, int | None]]) -> list[dict]:
    top = max((v for _label, v in pairs if v), default=0)
    return [
        {"label": label, "value": value, "percent": round(100 * value / top, 1) if value and top else 0}
        for label, value in pairs
    ]


def one_dimension(key: str, dimension: str, query: stats.Query, scope: stats.Scope, title: str) -> Table:
    q = stats.Query((dimension,), query.filters, query.date_from, query.date_to)
    result = stats.compute(q, scope)
    rows = [[stats.label(dimension, r[dimension]), _shown(r["count"])] for r in result.rows]
    if dimension == "month":
        rows = [[r["month"], _shown(r["count"])] for r in result.rows]
    return Table(
        key=key,
        title=title,
        columns=[stats.dimension_label(dimension), _("修了者数")],
        rows=rows,
        chart=_bars([(row[0], row[1] if isinstance(row[1], int) else None) for row in rows]),
        synthetic=result.synthetic,
        suppressed_below=result.suppressed_below,
    )


def prefecture_by_sector(query: stats.Query, scope: stats.Scope) -> Table:
    q = stats.Query(("prefecture", "sector"), query.filters, query.date_from, query.date_to)
    result = stats.compute(q, scope)
    sectors = [code for code, _label in stats.choices("sector")]
    used = [s for s in sectors if any(r["sector"] == s for r in result.rows)]
    grid: dict[str, dict[str, int | None]] = {}
    for r in result.rows:
        grid.setdefault(r["prefecture"], {})[r["sector"]] = r["count"]
    rows = []
    for code, name in reference.PREFECTURE_CHOICES_WITH_NO_ANSWER:
        if code not in grid:
            continue
        rows.append([name, *(_shown(grid[code].get(s, 0)) for s in used)])
    return Table(
        key="prefecture_sector",
        title=_("都道府県 × 分野"),
        columns=[_("都道府県"), *(stats.label("sector", s) for s in used)],
        rows=rows,
        synthetic=result.synthetic,
        suppressed_below=result.suppressed_below,
    )


def per_capita(query: stats.Query, scope: stats.Scope) -> tuple[Table, list[dict]]:
    """Supporters per 10,000 inhabitants (2020 census) per prefecture, and the map tiles."""
    q = stats.Query(("prefecture",), query.filters, query.date_from, query.date_to)
    result = stats.compute(q, scope)
    counts = {r["prefecture"]: r["count"] for r in result.rows}
    rates = {}
    rows = []
    for p in reference.PREFECTURES:
        if not scope.national and p.code not in scope.prefectures:
            continue
        count = counts.get(p.code, 0)
        rate = None if count is None else round(count * 10_000 / p.population_2020, 2)
        rates[p.code] = rate
        rows.append([p.name_ja, _shown(count), p.population_2020, _shown(rate)])
    known = sorted(r for r in rates.values() if r)
    tiles = []
    for code, (x, y) in TILES.items():
        rate = rates.get(code, "out")
        level = "out" if rate == "out" else ("hidden" if rate is None else _level(rate, known))
        tiles.append(
            {
                "code": code,
                "name": reference.prefecture_label(code),
                "x": x * 44 + 4,
                "y": y * 44 + 4,
                "rate": rate if rate not in (None, "out") else None,
                "level": level,
            }
        )
    table = Table(
        key="per_capita",
        title=_("人口1万人あたりの修了者数（2020年国勢調査人口）"),
        columns=[_("都道府県"), _("修了者数"), _("人口（2020年）"), _("人口1万人あたり")],
        rows=rows,
        synthetic=result.synthetic,
        suppressed_below=result.suppressed_below,
    )
    return table, tiles


def _level(rate: float, known: list[float]) -> int:
    """Quintile class 0–4 among the prefectures shown (0 for no completions)."""
    if not rate or not known:
        return 0
    below = sum(1 for r in known if r < rate)
    return min(4, 1 + (4 * below) // max(1, len(known)))


def legend(tiles: list[dict]) -> list[dict]:
    bounds = {}
    for tile in tiles:
        if isinstance(tile["level"], int) and tile["rate"] is not None:
            low, high = bounds.get(tile["level"], (tile["rate"], tile["rate"]))
            bounds[tile["level"]] = (min(low, tile["rate"]), max(high, tile["rate"]))
    return [{"level": level, "low": low, "high": high} for level, (low, high) in sorted(bounds.items())]


def totals(query: stats.Query, scope: stats.Scope) -> dict:
    today = timezone.localdate()
    fy_start = datetime.date(dates.fiscal_year(today), 4, 1)
    month_start = today.replace(day=1)

    def total(date_from=None):
        q = stats.Query((), query.filters, date_from or query.date_from, query.date_to)
        return stats.compute(q, scope)

    everything = total()
    return {
        "all": everything.total,
        "fiscal_year": total(max(fy_start, query.date_from or fy_start)).total,
        "fiscal_year_label": dates.fiscal_year_label(dates.fiscal_year(today)),
        "month": total(max(month_start, query.date_from or month_start)).total,
        "month_label": f"{today.year}年{today.month}月",
        "synthetic": everything.synthetic,
    }


PUBLIC_TABLES = ("prefecture", "sector", "month", "prefecture_sector", "per_capita")
DASHBOARD_TABLES = ("month", "audience", "delivery", "sector", "age_band", "prefecture_sector", "per_capita")


def build(key: str, query: stats.Query, scope: stats.Scope) -> Table:
    titles = {
        "prefecture": _("都道府県別"),
        "sector": _("分野別"),
        "month": _("月別の推移"),
        "audience": _("対象別"),
        "delivery": _("実施形態別"),
        "age_band": _("年代・学年別"),
    }
    if key in titles:
        return one_dimension(key, key, query, scope, titles[key])
    if key == "prefecture_sector":
        return prefecture_by_sector(query, scope)
    if key == "per_capita":
        return per_capita(query, scope)[0]
    raise KeyError(key)


# --- exports ------------------------------------------------------------------------------------


def provenance(table: Table) -> list[str]:
    lines = [
        _("つながりサポーター修了者数"),
        table.title,
        _("作成日：%(date)s") % {"date": dates.date_both(timezone.localdate())},
        _("出典：つながりサポーター学習プラットフォーム　ライセンス：%(licence)s") % {"licence": LICENCE},
    ]
    if table.suppressed_below:
        lines.append(
            _("10人未満のセルと、そこから逆算できるセルは「—」で秘匿しています。")
            if table.suppressed_below == stats.SUPPRESS_BELOW
            else ""
        )
    if table.synthetic:
        lines.append(_("デモデータ %(n)s 件を含みます。") % {"n": f"{table.synthetic:,}"})
    return [line for line in lines if line]


def to_csv(table: Table) -> bytes:
    """UTF-8 with a BOM, so Excel opens the Japanese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.key[:31]
    sheet.append(table.columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append(row)
    notes = workbook.create_sheet(_("注記"))
    for line in provenance(table):
        notes.append([line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_json(table: Table) -> bytes:
    body = {
        "title": table.title,
        "created": timezone.localdate().isoformat(),
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        "suppressed_below": table.suppressed_below,
        "synthetic": table.synthetic,
        "notes": provenance(table),
        "columns": table.columns,
        "rows": [[None if value == "—" else value for value in row] for row in table.rows],
    }
    return json.dumps(body, ensure_ascii=False, indent=1).encode()


EXPORTERS = {
    "csv": (to_csv, "text/csv; charset=utf-8"),
    "xlsx": (to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "json": (to_json, "application/json; charset=utf-8"),
}
