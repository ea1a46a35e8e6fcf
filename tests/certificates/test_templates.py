"""The certificate template edited in the Wagtail admin: validation, live preview, versions."""

import datetime
import io

import pytest
from django.core.files.images import ImageFile
from django.urls import reverse
from PIL import Image as PILImage
from pypdf import PdfReader
from wagtail.images.models import Image

from accounts import roles
from accounts.factories import UserFactory
from certificates import seed, services
from certificates.models import Certificate, CertificateTemplate, CertificateTemplateVersion

pytestmark = pytest.mark.django_db

EDIT = "wagtailsnippets_certificates_certificatetemplate:edit"
PREVIEW = "wagtailsnippets_certificates_certificatetemplate:preview_on_edit"


@pytest.fixture(autouse=True)
def _admin_without_two_factor(settings):
    settings.ADMIN_2FA_EXEMPT_DEMO_ACCOUNTS = True


def staff(group_name):
    user = UserFactory(is_demo=True)
    user.groups.add(roles.ensure_groups()[group_name])
    return user


@pytest.fixture
def template():
    seed.seed()
    return CertificateTemplate.objects.get()


@pytest.fixture
def editor():
    return staff(roles.EDITOR)


def form_data(template, **changes):
    data = {
        "name": template.name,
        "is_active": "on" if template.is_active else "",
        "title": template.title,
        "subtitle": template.subtitle,
        "body": template.body,
        "issuer_name": template.issuer_name,
        "logo": template.logo_id or "",
        "signature": template.signature_id or "",
        "primary_colour": template.primary_colour,
        "text_colour": template.text_colour,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def issue(n: int, user=None) -> Certificate:
    certificate, _created = services.issue(
        source_key=f"test:{n}",
        user=user or UserFactory(),
        holder_name="山田 太郎",
        course_id=1,
        course_title="つながりサポーター講座（一般向け）",
        audience="general",
        curriculum_version="2026.1",
        issued_on=datetime.date(2026, 11, 26),
    )
    return certificate


def pdf_text(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def flat(text: str) -> str:
    """Extracted text without the line breaks of wrapped lines."""
    return text.replace("\n ", "").replace("\n", "")


def wagtail_image(kind="PNG", size=(400, 120), colour=(0, 23, 193, 255)) -> Image:
    buffer = io.BytesIO()
    mode = "RGBA" if kind == "PNG" else "RGB"
    PILImage.new(mode, size, colour[: len(mode)]).save(buffer, format=kind)
    buffer.seek(0)
    return Image.objects.create(title=f"test {kind}", file=ImageFile(buffer, name=f"test.{kind.lower()}"))


def test_the_seed_makes_one_active_template_with_a_first_version_and_runs_twice_without_change(template):
    report = seed.seed()

    assert report.unchanged and not report.created and not report.updated
    assert CertificateTemplate.objects.count() == 1 and template.is_active
    assert list(template.versions.values_list("number", flat=True)) == [1]
    text = pdf_text(services.render_pdf(issue(1)))
    assert "最後まで学び、修了したことをここに記します" in flat(text)
    assert "つながりサポーター講座（一般向け）" in text and "対象：一般" in text
    assert "国家資格や公的な資格ではありません" in text


def test_an_editor_changes_the_text_new_certificates_use_it_and_an_issued_one_keeps_its_version(
    client, template, editor
):
    old = issue(1)
    client.force_login(editor)

    response = client.post(
        reverse(EDIT, args=[template.pk]),
        form_data(template, title="受講修了証", body="{name}さんは「{course}」を{date}に修了しました。"),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    new = issue(2)
    assert (old.template_version.number, new.template_version.number) == (1, 2)
    old.refresh_from_db()
    old_text, new_text = pdf_text(services.render_pdf(old)), pdf_text(services.render_pdf(new))
    assert "受講修了証" not in old_text and "最後まで学び" in old_text
    assert "受講修了証" in new_text
    assert "山田 太郎さんは「つながりサポーター講座（一般向け）」を令和8年11月26日に修了しました。" in flat(new_text)
    template.refresh_from_db()
    assert template.get_latest_revision().user == editor  # the seed will now keep the editor's version
    assert seed.seed().kept


def test_a_reissue_keeps_the_original_certificates_template_version(template, editor):
    old = issue(1)
    template.title = "受講修了証"
    template.save()

    new = services.reissue(old, actor=editor, holder_name="山田 花子")

    assert new.template_version_id == old.template_version_id
    assert "受講修了証" not in pdf_text(services.render_pdf(new))


def test_saving_without_a_change_makes_no_new_version(template):
    template.save()
    template.save()

    assert template.versions.count() == 1


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"primary_colour": "blue"}, "# と6桁の16進数"),
        ({"text_colour": "#12345"}, "# と6桁の16進数"),
        ({"text_colour": "#eeeeee"}, "薄すぎます"),
        ({"body": "{name}さんは{course}を{grade}で修了"}, "差し込み {grade} は使えません"),
        ({"body": "{name.upper}さん"}, "差し込み {name.upper} は使えません"),
        ({"body": "{course:>20}"}, "差し込み {course:&gt;20} は使えません"),
        ({"body": "{name さん"}, "{ と } の対応が正しくありません"),
        ({"title": "国家資格認定証"}, "公的な資格と誤解される言葉は使えません"),
        ({"issuer_name": "\U0002a6a5の会"}, "印字できません"),
        ({"body": "\n".join(["一行"] * 8)}, "7行以内"),
    ],
)
def test_invalid_values_are_refused_with_a_japanese_message_and_nothing_is_saved(
    client, template, editor, changes, field_message
):
    client.force_login(editor)
    before = CertificateTemplate.objects.values().get()

    response = client.post(reverse(EDIT, args=[template.pk]), form_data(template, **changes))

    assert response.status_code == 200
    assert field_message in response.content.decode()
    assert CertificateTemplate.objects.values().get() == before
    assert CertificateTemplateVersion.objects.count() == 1


