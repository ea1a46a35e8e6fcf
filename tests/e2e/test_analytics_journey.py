"""A prefectural analyst signs in with two-factor, filters the dashboard, downloads CSV, and cannot
reach another prefecture's figures."""

import datetime
import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from playwright.sync_api import expect

from accounts.factories import DEFAULT_PASSWORD, UserFactory
from accounts.models import AnalystScope
from accounts.roles import ANALYST, ensure_groups
from analytics.services import CompletionDimensions, record_completion

PASSWORD = DEFAULT_PASSWORD


def code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def add(key, prefecture, sector, count, audience="general"):
    record_completion(
        source_key=key,
        source="online",
        completed_on=datetime.date.today(),
        course_id=1,
        course_title="講座",
        curriculum_version="1.0",
        dimensions=CompletionDimensions(prefecture=prefecture, sector=sector, audience=audience, delivery="online"),
        count=count,
    )


@pytest.fixture
def tokyo_analyst(transactional_db):
    user = UserFactory(email="tokyo-analyst@example.jp")  # a verified email address
    user.groups.add(ensure_groups()[ANALYST])
    AnalystScope.objects.create(user=user, is_national=False, prefectures=["13"])
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    add("e2e:1", "13", "resident", 31)
    add("e2e:2", "13", "welfare", 7, audience="staff")
    add("e2e:3", "27", "resident", 555)
    return secret


def test_prefectural_analyst_filters_downloads_and_stays_in_scope(page, tokyo_analyst, tmp_path):
    page.goto("/accounts/login/")
    page.locator("#id_login").fill("tokyo-analyst@example.jp")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page.get_by_role("heading", name="多要素認証")).to_be_visible()  # the code is asked
    page.locator("input[name=code]").fill(code(tokyo_analyst))
    page.get_by_role("button", name="ログイン").last.click()
    expect(page.get_by_role("heading", name="多要素認証")).to_have_count(0)

    page.goto("/admin/analytics/")
    expect(page.get_by_role("heading", name="統計ダッシュボード").first).to_be_visible()
    expect(page.locator("[data-total=all]")).to_contain_text("38")  # exact, Tokyo only
    tables = " ".join(page.locator("table.stats-table").all_inner_texts())
    assert "東京都" in tables and "大阪府" not in tables and "555" not in tables

    page.locator("#id_audience").select_option("staff")
    page.get_by_role("button", name="絞り込む").click()
    expect(page.locator("[data-total=all]")).to_contain_text("7")

    with page.expect_download() as download_info:
        page.locator("#sector").get_by_role("link", name="CSV").click()
    path = tmp_path / "sector.csv"
    download_info.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert "福祉・介護,7" in data.decode("utf-8-sig")

    # Another prefecture: not offered, refused in the filter, the export and the API.
    options = page.locator("#id_prefecture option").all_inner_texts()
    assert "大阪府" not in options and "東京都" in options
    page.goto("/admin/analytics/?prefecture=27")
    expect(page.locator(".error-message").first).to_be_visible()
    tables = " ".join(page.locator("table.stats-table").all_inner_texts())
    assert "大阪府" not in tables and "555" not in tables
    response = page.request.get("/admin/analytics/export/sector.csv?prefecture=27")
    assert response.status == 400
    response = page.request.get("/api/v1/stats/completions?group_by=sector&prefecture=27")
    assert response.status == 403 and "大阪府" in response.json()["detail"]
    body = page.request.get("/api/v1/stats/completions?group_by=prefecture").json()
    assert body["rows"] == [{"prefecture": "13", "count": 38}]
