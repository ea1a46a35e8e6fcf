"""Issuing, rendering and verifying certificates. Takes plain values; knows nothing of courses."""

from __future__ import annotations

import datetime
import hashlib
import io
import secrets
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from certificates.models import Certificate, CertificateEvent
from core import dates

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I; 32 symbols (see new_code)
CODE_LENGTH = 10
FONT_DIR = Path(settings.BASE_DIR) / "node_modules" / "@expo-google-fonts" / "biz-udpgothic"
FONT_REGULAR = FONT_DIR / "400Regular" / "BIZUDPGothic_400Regular.ttf"
FONT_BOLD = FONT_DIR / "700Bold" / "BIZUDPGothic_700Bold.ttf"


class CertificateError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def new_code() -> str:
    """Ten characters of ALPHABET from one read of the system's random source (32 symbols: each
    random byte modulo 32 is uniform, 50 bits in all)."""
    return "".join(ALPHABET[byte % len(ALPHABET)] for byte in secrets.token_bytes(CODE_LENGTH))


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
    from certificates.design import current_version

    template_version = current_version()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                certificate = new_certificate(
                    source_key=source_key,
                    user=user,
                    holder_name=holder_name,
                    course_id=course_id,
                    course_title=course_title,
                    audience=audience,
                    curriculum_version=curriculum_version,
                    issued_on=issued_on,
                    template_version=template_version,
                )
                certificate.save(force_insert=True)
                CertificateEvent.objects.create(certificate=certificate, action=CertificateEvent.Action.ISSUED)
                return certificate, True
        except IntegrityError:
            existing = Certificate.objects.filter(source_key=source_key).first()
            if existing is not None:
                return existing, False  # a concurrent completion issued it
    raise CertificateError("could not allocate a certificate code")


def new_certificate(*, template_version=None, **values) -> Certificate:
    """A certificate with a new code and the values `issue` takes, not saved."""
    return Certificate(code=new_code(), template_version=template_version, **values)


def clean_holder_name(name: str) -> str:
    """A printable name: no control characters, at most 60 characters, every character printable
    in the certificate font. Raises CertificateError with the reason."""
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
            template_version_id=old.template_version_id,  # same design, new name
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
    from reportlab import rl_config
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    # Streams are Flate-compressed; ASCII85 on top only makes them 25% larger and slower to write.
    rl_config.useA85 = 0
    regular, bold = TTFont("BIZUDPGothic", str(FONT_REGULAR)), TTFont("BIZUDPGothic-Bold", str(FONT_BOLD))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(bold)
    return "BIZUDPGothic", "BIZUDPGothic-Bold", regular


def missing_characters(text: str) -> list[str]:
    """Characters of `text` the embedded font cannot draw (they would print as empty boxes)."""
    _regular, _bold, font = _fonts()
    cmap = font.face.charToGlyph
    return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})


@dataclass(frozen=True)
class Design:
    """What an editor can change on the certificate (one template version), as plain values.

    `body` may contain the placeholders of TEMPLATE_PLACEHOLDERS; lines are split on newlines and
    wrapped to the page width. Images are raw PNG/JPEG bytes (or None)."""

    title: str = "修了証"
    subtitle: str = "Certificate of completion"
    body: str = "あなたは、{issuer}の\n「{course}」（対象：{audience}）\nを修了したことを証します。"
    issuer_name: str = "つながりサポーター学習プラットフォーム"
    primary_colour: str = "#0017c1"
    text_colour: str = "#1a1a1a"
    logo: bytes | None = None
    signature: bytes | None = None


DEFAULT_DESIGN = Design()

# The placeholders the body text may use (documented in the template's help text).
TEMPLATE_PLACEHOLDERS = ("name", "course", "audience", "date", "issuer", "version")

