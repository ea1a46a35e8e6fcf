"""The editable certificate template: validation, immutable versions, and the admin's live preview.

A template is edited in the Wagtail admin; every save that changes what is printed freezes a
`CertificateTemplateVersion` (text, colours and the images as bytes). Certificates point to the
version they were issued with and are always drawn with it (`services.design_for`).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import re
import string
import unicodedata

from csp.decorators import csp_exempt
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _

from certificates import services
from certificates.models import Certificate, CertificateTemplate, CertificateTemplateVersion

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_BODY_LINES = 7
# Words that would make the page look like a public qualification; the certificate only records
# completing a course on this platform (DOMAIN.md §7).
OFFICIAL_LOOKING = ("国家資格", "公的資格", "資格証", "免許", "認定証", "合格証", "公認", "官公庁")
IMAGE_FORMATS = {"PNG", "JPEG"}
LOGO_BOX = (900, 270)  # pixels kept in a version (printed at most 160×48 pt: ~400 dpi)
SIGNATURE_BOX = (750, 250)


def _luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_on_white(hex_colour: str) -> float:
    return 1.05 / (_luminance(hex_colour) + 0.05)


def validate_colour(value: str, *, minimum_contrast: float = 4.5) -> None:
    if not HEX_COLOUR.match(value or ""):
        raise ValidationError(
            _("色は #0017c1 のように、# と6桁の16進数（0〜9、a〜f）で入力してください。"), code="colour_format"
        )
    ratio = contrast_on_white(value)
    if ratio < minimum_contrast:
        raise ValidationError(
            _("この色は白地に対して薄すぎます（コントラスト比 %(ratio).1f、%(minimum).1f 以上が必要です）。")
            % {"ratio": ratio, "minimum": minimum_contrast},
            code="colour_contrast",
        )


def placeholder_errors(body: str) -> list[str]:
    """Japanese messages for placeholders the body may not use (empty when all are fine)."""
    allowed = "、".join("{" + name + "}" for name in services.TEMPLATE_PLACEHOLDERS)
    try:
        parsed = list(string.Formatter().parse(body))
    except ValueError:
        return [_("本文の { と } の対応が正しくありません。使える差し込みは %(allowed)s です。") % {"allowed": allowed}]
    errors = []
    for _text, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in services.TEMPLATE_PLACEHOLDERS or spec or conversion:
            written = "{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            errors.append(
                _("本文の差し込み %(field)s は使えません。使えるのは %(allowed)s です。")
                % {"field": written, "allowed": allowed}
            )
    return errors


def _text_errors(value: str, *, multiline: bool = False) -> list[str]:
    errors = []
    if any(unicodedata.category(ch).startswith("C") and not (multiline and ch in "\r\n") for ch in value):
        errors.append(_("制御文字は使えません。"))
    missing = services.missing_characters(value)
    if missing:
        errors.append(
            _("次の文字は修了証のフォントにないため印字できません：%(chars)s。") % {"chars": "".join(missing)}
        )
    for word in OFFICIAL_LOOKING:
        if word in value:
            errors.append(
                _("「%(word)s」のような、公的な資格と誤解される言葉は使えません。この修了証は講座を修了した記録です。")
                % {"word": word}
            )
    return errors


def _image_error(image) -> str | None:
    if image is None:
        return None
    from PIL import Image

    try:
        with image.open_file() as handle:
            kind = Image.open(handle).format
    except Exception:
        return _("画像を読み込めませんでした。PNG か JPEG の画像を選んでください。")
    if kind not in IMAGE_FORMATS:
        return _("PNG か JPEG の画像を選んでください（この画像は %(kind)s です）。") % {"kind": kind or "?"}
    return None


def validate_template(template: CertificateTemplate) -> None:
    """Raise ValidationError (per field, in Japanese) for anything that would print wrongly."""
    errors: dict[str, list[str]] = {}
    for name in ("title", "subtitle", "issuer_name"):
        found = _text_errors(getattr(template, name) or "")
        if found:
            errors[name] = found
    body = (template.body or "").replace("\r\n", "\n")
    body_errors = _text_errors(body, multiline=True) + placeholder_errors(body)
    if len(body.split("\n")) > MAX_BODY_LINES:
        body_errors.append(_("本文は%(max)d行以内にしてください。") % {"max": MAX_BODY_LINES})
    if not body_errors:
        # The wrapped, filled-in body must also fit: a long course title makes it longer.
        regular, _bold, _font = services._fonts()
        sample = services.fill_body(body, _sample_values(template))
        if len(services._wrap(sample, regular, 13, services.BODY_WIDTH)) > MAX_BODY_LINES:
            body_errors.append(_("本文が長すぎて1ページに収まりません。短くしてください。"))
    if body_errors:
        errors["body"] = body_errors
    for name in ("logo", "signature"):
        error = _image_error(getattr(template, name))
        if error:
            errors[name] = [error]
    if errors:
        raise ValidationError(errors)


def _sample_values(template) -> dict[str, str]:
    return {
        "name": "見本 花子",
        "course": "つながりサポーター講座（一般向け）",
        "audience": services.audience_label("general"),
        "date": "令和8年11月26日",
        "issuer": template.issuer_name,
        "version": "2026.1",
    }


def _image_bytes(image, box: tuple[int, int]) -> bytes | None:
    """The image scaled down to fit `box`, as PNG (keeps transparency) or JPEG (photographs)."""
    if image is None:
        return None
    from PIL import Image

    with image.open_file() as handle:
        picture = Image.open(handle)
        picture.load()
    kind = picture.format
    picture.thumbnail(box)
    output = io.BytesIO()
    if kind == "JPEG" and picture.mode in ("RGB", "L"):
        picture.save(output, format="JPEG", quality=85, optimize=True)
    else:
        if picture.mode not in ("RGB", "RGBA", "L", "LA"):
            picture = picture.convert("RGBA")
        picture.save(output, format="PNG", optimize=True)
    return output.getvalue()


def _snapshot(template: CertificateTemplate) -> dict:
    return {
        "title": template.title,
        "subtitle": template.subtitle,
        "body": (template.body or "").replace("\r\n", "\n"),
        "issuer_name": template.issuer_name,
        "primary_colour": template.primary_colour.lower(),
        "text_colour": template.text_colour.lower(),
        "logo_data": _image_bytes(template.logo, LOGO_BOX),
        "signature_data": _image_bytes(template.signature, SIGNATURE_BOX),
    }


def _digest(snapshot: dict) -> str:
    text = {key: value for key, value in snapshot.items() if not key.endswith("_data")}
    digest = hashlib.sha256(json.dumps(text, sort_keys=True, ensure_ascii=False).encode())
    for key in ("logo_data", "signature_data"):
        digest.update(b"\0" + (snapshot[key] or b""))
    return digest.hexdigest()


def freeze_version(template: CertificateTemplate) -> CertificateTemplateVersion:
    """The template's latest version, making a new one when what is printed has changed."""
    snapshot = _snapshot(template)
    digest = _digest(snapshot)
    with transaction.atomic():
        latest = (
            CertificateTemplateVersion.objects.select_for_update().filter(template=template).order_by("-number").first()
        )
        if latest is not None and latest.digest == digest:
            return latest
        return CertificateTemplateVersion.objects.create(
            template=template, number=(latest.number + 1) if latest else 1, digest=digest, **snapshot
        )


