"""The public statistics page, open data, and the analysts' dashboard with its exports."""

import datetime
import io
import json

import pytest
from openpyxl import load_workbook

from accounts.models import AnalystScope
from accounts.roles import ANALYST, ensure_groups
from analytics import reports, stats
from analytics.models import Target
from core import reference

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _admin_without_two_factor(settings):
    # Two-factor at the admin's door is tested in tests/accounts and in the browser journey.
    settings.ADMIN_2FA_EXEMPT_DEMO_ACCOUNTS = True


@pytest.fixture
def analyst(django_user_model):
    def make(prefectures=None):
        groups = ensure_groups()
        name = "-".join(prefectures or ["all"])
        user = django_user_model.objects.create_user(
            email=f"analyst-{name}@example.jp", password="x" * 12, is_demo=True
        )
        user.groups.add(groups[ANALYST])
        AnalystScope.objects.create(user=user, is_national=not prefectures, prefectures=prefectures or [])
        return user

    return make


@pytest.fixture
def figures(complete):
    complete(prefecture="13", sector="resident", count=40)
    complete(prefecture="13", sector="welfare", count=3)
    complete(prefecture="27", sector="resident", count=22)
    complete(prefecture="27", sector="business", count=15, audience="staff", delivery="workplace")
    complete(prefecture="01", sector="resident", count=5)


def test_public_page_shows_totals_map_and_hides_small_cells(client, figures):
    html = client.get("/stats/").content.decode()
    assert "85" in html  # the national total is public
    assert "人口1万人あたり" in html and "<svg" in html
    assert "東京都" in html and "—" in html  # Hokkaido's 5 is hidden
    assert ">5<" not in html
    assert 'lang="ja"' in html


def test_public_csv_has_a_bom_and_suppression(client, figures):
    response = client.get("/stats/download/prefecture.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "都道府県,修了者数"
    assert "北海道,—" in text and "東京都,43" in text


def test_public_json_has_date_and_licence(client, figures):
    body = json.loads(client.get("/stats/download/prefecture_sector.json").content)
    assert body["licence"] == "CC BY 4.0" and body["created"] == datetime.date.today().isoformat()
    assert body["suppressed_below"] == 10
    tokyo = next(row for row in body["rows"] if row[0] == "東京都")
    assert None in tokyo  # 3 welfare hidden (and its complement)


def test_public_xlsx_opens_with_the_figures(client, figures):
    response = client.get("/stats/download/sector.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("分野", "修了者数")
    assert ("一般（地域住民）", 67) in rows


def test_unknown_dataset_is_404(client):
    assert client.get("/stats/download/people.csv").status_code == 404
    assert client.get("/stats/download/sector.exe").status_code == 404


def test_per_capita_values():
    tokyo = next(p for p in reference.PREFECTURES if p.code == "13")
    table, tiles = reports.per_capita(stats.Query(), stats.Scope(True, None))
    assert len(tiles) == 47
    row = next(r for r in table.rows if r[0] == "東京都")
    assert row == ["東京都", 0, tokyo.population_2020, 0.0]


def test_per_capita_is_count_per_ten_thousand(figures):
    table, tiles = reports.per_capita(stats.Query(), stats.Scope(True, None))
    tokyo = next(p for p in reference.PREFECTURES if p.code == "13")
    row = next(r for r in table.rows if r[0] == "東京都")
    assert row[3] == round(43 * 10_000 / tokyo.population_2020, 2)
    tile = next(t for t in tiles if t["code"] == "13")
    assert tile["rate"] == row[3] and tile["level"] in range(5)


def test_dashboard_for_a_national_analyst(client, analyst, figures):
    client.force_login(analyst())
    html = client.get("/admin/analytics/").content.decode()
    assert "統計ダッシュボード" in html and "85" in html and ">5<" in html  # exact figures


def test_prefectural_analyst_sees_only_their_prefecture(client, analyst, figures):
    client.force_login(analyst(["27"]))
    html = client.get("/admin/analytics/").content.decode()
    assert "大阪府" in html and "37" in html
    assert "東京都</th>" not in html
    # asking for Tokyo in the filter is refused by the form (not a choice) and shows nothing of Tokyo
    html = client.get("/admin/analytics/", {"prefecture": "13"}).content.decode()
    assert "有効な選択" in html or "正しく選択" in html or "選択してください" in html
    assert ">43<" not in html
    csv = client.get("/admin/analytics/export/prefecture_sector.csv").content.decode("utf-8-sig")
    assert "大阪府" in csv and "東京都" not in csv
    assert client.get("/admin/analytics/export/prefecture_sector.csv", {"prefecture": "13"}).status_code == 400
    xlsx = client.get("/admin/analytics/export/per_capita.xlsx").content
    names = [row[0] for row in load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True)]
    assert names == ["都道府県", "大阪府"]


def test_dashboard_refuses_people_who_are_not_analysts(client, learner):
    client.force_login(learner)
    response = client.get("/admin/analytics/")
    assert response.status_code in (302, 403)
    assert client.get("/admin/analytics/export/sector.csv").status_code in (302, 403)


def test_targets_progress_and_scope(client, analyst, figures):
    client.force_login(analyst(["27"]))
    year = datetime.date(2026, 5, 12)
    fy = year.year if year.month >= 4 else year.year - 1
    response = client.post("/admin/analytics/targets/", {"fiscal_year": fy, "prefecture": "27", "target": 74})
    assert response.status_code == 302
    assert Target.objects.get().target == 74
    client.post("/admin/analytics/targets/", {"fiscal_year": fy, "prefecture": "13", "target": 10})
    client.post("/admin/analytics/targets/", {"fiscal_year": fy, "prefecture": "27", "target": -3})
    assert Target.objects.count() == 1 and Target.objects.get().target == 74
    html = client.get("/admin/analytics/").content.decode()
    assert "50.0%" in html  # 37 of 74


def test_synthetic_notice(client, complete):
    complete(count=12, synthetic=True)
    assert "デモデータを含みます" in client.get("/stats/").content.decode()
