"""In Chromium: the bulk-download status page follows the job's progress without a reload and
offers the zip when it is ready."""

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from accounts import roles
from accounts.factories import DEFAULT_PASSWORD, UserFactory
from certificates.models import BulkDownload

pytestmark = pytest.mark.browser


def test_the_status_page_updates_itself_and_then_offers_the_zip(page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    leader = UserFactory(email="org-leader@example.jp")
    leader.groups.add(roles.ensure_groups()[roles.ORGANISATION_LEADER])
    job = BulkDownload.objects.create(
        requested_by=leader, label="11月研修", certificate_ids=[1, 2, 3, 4], total=4, status="running", done=1
    )
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(leader.email)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.locator("main button[type=submit]").click()

    page.goto(job.get_absolute_url())
    label = page.locator("[data-bulk-label]")
    assert "1 / 4" in label.inner_text()
    assert page.get_by_role("link", name="zipファイルをダウンロード").is_hidden()

    BulkDownload.objects.filter(pk=job.pk).update(done=3)
    expect(label).to_contain_text("3 / 4")
    expect(page.locator("[data-bulk-bar]")).to_have_js_property("value", 75)

    job.file.save("ready.zip", ContentFile(b"PK"))
    BulkDownload.objects.filter(pk=job.pk).update(status="done", done=4, file=job.file.name)
    link = page.get_by_role("link", name="zipファイルをダウンロード")
    expect(link).to_be_visible()
    expect(label).to_contain_text("できあがりました")
    assert link.get_attribute("href").endswith(f"/certificates/bulk/{job.public_id}/download/")
    assert page.console_errors == []
