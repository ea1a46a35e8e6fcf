"""In Chromium: an editor opens the certificate template, opens the live preview, types a new title
and the preview PDF follows it — before anything is saved."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts import roles
from accounts.factories import DEFAULT_PASSWORD, UserFactory
from certificates import seed
from certificates.models import CertificateTemplate
from tests.certificates.test_templates import preview_pdf

pytestmark = pytest.mark.browser


def test_the_editor_sees_the_preview_pdf_follow_what_they_type(page, settings):
    settings.ADMIN_2FA_EXEMPT_DEMO_ACCOUNTS = True
    seed.seed()
    template = CertificateTemplate.objects.get()
    editor = UserFactory(email="template-editor@example.jp", is_demo=True)
    editor.groups.add(roles.ensure_groups()[roles.EDITOR])
    previews = []
    page.on(
        "response",
        lambda response: (
            previews.append(response.headers.get("content-type"))
            if "/preview/" in response.url and response.request.method == "GET"
            else None
        ),
    )

    page.goto("/accounts/login/")
    page.locator("#id_login").fill(editor.email)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.goto(f"/admin/snippets/certificates/certificatetemplate/edit/{template.pk}/")
    with page.expect_response(lambda r: "/preview/" in r.url and r.request.method == "GET", timeout=15_000):
        page.locator('[data-side-panel-toggle="preview"]').click()  # the sample as saved
    # Wagtail notes the form's starting state a moment after the page loads and compares later
    # states with it; an editor types after that (typing before it would become the baseline).
    page.wait_for_function(
        "() => { const form = document.querySelector('[data-controller~=\"w-unsaved\"]');"
        " return !!window.wagtail.app.getControllerForElementAndIdentifier(form, 'w-unsaved')?.initialFormData; }",
        timeout=15_000,
    )
    with page.expect_response(lambda r: "/preview/" in r.url and r.request.method == "GET", timeout=15_000):
        page.locator("#id_title").fill("見本の表題")  # the panel sends it, then reloads its sample
    expect(page.locator("iframe[title]").first).to_be_attached()

    # The panel's iframe shows a page holding the PDF (Chromium's viewer); fetch it to read the PDF.
    preview = page.request.get(f"/admin/snippets/certificates/certificatetemplate/preview/{template.pk}/")
    assert previews and all(kind.startswith("text/html") for kind in previews)
    text = PdfReader(io.BytesIO(preview_pdf(preview.text()))).pages[0].extract_text()
    assert "見本の表題" in text and "見本 花子" in text
    assert CertificateTemplate.objects.get().title == "修了証"  # nothing saved
