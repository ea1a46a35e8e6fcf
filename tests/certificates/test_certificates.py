import collections
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import LearnerProfile
from certificates import services
from certificates.models import Certificate
from tests.courses.conftest import finish, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def completed(client, learner, course):
    """The learner (山田 太郎, 東京都) completed the three-lesson course."""
    course_page, lessons = course
    client.force_login(learner)
    start(client, course_page)
    for lesson in lessons:
        finish(client, lesson)
    return course_page


def test_completing_a_course_issues_one_certificate(client, learner, completed, course):
    _course_page, lessons = course
    finish(client, lessons[-1])  # a retry

    certificate = Certificate.objects.get()
    assert (certificate.user, certificate.holder_name, certificate.course_title) == (
        learner,
        "山田 太郎",
        completed.title,
    )
    assert len(certificate.code) == 10 and set(certificate.code) <= set(services.ALPHABET)


def test_codes_use_every_symbol_of_the_alphabet_evenly():
    """Each character is a random byte modulo the alphabet's size: uniform only while 256 is a
    multiple of it."""
    assert 256 % len(services.ALPHABET) == 0
    counts = collections.Counter("".join(services.new_code() for _ in range(3200)))
    assert set(counts) == set(services.ALPHABET)
    # 32,000 characters, 1,000 expected per symbol: far outside ±200 only if biased.
    assert all(800 < n < 1200 for n in counts.values())
    assert len({services.new_code() for _ in range(1000)}) == 1000


def test_the_pdf_is_a4_with_the_japanese_text_the_font_embedded_and_the_verify_url(client, completed):
    response = client.get(reverse("certificates:download", args=[completed.pk]))

    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    page = reader.pages[0]
    assert [round(float(v)) for v in page.mediabox[2:]] == [595, 842]
    text = page.extract_text()
    code = Certificate.objects.get().code
    for expected in (
        "修了証",
        "山田 太郎",
        completed.title,
        "令和",
        services.format_code(code),
        f"/certificates/verify/{code}/",
    ):
        assert expected in text, expected
    fonts = {font["/BaseFont"] for font in page["/Resources"]["/Font"].values()}
    assert any("BIZUDPGothic" in str(name) for name in fonts)
    assert b"/FontFile2" in response.content  # the TrueType subset is embedded
    assert "国家資格や公的な資格ではありません" in text


def test_a_name_the_font_cannot_print_is_refused_with_a_clear_message(client, learner, completed):
    certificate = Certificate.objects.get()
    certificate.holder_name = "\U0002a6a5 花子"  # a character outside the font
    certificate.save()

    response = client.get(reverse("certificates:download", args=[completed.pk]))

    assert response.status_code == 400
    assert "印字できません" in response.content.decode()


def test_someone_elses_certificate_cannot_be_downloaded(client, completed):
    from accounts.factories import LearnerProfileFactory

    client.force_login(LearnerProfileFactory().user)

    assert client.get(reverse("certificates:download", args=[completed.pk])).status_code == 404


def test_anyone_can_verify_a_certificate_with_the_name_masked(client, completed):
    code = Certificate.objects.get().code
    client.logout()

    page = client.get(reverse("certificates:verify_code", args=[code])).content.decode()
    api = client.get(f"/api/v1/certificates/{code}").json()

    assert "有効な修了証です" in page and "山田 ○○" in page and "太郎" not in page
    assert api == {
        "valid": True,
        "revoked": False,
        "superseded": False,
        "course": completed.title,
        "audience": "general",
        "issued_on": Certificate.objects.get().issued_on.isoformat(),
        "holder": "山田 ○○",
    }


def test_a_revoked_certificate_says_so(client, completed):
    from django.utils import timezone

    Certificate.objects.update(revoked_at=timezone.now(), revoked_reason="誤発行")
    code = Certificate.objects.get().code

    api = client.get(f"/api/v1/certificates/{code}").json()

    assert (api["valid"], api["revoked"]) == (False, True)
    assert "取り消されています" in client.get(reverse("certificates:verify_code", args=[code])).content.decode()


def test_an_unknown_code_gets_a_helpful_page(client, db):
    response = client.get(reverse("certificates:verify_code", args=["ABCDE23456"]))

    assert response.status_code == 404
    assert "見つかりませんでした" in response.content.decode()
    assert client.get("/api/v1/certificates/ABCDE23456").json()["valid"] is False


def test_verification_is_rate_limited_per_client(client, db):
    for _ in range(30):
        client.get("/api/v1/certificates/ABCDE23456")

    assert client.get("/api/v1/certificates/ABCDE23456").status_code == 429
    assert client.get(reverse("certificates:verify_code", args=["ABCDE23456"])).status_code == 429


def test_masking_keeps_only_the_family_name():
    assert services.mask_name("山田 太郎") == "山田 ○○"
    assert services.mask_name("山田太郎") == "山○○"
    assert services.mask_name("") == "○○"


def test_the_holder_name_comes_from_the_profile_at_completion(client, learner, course):
    LearnerProfile.objects.filter(user=learner).update(display_name="つながり 次郎")
    course_page, lessons = course
    client.force_login(learner)
    start(client, course_page)
    for lesson in lessons:
        finish(client, lesson)

    assert Certificate.objects.get().holder_name == "つながり 次郎"


