"""Issuing, rendering and verifying certificates. Takes plain values; knows nothing of courses."""

from __future__ import annotations

import datetime
import hashlib
import io
import secrets
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from certificates.models import Certificate, CertificateEvent
from core import dates

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
CODE_LENGTH = 10
FONT_DIR = Path(settings.BASE_DIR) / "node_modules" / "@expo-google-fonts" / "biz-udpgothic"
FONT_REGULAR = FONT_DIR / "400Regular" / "BIZUDPGothic_400Regular.ttf"
FONT_BOLD = FONT_DIR / "700Bold" / "BIZUDPGothic_700Bold.ttf"


class CertificateError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """TSN-XXXXX-XXXXX, easier to read aloud and type."""
    return f"{code[:5]}-{code[5:]}"


def normalise_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[: CODE_LENGTH + 2]


def issue(
    *,
    source_key: str,
    user,
    holder_name: str,
    course_id: int,
    course_title: str,
    audience: str,
    curriculum_version: str,
    issued_on: datetime.date,
) -> tuple[Certificate, bool]:
    """Issue the certificate for one completion, once: the same `source_key` returns the first."""
    existing = Certificate.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing, False
    for _attempt in range(5):
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(
                    code=new_code(),
                    source_key=source_key,
                    user=user,
                    holder_name=holder_name,
                    course_id=course_id,
                    course_title=course_title,
                    audience=audience,
                    curriculum_version=curriculum_version,
                    issued_on=issued_on,
                )
                CertificateEvent.objects.create(certificate=certificate, action=CertificateEvent.Action.ISSUED)
                return certificate, True
        except IntegrityError:
            existing = Certificate.objects.filter(source_key=source_key).first()
            if existing is not None:
                return existing, False  # a concurrent completion issued it
    raise CertificateError("could not allocate a certificate code")


def clean_holder_name(name: str) -> str:
    """A printable name: no control characters, at most 60 characters, every character printable
    in the certificate font. Raises CertificateError with the reason."""
    import unicodedata

    name = " ".join((name or "").split())
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise CertificateError(_("名前に制御文字は使えません。"))
    if len(name) > 60:
        raise CertificateError(_("名前は60文字以内にしてください（いまは%(n)d文字です）。") % {"n": len(name)})
    missing = missing_characters(name)
    if missing:
        raise CertificateError(
            _("次の文字は修了証のフォントにないため印字できません：%(chars)s。") % {"chars": "".join(missing)}
        )
    return name


def reissue(certificate: Certificate, *, actor, holder_name: str, reason: str = "") -> Certificate:
    """A new certificate with a new number for a new name; the old one points to it and, when
    verified, says it was superseded. Both are recorded in the audit trail."""
    from django.utils import timezone

    holder_name = clean_holder_name(holder_name)
    with transaction.atomic():
        old = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if old.revoked_at is not None:
            raise CertificateError(_("取り消された修了証は再発行できません。"))
        if old.superseded_at is not None:
            raise CertificateError(_("この修了証はすでに再発行されています。新しい番号の修了証を使ってください。"))
        count = Certificate.objects.filter(source_key__startswith=old.source_key.split(":reissue:")[0]).count()
        new = Certificate.objects.create(
            code=new_code(),
            source_key=f"{old.source_key.split(':reissue:')[0]}:reissue:{count}",
            user=old.user,
            holder_name=holder_name,
            course_id=old.course_id,
            course_title=old.course_title,
            audience=old.audience,
            curriculum_version=old.curriculum_version,
            issued_on=old.issued_on,
            reissued_at=timezone.now(),
            replaces=old,
        )
        old.superseded_at = new.reissued_at
        old.save(update_fields=["superseded_at"])
        CertificateEvent.objects.create(
            certificate=old, action=CertificateEvent.Action.SUPERSEDED, actor=actor, reason=reason
        )
        CertificateEvent.objects.create(
            certificate=new, action=CertificateEvent.Action.REISSUED, actor=actor, reason=reason
        )
    return new


def revoke(certificate: Certificate, *, actor, reason: str) -> Certificate:
    """Withdraw a certificate. A reason is required and kept in the audit trail."""
    from django.utils import timezone

    reason = " ".join((reason or "").split())
    if not reason:
        raise CertificateError(_("取り消しの理由を入力してください。"))
    if len(reason) > 200:
        raise CertificateError(_("理由は200文字以内にしてください。"))
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.revoked_at is not None:
            raise CertificateError(_("この修了証はすでに取り消されています。"))
        locked.revoked_at = timezone.now()
        locked.revoked_reason = reason
        locked.save(update_fields=["revoked_at", "revoked_reason"])
        CertificateEvent.objects.create(
            certificate=locked, action=CertificateEvent.Action.REVOKED, actor=actor, reason=reason
        )
    return locked


def mask_name(name: str) -> str:
    """山田 太郎 → 山田 ○○; 山田太郎 → 山○○; empty → ○○."""
    name = " ".join((name or "").split())
    if not name:
        return "○○"
    if " " in name:
        return f"{name.split(' ')[0]} ○○"
    return f"{name[0]}○○"


