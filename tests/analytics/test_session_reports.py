"""Session reports: filed by lecturers, approved by analysts in scope, counted once; imports all or nothing."""

import datetime
import io

import pytest
from django.db.models import Sum
from openpyxl import Workbook

from accounts.models import AnalystScope
from accounts.roles import ANALYST, LECTURER, ensure_groups
from analytics import integrity, session_reports, stats
from analytics.models import CompletionRecord, ReportStatus, SessionReport

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 6, 14)


@pytest.fixture(autouse=True)
def _admin_without_two_factor(settings):
    settings.ADMIN_2FA_EXEMPT_DEMO_ACCOUNTS = True


@pytest.fixture
def people(django_user_model):
    groups = ensure_groups()

    def user(email, group, prefectures=None):
        u = django_user_model.objects.create_user(email=email, password="x" * 12, is_demo=True)
        u.groups.add(groups[group])
        if group == ANALYST:
            AnalystScope.objects.create(user=u, is_national=not prefectures, prefectures=prefectures or [])
        return u

    return {
        "lecturer": user("lecturer@example.jp", LECTURER),
        "osaka": user("osaka@example.jp", ANALYST, ["27"]),
        "tokyo": user("tokyo@example.jp", ANALYST, ["13"]),
    }


def counted(prefecture="27"):
    return stats.compute(stats.Query((), {"prefecture": (prefecture,)}), stats.Scope(True, None)).total


def form_data(**overrides):
    data = {
        "held_on": DAY.isoformat(),
        "place": "中央公民館",
        "prefecture": "27",
        "municipality": "堺市",
        "delivery": "municipal",
        "audience": "general",
        "organiser": "堺市福祉課",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-0-sector": "resident",
        "lines-0-age_band": "60s",
        "lines-0-attendees": "18",
        "lines-1-sector": "commissioner",
        "lines-1-age_band": "70s",
        "lines-1-attendees": "7",
    }
    data.update(overrides)
    return data


def test_lecturer_files_analyst_approves_counted_once(client, people):
    client.force_login(people["lecturer"])
    response = client.post("/reports/new/", form_data())
    assert response.status_code == 302
    report = SessionReport.objects.get()
    assert report.status == ReportStatus.SUBMITTED and report.total == 25
    assert counted() == 0  # not before approval

    client.force_login(people["tokyo"])  # outside their scope: not even visible
    assert client.get(f"/admin/analytics/reports/{report.pk}/").status_code == 404

    client.force_login(people["osaka"])
    client.post(f"/admin/analytics/reports/{report.pk}/", {"action": "approve"})
    assert counted() == 25
    response = client.post(f"/admin/analytics/reports/{report.pk}/", {"action": "approve"}, follow=True)
    assert "すでに承認" in response.content.decode()
    assert counted() == 25
    record = CompletionRecord.objects.filter(source="session_report").first()
    assert record.delivery == "municipal" and record.municipality == "堺市"
    assert integrity.differences() == []