DISCLAIMER = "この修了証は、本プラットフォームの講座を修了した記録です。国家資格や公的な資格ではありません。"
CLASS_LABEL = "クラス受講の参加証"
CLASS_NOTE = (
    "これは先生がクラスで受講した人のために印刷した参加証です。\n"
    "一人ずつ登録したものではないため、オンラインでの確認はできません。"
)
MAX_CLASS_NAMES = 200
BODY_WIDTH = 595 - 150  # A4 width less the margins, in points


def audience_label(audience: str) -> str:
    from core.enums import Audience

    try:
        return str(Audience(audience).label)
    except ValueError:
        return audience


def fill_body(body: str, values: dict[str, str]) -> str:
    """Replace {name}, {course} … in the body; unknown placeholders are left as written (they are
    refused when the template is saved)."""

    class _Keep(dict):
        def __missing__(self, key):
            return "{" + key + "}"

    try:
        return body.format_map(_Keep(values))
    except (ValueError, IndexError):
        return body


@lru_cache(maxsize=512)
def _wrap(text: str, font: str, size: float, max_width: float) -> tuple[str, ...]:
    """Split on newlines, then wrap each line by character (Japanese has no spaces to break at).
    Cached: a class PDF draws the same body on every page."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current, current_width = "", 0.0
        for ch in paragraph:
            ch_width = stringWidth(ch, font, size)
            if current and current_width + ch_width > max_width:
                lines.append(current)
                current, current_width = ch, ch_width
            else:
                current += ch
                current_width += ch_width
        lines.append(current)
    return tuple(lines)


def _image_reader(data: bytes | None):
    if not data:
        return None
    from reportlab.lib.utils import ImageReader

    try:
        return ImageReader(io.BytesIO(data))
    except Exception:  # an unreadable image is left out rather than breaking every certificate
        return None


def _draw_fitted_image(pdf, reader, *, centre_x: float, bottom: float, max_width: float, max_height: float) -> None:
    width, height = reader.getSize()
    scale = min(max_width / width, max_height / height)
    pdf.drawImage(reader, centre_x - width * scale / 2, bottom, width=width * scale, height=height * scale, mask="auto")


def _draw_page(
    pdf,
    design: Design,
    images: tuple,
    *,
    name: str,
    course_title: str,
    audience: str,
    completed_on: datetime.date,
    curriculum_version: str = "",
    code: str = "",
    issuer_note: str = "",
    sample: bool = False,
) -> None:
    """One A4 certificate page. With a `code`: number, QR code and verification URL; without one
    (a class certificate): a note that it is a class participation certificate, not verifiable online."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.pagesizes import A4

    regular, bold, _font = _fonts()
    logo, signature = images
    width, height = A4
    primary, text = HexColor(design.primary_colour), HexColor(design.text_colour)
    pdf.setStrokeColor(primary)
    pdf.setLineWidth(3)
    pdf.rect(36, 36, width - 72, height - 72)
    pdf.setLineWidth(0.8)
    pdf.rect(44, 44, width - 88, height - 88)
    if logo is not None:
        _draw_fitted_image(pdf, logo, centre_x=width / 2, bottom=height - 118, max_width=160, max_height=48)
    pdf.setFillColor(primary)
    pdf.setFont(bold, 30)
    pdf.drawCentredString(width / 2, height - 150, design.title)
    pdf.setFillColor(text)
    pdf.setFont(regular, 11)
    pdf.drawCentredString(width / 2, height - 175, CLASS_LABEL if not code else design.subtitle)
    pdf.setFont(bold, 24)
    pdf.drawCentredString(width / 2, height - 260, f"{name or '　'}　様")
    values = {
        "name": name,
        "course": course_title,
        "audience": audience,
        "date": dates.wareki(completed_on),
        "issuer": design.issuer_name,
        "version": curriculum_version,
    }
    pdf.setFont(regular, 13)
    lines = _wrap(fill_body(design.body, values), regular, 13, BODY_WIDTH)[:7]
    for index, line in enumerate(lines):
        pdf.drawCentredString(width / 2, height - 320 - index * 22, line)
    y = height - 320 - len(lines) * 22 - 20
    pdf.setFont(regular, 12)
    pdf.drawCentredString(width / 2, y, f"修了日　{dates.wareki(completed_on)}（{dates.seireki(completed_on)}）")
    y -= 22
    if curriculum_version:
        pdf.drawCentredString(width / 2, y, f"カリキュラム {curriculum_version}")
        y -= 22
    if code:
        pdf.drawCentredString(width / 2, y, f"証明書番号　{format_code(code)}")
        y -= 22
    if issuer_note:
        pdf.drawCentredString(width / 2, y, issuer_note)
        y -= 22
    if signature is not None:
        _draw_fitted_image(pdf, signature, centre_x=width / 2, bottom=y - 64, max_width=150, max_height=50)
        y -= 64
    pdf.setFont(bold, 13)
    pdf.drawCentredString(width / 2, y - 24, design.issuer_name)
    if code:
        import qrcode
        from reportlab.lib.utils import ImageReader

        url = verify_url(code)
        # A fixed mask pattern: every mask gives a valid code, and skipping the search for the
        # "best" one halves the rendering time.
        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=4, border=1, mask_pattern=0)
        qr.add_data(url)
        image = qr.make_image()
        image_buffer = io.BytesIO()
        image.save(image_buffer, format="PNG")
        image_buffer.seek(0)
        pdf.drawImage(ImageReader(image_buffer), width / 2 - 50, 150, width=100, height=100)
        pdf.setFont(regular, 9)
        pdf.drawCentredString(width / 2, 135, "この修了証が本物かどうかは、QRコードか次のURLで確かめられます。")
        pdf.drawCentredString(width / 2, 120, url)
    else:
        pdf.setFont(regular, 9)
        for index, line in enumerate(_wrap(CLASS_NOTE, regular, 9, width - 150)):
            pdf.drawCentredString(width / 2, 135 - index * 14, line)
    pdf.setFont(regular, 8)
    pdf.drawCentredString(width / 2, 70, DISCLAIMER)
    if sample:  # the admin's preview: marked so it cannot pass for a real certificate
        pdf.saveState()
        pdf.setFillColor(HexColor("#d0d0d0"), alpha=0.5)
        pdf.setFont(bold, 120)
        pdf.translate(width / 2, height / 2)
        pdf.rotate(35)
        pdf.drawCentredString(0, -40, "見本")
        pdf.restoreState()
    pdf.showPage()