def test_the_signed_credential_verifies_with_the_published_key_and_fails_when_altered(client, completed):
    from certificates.credentials import verify_jwt

    token = client.get(reverse("certificates:credential", args=[completed.pk])).content.decode()
    jwk = client.get("/.well-known/jwks.json").json()["keys"][0]

    credential = verify_jwt(token, jwk)
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["credentialSubject"]["name"] == "山田 太郎"
    assert jwk["crv"] == "Ed25519" and "d" not in jwk  # the private part is never published
    header, payload, signature = token.split(".")
    flipped = payload[:10] + ("A" if payload[10] != "A" else "B") + payload[11:]
    with pytest.raises(ValueError):
        verify_jwt(f"{header}.{flipped}.{signature}", jwk)


def test_a_name_change_is_reissued_under_a_new_number_and_the_old_one_says_superseded(client, learner, completed):
    LearnerProfile.objects.filter(user=learner).update(display_name="山田 花")
    old = Certificate.objects.get()

    client.post(reverse("certificates:reissue", args=[completed.pk]))

    new = Certificate.objects.exclude(pk=old.pk).get()
    assert (new.holder_name, new.replaces_id) == ("山田 花", old.pk) and new.code != old.code
    old_check = client.get(f"/api/v1/certificates/{old.code}").json()
    assert (old_check["valid"], old_check["superseded"]) == (False, True)
    assert client.get(f"/api/v1/certificates/{new.code}").json()["valid"] is True
    page = client.get(reverse("certificates:verify_code", args=[old.code])).content.decode()
    assert services.format_code(new.code) in page
    assert [e.action for e in old.events.all()] == ["issued", "superseded"]
    assert new.events.get().actor == learner


@pytest.mark.parametrize(
    ("name", "message"),
    [("山田\x07太郎", "制御文字"), ("あ" * 200, "60文字以内"), ("\U0002a6a5", "印字できません")],
)
def test_a_bad_name_for_a_reissue_is_refused_and_changes_nothing(client, learner, completed, name, message):
    LearnerProfile.objects.filter(user=learner).update(display_name=name[:60] if len(name) <= 60 else "x")
    with pytest.raises(services.CertificateError, match=message):
        services.reissue(Certificate.objects.get(), actor=learner, holder_name=name)

    assert Certificate.objects.count() == 1


def test_revoking_needs_a_reason_and_is_audited(completed, db):
    from accounts.factories import UserFactory

    admin = UserFactory(is_superuser=True)
    certificate = Certificate.objects.get()

    with pytest.raises(services.CertificateError, match="理由を入力してください"):
        services.revoke(certificate, actor=admin, reason="  ")
    certificate.refresh_from_db()
    assert certificate.revoked_at is None

    services.revoke(certificate, actor=admin, reason="本人からの申し出")
    event = certificate.events.get(action="revoked")
    assert (event.actor, event.reason) == (admin, "本人からの申し出")


def test_overlong_or_malformed_codes_are_simply_unknown(client, db):
    for code in ("A" * 200, "<script>", "ABCDE-23456-EXTRA"):
        response = client.get(f"/api/v1/certificates/{code}")
        assert response.status_code == 200 and response.json()["valid"] is False


def test_a_re_download_is_served_without_rendering_again(client, completed, monkeypatch):
    calls = []
    original = services.render_pdf
    monkeypatch.setattr(services, "render_pdf", lambda certificate: calls.append(1) or original(certificate))
    url = reverse("certificates:download", args=[completed.pk])

    first, second = client.get(url), client.get(url)

    assert first.content == second.content
    assert len(calls) == 1


@pytest.mark.django_db
def test_an_administrator_revokes_with_a_reason_in_the_admin(client, completed, settings):
    from accounts.factories import UserFactory

    settings.ADMIN_2FA_EXEMPT_DEMO_ACCOUNTS = True
    admin = UserFactory(is_superuser=True, is_staff=True, is_demo=True)
    client.force_login(admin)
    certificate = Certificate.objects.get()
    url = reverse("certificates_admin_detail", args=[certificate.code])

    refused = client.post(url, {"action": "revoke", "reason": ""}, follow=True)
    certificate.refresh_from_db()
    assert "取り消しの理由を入力してください" in refused.content.decode() and certificate.revoked_at is None

    client.post(url, {"action": "revoke", "reason": "誤って発行"})
    certificate.refresh_from_db()
    assert certificate.revoked_reason == "誤って発行"
    assert client.get(f"/api/v1/certificates/{certificate.code}").json()["revoked"] is True


def test_a_learner_cannot_open_the_certificate_admin(client, learner, completed):
    client.force_login(learner)

    response = client.get(reverse("certificates_admin"))

    assert response.status_code in (302, 403)


def test_the_qr_code_on_the_pdf_decodes_to_the_verify_url(client, completed):
    import zxingcpp

    response = client.get(reverse("certificates:download", args=[completed.pk]))
    images = PdfReader(io.BytesIO(response.content)).pages[0].images

    decoded = [result.text for image in images for result in zxingcpp.read_barcodes(image.image)]

    assert decoded == [services.verify_url(Certificate.objects.get().code)]
