"""The player origin (separate, cookie-less, only the player), its headers and caching, the lesson
block (sandboxed iframe with a title, cache-safe, within the lesson page's query bound) and the
admin screens."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission
from django.test import Client

from accounts.factories import UserFactory
from h5p.models import H5PContent, H5PLibrary
from h5p.player import asset_version
from tests.h5p.conftest import choice_package, rezip, stored_files

pytestmark = pytest.mark.django_db

PLAYER = "localhost:8000"


@pytest.fixture(autouse=True)
def _origins(settings):
    settings.H5P_PLAYER_ORIGIN = f"http://{PLAYER}"
    settings.H5P_SITE_ORIGIN = "http://127.0.0.1:8000"


def on_player(client, path):
    return client.get(path, HTTP_HOST=PLAYER)


def test_the_player_page_is_served_only_on_the_player_origin(client, choice):
    url = f"/h5p/player/{choice.uuid}/"
    page = on_player(client, url)
    assert page.status_code == 200
    csp = page["Content-Security-Policy"]
    assert "script-src http://localhost:8000" in csp and "frame-ancestors http://127.0.0.1:8000" in csp
    assert "connect-src http://localhost:8000" in csp and "default-src 'none'" in csp
    assert "X-Frame-Options" not in page
    assert not page.cookies
    assert client.get(url).status_code == 404  # never on the site's host


@pytest.mark.parametrize("path", ["/", "/admin/", "/api/v1/health", "/courses/", "/accounts/login/"])
def test_the_sites_pages_are_never_served_on_the_player_origin(client, seeded, path):
    response = on_player(client, path)
    assert response.status_code == 404
    assert not response.cookies


def test_player_files_are_long_cached_never_sniffed_and_never_html(client, settings):
    data = rezip(
        choice_package(), lambda f: f.__setitem__("content/images/photo.png", b"<html><script>alert(1)</script>")
    )
    from h5p.seed import SeedInstaller
    from h5p.services import install

    content = install(data, SeedInstaller(), key="photo")
    base = f"/h5p/player/{content.uuid}"
    media = on_player(client, f"{base}/content/images/photo.png")
    assert media.status_code == 200 and media["Content-Type"] == "image/png"
    assert media["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in media["Content-Security-Policy"]
    assert "immutable" in media["Cache-Control"] and "max-age=31536000" in media["Cache-Control"]
    assert on_player(client, f"{base}/content/images/other.png").status_code == 404
    assert on_player(client, f"{base}/content/../h5p.json").status_code == 404

    library = on_player(client, f"{base}/libraries/Tsunagari.ChoiceFeedback-1.0/choice-feedback.js")
    assert library.status_code == 200 and library["Content-Type"].startswith("text/javascript")
    assert "max-age=31536000" in library["Cache-Control"]
    assert on_player(client, f"{base}/libraries/Other-1.0/library.json").status_code == 404

    content_json = on_player(client, f"{base}/content/content.json")
    assert content_json.json()["choices"][0]["text"]
    assert content_json["Access-Control-Allow-Origin"] == "*"  # the sandboxed frame's origin is "null"

    for asset in ("main.bundle.js", "frame.bundle.js", "styles/h5p.css", "relay.js", "shim.js"):
        response = on_player(client, f"/h5p/assets/{asset_version()}/{asset}")
        assert response.status_code == 200, asset
        assert "immutable" in response["Cache-Control"]
        assert response["X-Content-Type-Options"] == "nosniff"
        b"".join(response.streaming_content)
    assert on_player(client, f"/h5p/assets/{asset_version()}/../package.json").status_code == 404


def test_the_lesson_block_is_a_sandboxed_titled_iframe_on_the_player_origin(client, h5p_lesson):
    _course, lesson, _other = h5p_lesson
    response = client.get(lesson.url)
    page = BeautifulSoup(response.content, "html.parser")
    frames = page.select(".h5p-activity iframe")
    assert len(frames) == 2
    for frame in frames:
        assert frame["sandbox"] == ["allow-scripts"]  # never allow-same-origin
        assert frame["src"].startswith("http://localhost:8000/h5p/player/")
        assert frame["title"].startswith("H5P アクティビティ：")
    assert "90% 以上" not in page.text and "100% 以上になると" in page.text
    assert "frame-src 'self' http://localhost:8000" in response["Content-Security-Policy"]
    assert page.select_one('script[type="module"][src$="js/h5p-lesson.js"]') is not None


def test_the_block_is_the_same_for_everyone(h5p_lesson, learner):
    _course, lesson, _other = h5p_lesson
    guest = BeautifulSoup(Client().get(lesson.url).content, "html.parser").select_one(".h5p-activity")
    signed_in = Client()
    signed_in.force_login(learner)
    mine = BeautifulSoup(signed_in.get(lesson.url).content, "html.parser").select_one(".h5p-activity")
    assert str(guest) == str(mine)


def test_a_lesson_page_with_h5p_stays_within_the_query_bound(h5p_lesson, learner, django_assert_max_num_queries):
    course, lesson, _other = h5p_lesson
    client = Client()
    client.force_login(learner)
    client.post(course.url, {"action": "start"})
    client.get(lesson.url)  # warm the shared caches
    with django_assert_max_num_queries(5):  # as any shared lesson page (tests/courses/test_lesson_page.py)
        response = client.get(lesson.url)
    assert "public" in response["Cache-Control"] and b"h5p-activity" in response.content


def admin_client(*permissions):
    user = UserFactory(is_staff=True, is_demo=True)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.force_login(user)
    return client


def test_an_editor_uploads_sees_the_report_and_the_libraries(settings, seeded):
    settings.ADMIN_2FA_EXEMPT_DEMO_ACCOUNTS = True
    client = admin_client("add_h5pcontent", "view_h5pcontent", "view_h5plibrary", "add_h5plibrary")
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("choice.h5p", choice_package(), content_type="application/zip")
    response = client.post("/admin/h5p/upload/", {"package": upload, "key": "my-choice"}, follow=True)
    text = response.content.decode()
    assert response.status_code == 200
    for expected in (
        "はじめの一歩を選ぶ",
        "Tsunagari.ChoiceFeedback 1.0.0",
        "my-choice",
        "問題は見つかりませんでした",
        'sandbox="allow-scripts"',
    ):
        assert expected in text, expected
    libraries = client.get("/admin/h5p/libraries/").content.decode()
    assert "Tsunagari.ChoiceFeedback" in libraries and "はじめの一歩を選ぶ" in libraries


def test_an_editor_without_library_permission_is_told_to_ask_an_administrator(settings, seeded):
    settings.ADMIN_2FA_EXEMPT_DEMO_ACCOUNTS = True
    client = admin_client("add_h5pcontent", "view_h5pcontent")
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("choice.h5p", choice_package(), content_type="application/zip")
    response = client.post("/admin/h5p/upload/", {"package": upload})
    text = response.content.decode()
    assert response.status_code == 400
    assert "管理者に依頼してください" in text and "何も保存していません" in text
    assert H5PContent.objects.count() == 0 and H5PLibrary.objects.count() == 0 and stored_files(settings) == []

    bad = SimpleUploadedFile("evil.h5p", b"MZ not a zip", content_type="application/zip")
    refused = client.post("/admin/h5p/upload/", {"package": bad}).content.decode()
    assert "ZIP 形式）ではありません" in refused


def test_learners_cannot_open_the_h5p_admin(settings, learner):
    settings.ADMIN_2FA_EXEMPT_DEMO_ACCOUNTS = True
    client = Client()
    client.force_login(learner)
    assert client.get("/admin/h5p/").status_code in (302, 403)


def test_svg_and_other_documents_in_content_are_accepted_but_cannot_run(client):
    """SVG (and XML, office files...) are in H5P core's default allow-list: accepted, never
    sanitised, but served from the cookie-less player origin so that nothing in them can run."""
    from h5p.seed import SeedInstaller
    from h5p.services import install

    hostile_svg = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'><script>alert(2)</script></svg>"
    extra = {"content/images/x.svg": hostile_svg, "content/notes.xml": b"<x><script>alert(1)</script></x>"}
    data = rezip(choice_package(), lambda f: f.update(extra))
    content = install(data, SeedInstaller(), key="svg")
    base = f"/h5p/player/{content.uuid}"

    svg = on_player(client, f"{base}/content/images/x.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    csp = svg["Content-Security-Policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp and "script-src" not in csp
    assert svg["X-Content-Type-Options"] == "nosniff" and not svg.cookies
    xml = on_player(client, f"{base}/content/notes.xml")
    assert xml["Content-Type"] == "application/octet-stream" and xml["Content-Disposition"] == "attachment"
    assert "sandbox" in xml["Content-Security-Policy"]
    assert client.get(f"{base}/content/images/x.svg").status_code == 404  # never on the site's host