def _new_canvas(buffer, title: str):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(title)
    pdf.setAuthor("つながりサポーター学習プラットフォーム")
    return pdf


def _images(design: Design) -> tuple:
    return _image_reader(design.logo), _image_reader(design.signature)


def design_for(certificate: Certificate) -> Design:
    """The design of the template version this certificate was issued with (the built-in default
    for certificates issued before templates existed). Editing the template never changes it."""
    if certificate.template_version_id is None:
        return DEFAULT_DESIGN
    from certificates.design import design_of_version

    return design_of_version(certificate.template_version)


def render_pdf(certificate: Certificate, design: Design | None = None, *, sample: bool = False) -> bytes:
    """An A4 certificate with the Japanese font embedded (subset), QR code and verify URL."""
    design = design or design_for(certificate)
    missing = missing_characters(certificate.holder_name + certificate.course_title)
    if missing:
        raise CertificateError(
            _(
                "次の文字は修了証のフォントにないため印字できません：%(chars)s。プロフィールの表示名を変えてから、もう一度ダウンロードしてください。"
            )
            % {"chars": "".join(missing)}
        )
    buffer = io.BytesIO()
    pdf = _new_canvas(buffer, f"修了証 {format_code(certificate.code)}")
    _draw_page(
        pdf,
        design,
        _images(design),
        name=certificate.holder_name,
        course_title=certificate.course_title,
        audience=audience_label(certificate.audience),
        completed_on=certificate.issued_on,
        curriculum_version=certificate.curriculum_version,
        code=certificate.code,
        sample=sample,
    )
    pdf.save()
    return buffer.getvalue()


