import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.django_db


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def test_home_page_in_japanese_explains_the_programme_and_offers_three_ways_in(client, seeded):
    page = soup(client.get("/"))

    assert page.html["lang"] == "ja"
    assert "つながりサポーターとは" in page.get_text()
    entries = [h.get_text(strip=True) for h in page.select(".entry__title")]
    assert entries == ["一般の方", "職員・専門職の方", "こども（学校で受講）"]


def test_home_page_in_english_has_english_ui_and_lang(client, seeded):
    page = soup(client.get("/en/"))

    assert page.html["lang"] == "en"
    assert page.select_one(".skip-link").get_text(strip=True) == "Skip to main content"


def test_language_switcher_sets_english(client, seeded):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert response["Location"] == "/en/"


def test_every_page_has_a_skip_link_landmarks_and_help_resources(client, seeded):
    for path in ("/", "/privacy/", "/accessibility/", "/accounts/login/", "/accounts/signup/"):
        page = soup(client.get(path))
        assert page.select_one("a.skip-link[href='#main']"), path
        assert page.select_one("header") and page.select_one("main#main") and page.select_one("footer"), path
        footer = page.select_one("footer").get_text()
        assert "相談窓口" in footer and "0120-279-338" in footer, path
        assert len(page.select("h1")) == 1, path


def test_policy_pages_have_real_text_and_a_last_reviewed_date(client, seeded):
    privacy = soup(client.get("/privacy/")).get_text()
    accessibility = soup(client.get("/accessibility/")).get_text()

    assert "こどもの情報は集めません" in privacy
    assert "JIS X 8341-3:2016" in accessibility
    assert "令和8年11月26日（2026年11月26日）" in privacy


def test_campaign_only_help_line_is_not_shown_outside_its_dates(client, seeded):
    footer = soup(client.get("/")).select_one("footer").get_text()

    assert "#9999" not in footer


def test_our_pages_send_a_strict_content_security_policy(client, seeded):
    response = client.get("/")

    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]
    page = soup(response)
    assert not [s for s in page.select("script") if s.string and s.string.strip()]
    assert not page.select("style") and not page.select("[style]")


def test_unknown_page_gets_a_helpful_japanese_404(client, seeded):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


def test_home_page_query_count_is_bounded(client, seeded, django_assert_max_num_queries):
    client.get("/")  # warm the help-resources cache
    with django_assert_max_num_queries(8):
        client.get("/")
