"""Session reports: courses held outside the platform, filed by lecturers, approved by analysts.

Only an approved report counts. Approval writes its completion records through the one writer
(`record_completion`, with a count and the report's delivery type); a later correction writes
the difference, so the counts stay exact and every change is in the audit trail.
"""

import csv
import datetime
import io
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import stats
from analytics.models import (
    CompletionSource,
    ReportStatus,
    SessionReport,
    SessionReportEvent,
    SessionReportLine,
)
from analytics.services import CompletionDimensions, record_completion
from core import reference
from core.enums import AgeBand, Audience, DeliveryType, Sector

MAX_ATTENDEES_PER_REPORT = 5_000
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5_000
REPORT_COURSE_ID = 0
REPORT_COURSE_TITLE = "つながりサポーター講座（対面・ライブ配信、実施報告）"


class ReportError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check_lines(lines: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """[(sector, age_band, attendees)] → merged and checked; raises ReportError in Japanese."""
    merged: dict[tuple[str, str], int] = {}
    for sector, age_band, attendees in lines:
        if sector not in Sector.values:
            raise ReportError(_("分野「%(v)s」は選べません。") % {"v": sector})
        if age_band not in AgeBand.values:
            raise ReportError(_("年代「%(v)s」は選べません。") % {"v": age_band})
        if not isinstance(attendees, int) or attendees < 1:
            raise ReportError(_("人数は1以上の整数で入力してください。"))
        merged[(sector, age_band)] = merged.get((sector, age_band), 0) + attendees
    if not merged:
        raise ReportError(_("参加者の内訳を1行以上入力してください。"))
    total = sum(merged.values())
    if total > MAX_ATTENDEES_PER_REPORT:
        raise ReportError(
            _("参加者の合計が %(n)s 人です。1回の講座は %(max)s 人までです。数字を確かめてください。")
            % {"n": f"{total:,}", "max": f"{MAX_ATTENDEES_PER_REPORT:,}"}
        )
    return [(s, a, n) for (s, a), n in merged.items()]


def check_date(day: datetime.date) -> None:
    if day > timezone.localdate():
        raise ReportError(_("実施日が未来の日付です。実施した日を入力してください。"))
    if day < stats.EARLIEST:
        raise ReportError(_("実施日は %(first)s 以降にしてください。") % {"first": stats.EARLIEST.isoformat()})


def _event(report, action, actor, reason="", **detail):
    SessionReportEvent.objects.create(report=report, action=action, actor=actor, reason=reason, detail=detail)


def _dimensions(report: SessionReport, sector: str, age_band: str) -> CompletionDimensions:
    return CompletionDimensions(
        prefecture=report.prefecture,
        municipality=report.municipality,
        sector=sector,
        age_band=age_band,
        audience=report.audience,
        delivery=report.delivery,
        organisation=report.organiser[:100],
    )


@transaction.atomic
def file_report(*, lecturer, fields: dict, lines: list[tuple[str, str, int]], imported=False) -> SessionReport:
    check_date(fields["held_on"])
    lines = check_lines(lines)
    report = SessionReport.objects.create(lecturer=lecturer, imported=imported, **fields)
    SessionReportLine.objects.bulk_create(
        SessionReportLine(report=report, sector=s, age_band=a, attendees=n) for s, a, n in lines
    )
    _event(report, "filed", lecturer, total=sum(n for *_x, n in lines))
    return report


@transaction.atomic
def resubmit(report: SessionReport, *, lecturer, fields: dict, lines) -> SessionReport:
    report = SessionReport.objects.select_for_update().get(pk=report.pk)
    if report.status == ReportStatus.APPROVED:
        raise ReportError(_("承認済みの報告は変更できません。訂正は分析担当に依頼してください。"))
    check_date(fields["held_on"])
    lines = check_lines(lines)
    for name, value in fields.items():
        setattr(report, name, value)
    report.status = ReportStatus.SUBMITTED
    report.save()
    report.lines.all().delete()
    SessionReportLine.objects.bulk_create(
        SessionReportLine(report=report, sector=s, age_band=a, attendees=n) for s, a, n in lines
    )
    _event(report, "resubmitted", lecturer)
    return report


def _check_scope(report: SessionReport, actor) -> None:
    scope = stats.scope_for(actor)
    if not scope.exact or not (scope.national or report.prefecture in scope.prefectures):
        raise ReportError(_("この都道府県の報告を承認する権限がありません。"))


@transaction.atomic
def approve(report: SessionReport, *, actor) -> SessionReport:
    report = SessionReport.objects.select_for_update().get(pk=report.pk)
    _check_scope(report, actor)
    if report.status == ReportStatus.APPROVED:
        raise ReportError(_("この報告はすでに承認されています。二重には数えません。"))
    report.status = ReportStatus.APPROVED
    report.decided_at = timezone.now()
    report.decided_by = actor
    report.return_reason = ""
    report.save()
    for line in report.lines.all():
        record_completion(
            source_key=f"report:{report.pk}:{line.sector}:{line.age_band}",
            source=CompletionSource.SESSION_REPORT,
            completed_on=report.held_on,
            course_id=REPORT_COURSE_ID,
            course_title=REPORT_COURSE_TITLE,
            curriculum_version="report",
            dimensions=_dimensions(report, line.sector, line.age_band),
            count=line.attendees,
        )
    _event(report, "approved", actor, total=report.total)
    return report


@transaction.atomic
def return_report(report: SessionReport, *, actor, reason: str) -> SessionReport:
    report = SessionReport.objects.select_for_update().get(pk=report.pk)
    _check_scope(report, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ReportError(_("差し戻す理由を入力してください。"))
    if report.status != ReportStatus.SUBMITTED:
        raise ReportError(_("承認待ちの報告だけを差し戻せます。"))
    report.status = ReportStatus.RETURNED
    report.return_reason = reason[:1000]
    report.decided_at = timezone.now()
    report.decided_by = actor
    report.save()
    _event(report, "returned", actor, reason=reason[:1000])
    return report


@transaction.atomic
def correct(report: SessionReport, *, actor, lines, reason: str) -> SessionReport:
    """Correct an approved report's attendees: the difference is recorded, and audited."""
    report = SessionReport.objects.select_for_update().get(pk=report.pk)
    _check_scope(report, actor)
    if report.status != ReportStatus.APPROVED:
        raise ReportError(_("訂正できるのは承認済みの報告です。承認前の報告は差し戻してください。"))
    reason = (reason or "").strip()
    if not reason:
        raise ReportError(_("訂正の理由を入力してください。"))
    new = {(s, a): n for s, a, n in check_lines(lines)}
    old = {(line.sector, line.age_band): line.attendees for line in report.lines.all()}
    changes = {key: new.get(key, 0) - old.get(key, 0) for key in set(new) | set(old)}
    changes = {key: delta for key, delta in changes.items() if delta}
    if not changes:
        raise ReportError(_("人数が変わっていません。"))
    report.revision += 1
    report.save(update_fields=["revision"])
    for (sector, age_band), delta in sorted(changes.items()):
        record_completion(
            source_key=f"report:{report.pk}:r{report.revision}:{sector}:{age_band}",
            source=CompletionSource.REPORT_CORRECTION,
            completed_on=report.held_on,
            course_id=REPORT_COURSE_ID,
            course_title=REPORT_COURSE_TITLE,
            curriculum_version="report",
            dimensions=_dimensions(report, sector, age_band),
            count=delta,
        )
    report.lines.all().delete()
    SessionReportLine.objects.bulk_create(
        SessionReportLine(report=report, sector=s, age_band=a, attendees=n) for (s, a), n in new.items()
    )
    _event(
        report,
        "corrected",
        actor,
        reason=reason[:1000],
        changes={f"{s}/{a}": d for (s, a), d in sorted(changes.items())},
    )
    return report


# --- import of past reports (CSV or XLSX, all or nothing) ----------------------------------------

IMPORT_COLUMNS = (
    "held_on",
    "place",
    "prefecture",
    "municipality",
    "delivery",
    "audience",
    "organiser",
    "sector",
    "age_band",
    "attendees",
)


@dataclass
class ImportResult:
    reports: int
    attendees: int
    errors: list[str]


def _rows_from_upload(name: str, data: bytes) -> list[list[str]]:
    if len(data) > MAX_IMPORT_BYTES:
        raise ReportError(_("ファイルが大きすぎます（2MBまで）。"))
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
            rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        except Exception as error:  # a broken or disguised file
            raise ReportError(_("Excel（.xlsx）ファイルとして読めませんでした。")) from error
        return [[c[:10] if i == 0 and len(c) >= 10 and c[4] == "-" else c for i, c in enumerate(r)] for r in rows]
    if name.lower().endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp932")
            except UnicodeDecodeError as error:
                raise ReportError(
                    _("文字コードを読み取れませんでした（UTF-8 か Shift_JIS の CSV にしてください）。")
                ) from error
        if "\x00" in text:
            raise ReportError(_("CSVファイルとして読めませんでした。"))
        return list(csv.reader(io.StringIO(text)))
    raise ReportError(_("CSV（.csv）か Excel（.xlsx）のファイルを選んでください。"))


def _code(value: str, choices: list[tuple[str, str]]) -> str | None:
    value = value.strip()
    for code, label in choices:
        if value in (code, str(label)):
            return code
    return None


def import_reports(*, actor, name: str, data: bytes) -> ImportResult:
    """Validate every row; if any fails, list the errors with row numbers and import nothing."""
    rows = _rows_from_upload(name, data)
    if not rows or [c.strip() for c in rows[0][: len(IMPORT_COLUMNS)]] != list(IMPORT_COLUMNS):
        raise ReportError(_("1行目は見出し（%(columns)s）にしてください。") % {"columns": ",".join(IMPORT_COLUMNS)})
    body = [(number, row) for number, row in enumerate(rows[1:], start=2) if any(c.strip() for c in row)]
    if not body:
        raise ReportError(_("取り込む行がありません。"))
    if len(body) > MAX_IMPORT_ROWS:
        raise ReportError(_("一度に取り込めるのは %(n)s 行までです。") % {"n": f"{MAX_IMPORT_ROWS:,}"})
    scope = stats.scope_for(actor)
    errors: list[str] = []
    grouped: dict[tuple, dict] = {}
    for number, row in body:
        row = [c.strip() for c in row] + [""] * (len(IMPORT_COLUMNS) - len(row))
        values = dict(zip(IMPORT_COLUMNS, row, strict=False))
        problems = []
        try:
            held_on = datetime.date.fromisoformat(values["held_on"])
            check_date(held_on)
        except ValueError:
            problems.append(_("実施日は YYYY-MM-DD で入力してください"))
            held_on = None
        except ReportError as error:
            problems.append(error.message)
            held_on = None
        prefecture = _code(values["prefecture"], reference.PREFECTURE_CHOICES)
        if prefecture is None:
            problems.append(_("都道府県「%(v)s」が分かりません") % {"v": values["prefecture"]})
        elif not scope.exact or not (scope.national or prefecture in scope.prefectures):
            problems.append(_("担当外の都道府県です"))
        delivery = _code(values["delivery"], DeliveryType.choices)
        if delivery is None:
            problems.append(_("実施形態「%(v)s」が分かりません") % {"v": values["delivery"]})
        audience = _code(values["audience"] or Audience.GENERAL, Audience.choices)
        if audience is None:
            problems.append(_("対象「%(v)s」が分かりません") % {"v": values["audience"]})
        sector = _code(values["sector"], Sector.choices)
        if sector is None:
            problems.append(_("分野「%(v)s」が分かりません") % {"v": values["sector"]})
        age_band = _code(values["age_band"], AgeBand.choices)
        if age_band is None:
            problems.append(_("年代「%(v)s」が分かりません") % {"v": values["age_band"]})
        try:
            attendees = int(values["attendees"])
            if not 1 <= attendees <= MAX_ATTENDEES_PER_REPORT:
                raise ValueError
        except ValueError:
            problems.append(_("人数は1〜%(max)sの整数で入力してください") % {"max": f"{MAX_ATTENDEES_PER_REPORT:,}"})
            attendees = 0
        for field_name, limit in (("place", 100), ("organiser", 100), ("municipality", 40)):
            if len(values[field_name]) > limit:
                problems.append(_("%(f)s が長すぎます") % {"f": field_name})
        if not values["place"] or not values["organiser"]:
            problems.append(_("会場と主催者は必須です"))
        if problems:
            errors.append(_("%(n)s行目：%(p)s") % {"n": number, "p": "、".join(problems)})
            continue
        key = (held_on, values["place"], prefecture, values["municipality"], delivery, audience, values["organiser"])
        entry = grouped.setdefault(key, {"lines": [], "rows": []})
        entry["lines"].append((sector, age_band, attendees))
        entry["rows"].append(number)
    for entry in grouped.values():
        try:
            check_lines(entry["lines"])
        except ReportError as error:
            errors.append(_("%(n)s行目：%(p)s") % {"n": "・".join(map(str, entry["rows"])), "p": error.message})
    if errors:
        return ImportResult(0, 0, errors)
    total = 0
    with transaction.atomic():
        for (held_on, place, prefecture, municipality, delivery, audience, organiser), entry in grouped.items():
            report = file_report(
                lecturer=None,
                fields={
                    "held_on": held_on,
                    "place": place,
                    "prefecture": prefecture,
                    "municipality": municipality,
                    "delivery": delivery,
                    "audience": audience,
                    "organiser": organiser,
                },
                lines=entry["lines"],
                imported=True,
            )
            approve(report, actor=actor)
            total += sum(n for *_x, n in entry["lines"])
    return ImportResult(len(grouped), total, [])