def render_class_pdf(
    *,
    course_title: str,
    audience_label: str,
    completed_on: datetime.date,
    names: list[str],
    issuer_note: str = "",
    design: Design | None = None,
) -> bytes:
    """Certificates for a class a teacher ran: one A4 page per name, in one PDF (the font subset is
    embedded once for the whole document). The names are typed at print time and not stored; the
    pages carry no number or QR code and say they cannot be verified online.

    Raises django.core.exceptions.ValidationError naming the line of a name that cannot be printed.
    """
    from django.core.exceptions import ValidationError

    if not names:
        raise ValidationError(_("名前を1人以上入力してください。"), code="empty")
    if len(names) > MAX_CLASS_NAMES:
        raise ValidationError(
            _("一度に印刷できるのは%(max)d人までです（いまは%(n)d人です）。")
            % {"max": MAX_CLASS_NAMES, "n": len(names)},
            code="too_many",
        )
    cleaned = []
    for line, raw in enumerate(names, start=1):
        if not " ".join((raw or "").split()):
            raise ValidationError(_("%(line)d行目：名前が空です。") % {"line": line}, code="blank")
        try:
            cleaned.append(clean_holder_name(raw))
        except CertificateError as error:
            raise ValidationError(
                _("%(line)d行目（%(name)s）：%(reason)s") % {"line": line, "name": raw[:20], "reason": error.message},
                code="invalid_name",
            ) from error
    issuer_note = " ".join((issuer_note or "").split())
    if len(issuer_note) > 80:
        raise ValidationError(_("発行者の注記は80文字以内にしてください。"), code="note_too_long")
    missing = missing_characters(course_title + audience_label + issuer_note)
    if missing or any(unicodedata.category(ch).startswith("C") for ch in issuer_note):
        raise ValidationError(
            _("講座名か注記に印字できない文字があります：%(chars)s。") % {"chars": "".join(missing)}, code="font"
        )
    design = design or current_design()
    images = _images(design)
    buffer = io.BytesIO()
    pdf = _new_canvas(buffer, f"{CLASS_LABEL} {course_title}")
    for name in cleaned:
        _draw_page(
            pdf,
            design,
            images,
            name=name,
            course_title=course_title,
            audience=audience_label,
            completed_on=completed_on,
            issuer_note=issuer_note,
        )
    pdf.save()
    return buffer.getvalue()


def current_design() -> Design:
    """The design of the active certificate template (the built-in default before one is seeded)."""
    from certificates.design import current_version, design_of_version

    version = current_version()
    return design_of_version(version) if version is not None else DEFAULT_DESIGN


def pdf_for_download(certificate: Certificate, *, store: bool = True) -> bytes:
    """The PDF, rendered once per certificate state and then served from the cache (a re-download
    does not render again; a reissue or revocation changes the key). `store=False` (bulk zips)
    uses a cached copy when there is one but does not fill the cache."""
    from django.core.cache import cache

    stamp = certificate.reissued_at.isoformat() if certificate.reissued_at else "0"
    name = hashlib.sha256(certificate.holder_name.encode()).hexdigest()[:16]
    key = f"certificates:pdf:{certificate.code}:{stamp}:{name}:{certificate.template_version_id or 0}"
    pdf = cache.get(key)
    if pdf is None:
        pdf = render_pdf(certificate)
        if store:
            cache.set(key, pdf, 60 * 60 * 24)
    return pdf


def start_bulk_download(user, certificate_ids, label: str):
    """A zip of these certificates' PDFs, built in the background (see certificates/bulk.py).

    Returns the `BulkDownload`; send the user to `bulk.get_absolute_url()` to follow its progress
    and fetch the zip. Raises PermissionDenied unless the user is an organisation leader (or may
    administer certificates), and ValidationError (Japanese message) for an empty, unknown or
    overlong list or a bad label. The caller decides which certificates the user may have."""
    from certificates.bulk import start

    return start(user, certificate_ids, label)