def verification(code: str) -> dict:
    """What anyone may learn from a certificate code (the API's and the verify page's data)."""
    certificate = Certificate.objects.filter(code=normalise_code(code)).first()
    if certificate is None:
        return {
            "valid": False,
            "revoked": False,
            "superseded": False,
            "course": None,
            "audience": None,
            "issued_on": None,
            "holder": None,
        }
    replacement = certificate.replaced_by.order_by("pk").first() if certificate.superseded_at else None
    return {
        "valid": certificate.revoked_at is None and certificate.superseded_at is None,
        "revoked": certificate.revoked_at is not None,
        "superseded": certificate.superseded_at is not None,
        "replaced_by": format_code(replacement.code) if replacement else None,
        "course": certificate.course_title,
        "audience": certificate.audience,
        "issued_on": certificate.issued_on.isoformat(),
        "holder": mask_name(certificate.holder_name),
        "curriculum_version": certificate.curriculum_version,
        "code": format_code(certificate.code),
    }


def verify_url(code: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/certificates/verify/{code}/"


@cache
def _fonts() -> tuple[str, str, object]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    regular, bold = TTFont("BIZUDPGothic", str(FONT_REGULAR)), TTFont("BIZUDPGothic-Bold", str(FONT_BOLD))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(bold)
    return "BIZUDPGothic", "BIZUDPGothic-Bold", regular


def missing_characters(text: str) -> list[str]:
    """Characters of `text` the embedded font cannot draw (they would print as empty boxes)."""
    _regular, _bold, font = _fonts()
    cmap = font.face.charToGlyph
    return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})


def render_pdf(certificate: Certificate) -> bytes:
    """An A4 certificate with the Japanese font embedded (subset), QR code and verify URL."""
    import qrcode
    from reportlab.lib.colors import HexColor
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    missing = missing_characters(certificate.holder_name + certificate.course_title)
    if missing:
        raise CertificateError(
            _(
                "次の文字は修了証のフォントにないため印字できません：%(chars)s。プロフィールの表示名を変えてから、もう一度ダウンロードしてください。"
            )
            % {"chars": "".join(missing)}
        )
    regular, bold, _font = _fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    width, height = A4
    pdf.setTitle(f"修了証 {format_code(certificate.code)}")
    pdf.setAuthor("つながりサポーター学習プラットフォーム")
    navy = HexColor("#0017c1")
    pdf.setStrokeColor(navy)
    pdf.setLineWidth(3)
    pdf.rect(36, 36, width - 72, height - 72)
    pdf.setFillColor(navy)
    pdf.setFont(bold, 30)
    pdf.drawCentredString(width / 2, height - 150, "修了証")
    pdf.setFillColor(HexColor("#1a1a1a"))
    pdf.setFont(regular, 11)
    pdf.drawCentredString(width / 2, height - 175, "Certificate of completion")
    pdf.setFont(bold, 24)
    pdf.drawCentredString(width / 2, height - 260, f"{certificate.holder_name or '　'}　様")
    pdf.setFont(regular, 13)
    lines = [
        "あなたは、つながりサポーター学習プラットフォームの",
        f"「{certificate.course_title}」",
        "を修了したことを証します。",
    ]
    for index, line in enumerate(lines):
        pdf.drawCentredString(width / 2, height - 330 - index * 24, line)
    issued = certificate.issued_on
    pdf.setFont(regular, 12)
    pdf.drawCentredString(width / 2, height - 430, f"修了日　{dates.wareki(issued)}（{dates.seireki(issued)}）")
    pdf.drawCentredString(width / 2, height - 452, f"カリキュラム {certificate.curriculum_version}")
    pdf.drawCentredString(width / 2, height - 474, f"証明書番号　{format_code(certificate.code)}")
    pdf.setFont(bold, 13)
    pdf.drawCentredString(width / 2, height - 530, "つながりサポーター学習プラットフォーム")
    url = verify_url(certificate.code)
    image = qrcode.make(url, box_size=4, border=1)
    image_buffer = io.BytesIO()
    image.save(image_buffer, format="PNG")
    image_buffer.seek(0)
    pdf.drawImage(ImageReader(image_buffer), width / 2 - 50, 150, width=100, height=100)
    pdf.setFont(regular, 9)
    pdf.drawCentredString(width / 2, 135, "この修了証が本物かどうかは、QRコードか次のURLで確かめられます。")
    pdf.drawCentredString(width / 2, 120, url)
    pdf.setFont(regular, 8)
    pdf.drawCentredString(
        width / 2, 70, "この修了証は、本プラットフォームの講座を修了した記録です。国家資格や公的な資格ではありません。"
    )
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def pdf_for_download(certificate: Certificate) -> bytes:
    """The PDF, rendered once per certificate state and then served from the cache (a re-download
    does not render again; a reissue or revocation changes the key)."""
    from django.core.cache import cache

    stamp = certificate.reissued_at.isoformat() if certificate.reissued_at else "0"
    name = hashlib.sha256(certificate.holder_name.encode()).hexdigest()[:16]
    key = f"certificates:pdf:{certificate.code}:{stamp}:{name}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = render_pdf(certificate)
        cache.set(key, pdf, 60 * 60 * 24)
    return pdf