def test_return_needs_a_reason_and_lecturer_resubmits(client, people):
    report = session_reports.file_report(
        lecturer=people["lecturer"],
        fields={k: v for k, v in form_data().items() if not k.startswith("lines")} | {"held_on": DAY},
        lines=[("resident", "40s", 12)],
    )
    client.force_login(people["osaka"])
    response = client.post(f"/admin/analytics/reports/{report.pk}/", {"action": "return", "reason": ""}, follow=True)
    assert "理由を入力" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    client.post(
        f"/admin/analytics/reports/{report.pk}/", {"action": "return", "reason": "人数の内訳を確認してください"}
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    client.force_login(people["lecturer"])
    assert "人数の内訳を確認してください" in client.get("/reports/").content.decode()
    client.post(f"/reports/{report.pk}/", form_data())
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.total == 25
    assert counted() == 0


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"lines-0-attendees": "-5"}, "1以上"),
        ({"lines-0-attendees": "99999"}, "多すぎ"),
        ({"lines-0-attendees": "4000", "lines-1-attendees": "4000"}, "5,000"),
        ({"held_on": "2099-01-01"}, "未来"),
        ({"prefecture": "99"}, "候補にありません"),
        (
            {f"lines-{i}-{name}": "" for i in (0, 1) for name in ("sector", "age_band", "attendees")},
            "1行以上",
        ),
        ({"lines-1-age_band": ""}, "そろえて"),
    ],
)
def test_bad_reports_are_refused_with_a_message(client, people, overrides, message):
    client.force_login(people["lecturer"])
    response = client.post("/reports/new/", form_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SessionReport.objects.exists()


def test_only_lecturers_file_reports(client, learner):
    client.force_login(learner)
    assert client.post("/reports/new/", form_data()).status_code == 403
    assert not SessionReport.objects.exists()


def test_correction_after_approval_is_audited_and_exact(people):
    report = session_reports.file_report(
        lecturer=people["lecturer"],
        fields={k: v for k, v in form_data().items() if not k.startswith("lines")} | {"held_on": DAY},
        lines=[("resident", "40s", 12), ("welfare", "30s", 5)],
    )
    session_reports.approve(report, actor=people["osaka"])
    with pytest.raises(session_reports.ReportError, match="理由"):
        session_reports.correct(report, actor=people["osaka"], lines=[("resident", "40s", 10)], reason="")
    session_reports.correct(
        report, actor=people["osaka"], lines=[("resident", "40s", 10), ("npo", "20s", 3)], reason="名簿と照合"
    )
    assert counted() == 13
    assert integrity.differences() == []
    event = report.events.get(action="corrected")
    assert event.actor == people["osaka"] and event.reason == "名簿と照合"
    assert event.detail["changes"] == {"npo/20s": 3, "resident/40s": -2, "welfare/30s": -5}
    with pytest.raises(session_reports.ReportError):
        session_reports.correct(report, actor=people["tokyo"], lines=[("resident", "40s", 1)], reason="x")


HEADER = ",".join(session_reports.IMPORT_COLUMNS)


def upload(client, name, content):
    return client.post(
        "/admin/analytics/reports/import/", {"file": io.BytesIO(content) if False else _file(name, content)}
    )


def _file(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_import_all_rows_or_nothing(client, people):
    client.force_login(people["osaka"])
    good = (
        f"{HEADER}\n"
        "2025-11-02,市民会館,27,豊中市,municipal,general,豊中市,resident,50s,30\n"
        "2025-11-02,市民会館,大阪府,豊中市,municipal,general,豊中市,welfare,40s,12\n"
        "2025-12-09,本社会議室,27,,workplace,staff,株式会社サンプル,business,30s,44\n"
    )
    bad = good + (
        "2025-13-01,会場,27,,municipal,general,主催,resident,50s,3\n"
        "2025-10-01,会場,13,,municipal,general,主催,resident,50s,3\n"
        "2025-10-01,会場,27,,municipal,general,主催,resident,50s,-4\n"
    )
    response = upload(client, "past.csv", bad.encode())
    html = response.content.decode()
    assert "1件も取り込んでいません" in html
    assert "5行目" in html and "6行目" in html and "担当外" in html and "7行目" in html
    assert not SessionReport.objects.exists() and counted() == 0

    response = upload(client, "past.csv", "\ufeff".encode() + good.encode("utf-8"))
    assert "2 件の報告（86 人）" in response.content.decode()
    assert counted() == 86
    assert SessionReport.objects.filter(status="approved", imported=True).count() == 2
    assert integrity.differences() == []


def test_import_xlsx_and_malformed_files(client, people):
    client.force_login(people["osaka"])
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(session_reports.IMPORT_COLUMNS))
    sheet.append(
        [
            datetime.datetime(2025, 9, 3),
            "体育館",
            "27",
            "吹田市",
            "school",
            "children",
            "吹田市教委",
            "education",
            "40s",
            6,
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, "past.xlsx", buffer.getvalue())
    assert "1 件の報告（6 人）" in response.content.decode()
    for name, content, message in [
        ("past.xlsx", b"not a zip", "読めませんでした"),
        ("past.csv", b"a,b,c\n1,2,3\n", "見出し"),
        ("past.pdf", b"%PDF-1.4", "CSV"),
        ("past.csv", HEADER.encode() + b"\n" + b"x" * (2 * 1024 * 1024), "大きすぎ"),
    ]:
        response = upload(client, name, content)
        assert message in response.content.decode(), name
    assert SessionReport.objects.count() == 1
    assert CompletionRecord.objects.aggregate(n=Sum("count"))["n"] == 6
