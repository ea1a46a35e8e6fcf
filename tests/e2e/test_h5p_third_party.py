"""An administrator uploads an H5P package in the shape other tools export (H5P.TrueFalse 1.8 with
its libraries, fonts, SVG images and an editor library; see tests/h5p/fixtures/third_party/README.md)
through the admin in Chromium and reads the report; an SVG with script, opened straight from the
player origin, cannot run."""

from django.contrib.auth.models import Permission
from django.test import Client
from playwright.sync_api import expect

from accounts.factories import UserFactory
from h5p.models import H5PContent
from h5p.seed import SeedInstaller, build_package
from h5p.services import install
from tests.h5p.conftest import third_party_package


def signed_in_context(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context


def test_an_administrator_uploads_a_third_party_export_and_reads_the_report(
    browser, live_server, player_on_the_other_host, transactional_db, tmp_path, settings
):
    settings.ADMIN_2FA_EXEMPT_DEMO_ACCOUNTS = True
    administrator = UserFactory(is_staff=True, is_demo=True)  # demo accounts skip the admin 2FA set-up
    for codename in ("access_admin", "add_h5pcontent", "view_h5pcontent", "add_h5plibrary"):
        administrator.user_permissions.add(Permission.objects.get(codename=codename))
    package = tmp_path / "true-false.h5p"
    package.write_bytes(third_party_package())
    context = signed_in_context(browser, live_server, administrator)
    page = context.new_page()
    try:
        page.goto("/admin/")  # the development-only "2FA skipped for demo accounts" notice, consumed once
        page.goto("/admin/h5p/upload/")
        assert page.url.endswith("/admin/h5p/upload/"), page.url
        page.locator("input[name=package]").set_input_files(str(package))
        page.locator("input[name=key]").fill("true-false")
        page.get_by_role("button", name="検査して登録する").click()

        expect(page.get_by_text("「声かけの基本（〇×クイズ）」を登録しました")).to_be_visible()
        expect(page.get_by_role("cell", name="H5P.TrueFalse 1.8.5")).to_be_visible()
        for library in ("FontAwesome 4.5.6", "H5P.JoubelUI 1.3.15", "H5P.Question 1.5.18", "jQuery.ui 1.10.22"):
            expect(page.get_by_text(library, exact=False).first).to_be_visible()
        expect(page.get_by_text("images/figure-5f3a.svg")).to_be_visible()
        expect(page.get_by_text("保存しなかったライブラリ（エディタ用など）：H5PEditor.ShowWhen 1.0.5")).to_be_visible()
    finally:
        context.close()
    content = H5PContent.objects.get(key="true-false")
    assert content.report["unused_libraries"] == ["H5PEditor.ShowWhen 1.0.5"]


def test_an_svg_with_script_opened_on_the_player_origin_does_not_run(
    browser, live_server, player_on_the_other_host, transactional_db
):
    hostile = (
        b"<svg xmlns='http://www.w3.org/2000/svg' onload=\"document.title='ran-onload'\">"
        b"<script>document.title='ran-script';fetch('/?leak=1')</script>"
        b"<circle cx='5' cy='5' r='4'/></svg>"
    )
    params = {"prompt": "<p>問い</p>"}
    data = build_package("SVG", "Tsunagari.ReflectionCard", params, {"content/images/x.svg": hostile})
    content = install(data, SeedInstaller(), key="svg")
    context = browser.new_context(locale="ja-JP")
    context.set_default_timeout(15_000)
    requests, dialogs = [], []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        url = f"{player_on_the_other_host}/h5p/player/{content.uuid}/content/images/x.svg"
        response = page.goto(url)
        assert response.status == 200 and response.headers["content-type"] == "image/svg+xml"
        page.wait_for_timeout(500)
        assert page.evaluate("document.title") not in ("ran-onload", "ran-script")
    finally:
        context.close()
    assert requests == [url], requests  # nothing else was requested (the script's fetch never ran)
    assert dialogs == []