def design_of_version(version: CertificateTemplateVersion) -> services.Design:
    return services.Design(
        title=version.title,
        subtitle=version.subtitle,
        body=version.body,
        issuer_name=version.issuer_name,
        primary_colour=version.primary_colour,
        text_colour=version.text_colour,
        logo=bytes(version.logo_data) if version.logo_data else None,
        signature=bytes(version.signature_data) if version.signature_data else None,
    )


def design_of_template(template: CertificateTemplate) -> services.Design:
    """The design as currently typed in the form (not saved): for the preview."""
    snapshot = _snapshot(template)
    return services.Design(
        title=snapshot["title"],
        subtitle=snapshot["subtitle"],
        body=snapshot["body"],
        issuer_name=snapshot["issuer_name"],
        primary_colour=snapshot["primary_colour"],
        text_colour=snapshot["text_colour"],
        logo=snapshot["logo_data"],
        signature=snapshot["signature_data"],
    )


def current_version() -> CertificateTemplateVersion | None:
    return current_versions().first()


def current_versions():
    """The active template's versions, newest first: a new certificate is printed with the first."""
    return CertificateTemplateVersion.objects.filter(template__is_active=True).order_by("-number")


SAMPLE_CODE = "MHN2345678"


def sample_pdf(design: services.Design) -> bytes:
    """A sample certificate marked 見本 (sample), for the admin's preview."""
    sample = Certificate(
        code=SAMPLE_CODE,
        holder_name="見本 花子",
        course_id=0,
        course_title="つながりサポーター講座（一般向け）",
        audience="general",
        curriculum_version="2026.1",
        issued_on=datetime.date.today(),
    )
    return services.render_pdf(sample, design=design, sample=True)


def preview_response(template: CertificateTemplate) -> HttpResponse:
    """The admin preview panel's page: the sample PDF inside a small HTML page.

    Not the PDF itself: an iframe showing a PDF does not fire its "load" event in current
    Chromium's PDF viewer, and Wagtail's panel waits for that event before it sends the next
    change. The PDF travels inside the page (a data: URL), because Wagtail renders a preview
    through a stand-in request for "/" that carries no query of ours."""
    import base64

    from django.utils.html import escape
    from django.utils.translation import get_language
    from django.utils.translation import gettext as _

    pdf = base64.b64encode(sample_pdf(design_of_template(template))).decode("ascii")
    title = _("修了証の見本（PDF）")
    html = (
        f'<!DOCTYPE html><html lang="{escape(get_language() or "ja")}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>"
        '<body style="margin:0;height:100vh">'
        f'<iframe title="{escape(title)}" src="data:application/pdf;base64,{pdf}" '
        'style="border:0;width:100%;height:100%"></iframe></body></html>'
    )
    # The stand-in request is for "/", which our CSP (frame-ancestors 'none') would cover; the
    # admin's panel must frame this page (Wagtail's view sets X-Frame-Options: SAMEORIGIN).
    return csp_exempt()(HttpResponse)(html)