def test_a_gif_is_refused_as_logo(client, template, editor):
    client.force_login(editor)
    gif = wagtail_image("GIF")

    response = client.post(reverse(EDIT, args=[template.pk]), form_data(template, logo=gif.pk))

    assert "PNG か JPEG の画像を選んでください" in response.content.decode()
    assert CertificateTemplate.objects.get().logo_id is None


def test_logo_and_signature_are_drawn_into_the_pdf_and_frozen_with_the_version(template):
    logo, signature = wagtail_image("PNG", (2000, 600)), wagtail_image("JPEG", (600, 200), (30, 30, 30))
    template.logo, template.signature = logo, signature
    template.full_clean()
    template.save()
    certificate = issue(1)
    logo.delete()  # the frozen version keeps its own copy

    pdf = services.render_pdf(Certificate.objects.get(pk=certificate.pk))

    images = PdfReader(io.BytesIO(pdf)).pages[0].images
    assert len(images) == 3  # logo, signature, QR code
    assert len(pdf) <= 200 * 1024
    assert max(image.image.width for image in images) <= 900  # scaled down when frozen


def preview_pdf(page: str) -> bytes:
    """The sample PDF inside the preview panel's page (a data: URL)."""
    import base64
    import re

    match = re.search(r'src="data:application/pdf;base64,([A-Za-z0-9+/=]+)"', page)
    assert match, page[:300]
    pdf = base64.b64decode(match.group(1))
    assert pdf.startswith(b"%PDF-")
    return pdf


def test_the_live_preview_is_a_sample_pdf_with_the_unsaved_values(client, template, editor):
    client.force_login(editor)
    url = reverse(PREVIEW, args=[template.pk])

    state = client.post(url, form_data(template, title="見本の表題", primary_colour="#8a1538")).json()
    response = client.get(url)

    assert state == {"is_valid": True, "is_available": True}
    # The panel's page shows the PDF; our CSP (frame-ancestors 'none') must not block the panel.
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Security-Policy" not in response
    text = pdf_text(preview_pdf(response.content.decode()))
    assert "見本の表題" in text and "見本 花子" in text and "見本" in text
    assert CertificateTemplate.objects.get().title == "修了証"  # nothing saved
    assert CertificateTemplateVersion.objects.count() == 1


def test_the_edit_screen_documents_the_placeholders_and_offers_the_preview(client, template, editor):
    client.force_login(editor)

    page = client.get(reverse(EDIT, args=[template.pk])).content.decode()

    assert "{course}" in page and "{name}" in page
    assert reverse(PREVIEW, args=[template.pk]) in page
    assert "data-w-autosave-interval-value" not in page  # typing must not make a half-done design live


def test_the_certificate_admin_shows_the_template_version(client, template, settings):
    certificate = issue(1)
    admin = UserFactory(is_superuser=True, is_staff=True, is_demo=True)
    client.force_login(admin)

    page = client.get(reverse("certificates_admin_detail", args=[certificate.code])).content.decode()

    assert "標準の修了証（第1版）" in page


def test_an_invalid_preview_is_not_available(client, template, editor):
    client.force_login(editor)

    state = client.post(reverse(PREVIEW, args=[template.pk]), form_data(template, body="{oops}")).json()

    assert state["is_valid"] is False


@pytest.mark.parametrize("group_name", [roles.ANALYST, roles.TEACHER, None])
def test_only_editors_can_preview_or_edit_the_template(client, template, group_name):
    user = staff(group_name) if group_name else UserFactory(is_demo=True)
    client.force_login(user)

    for response in (client.get(reverse(PREVIEW, args=[template.pk])), client.get(reverse(EDIT, args=[template.pk]))):
        assert response.status_code in (302, 403)
        assert response.get("Content-Type") != "application/pdf"


def test_moderators_may_edit_the_template_too():
    group = roles.ensure_groups()[roles.MODERATOR]

    assert group.permissions.filter(codename="change_certificatetemplate").exists()
    assert not group.permissions.filter(codename="delete_certificatetemplate").exists()


def test_only_one_template_is_active(template):
    other = CertificateTemplate(
        name="別の修了証",
        body="{name}",
        issuer_name="発行者",
        title="修了証",
    )
    other.full_clean()
    other.save()

    template.refresh_from_db()
    assert (template.is_active, other.is_active) == (False, True)
    assert issue(1).template_version.template == other
