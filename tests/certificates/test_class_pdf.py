"""Class certificates: one page per pupil, names typed at print time and never stored."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from certificates import services
from certificates.models import Certificate

NAMES = [f"つながり 太郎{index}" for index in range(1, 41)]


def _class_pdf(names, **kwargs):
    return services.render_class_pdf(
        course_title="つながりサポーター講座（こども向け）",
        audience_label="こども",
        completed_on=datetime.date(2026, 11, 26),
        names=names,
        **kwargs,
    )


@pytest.mark.django_db
def test_a_class_pdf_has_one_page_per_name_each_with_its_name_and_no_number():
    pdf = _class_pdf(NAMES, issuer_note="つながり市立第一小学校 6年2組")

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 40
    for name, page in zip(NAMES, reader.pages, strict=True):
        text = page.extract_text()
        assert f"{name}　様" in text
        assert "つながりサポーター講座（こども向け）" in text and "令和8年11月26日" in text
        assert "クラス受講の参加証" in text and "オンラインでの確認はできません" in text.replace("\n", "")
        assert "証明書番号" not in text and "/certificates/verify/" not in text
        assert "国家資格や公的な資格ではありません" in text
        assert "6年2組" in text
        assert not page.images  # no QR code
    assert Certificate.objects.count() == 0  # nothing stored


@pytest.mark.django_db
def test_the_font_is_embedded_once_for_the_whole_class_pdf_and_the_file_stays_small():
    pdf = _class_pdf(NAMES)

    assert len(PdfReader(io.BytesIO(pdf)).pages) == 40
    font_files = pdf.count(b"/FontFile2")
    # ReportLab splits a TrueType subset into 256-glyph parts; each part is embedded once
    assert 1 <= font_files <= 4
    assert len(pdf) <= 200 * 1024


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["山田 太郎", "山田\x07花子"], "2行目"),
        (["山田 太郎", "佐藤 一郎", "あ" * 61], "3行目.*60文字以内"),
        (["\U0002a6a5 花子"], "1行目.*印字できません"),
        (["山田 太郎", "   "], "2行目：名前が空です"),
        ([], "1人以上"),
        (["山田"] * 201, "200人まで"),
    ],
)
def test_a_name_that_cannot_be_printed_is_refused_naming_its_line(names, message):
    with pytest.raises(ValidationError, match=message):
        _class_pdf(names)
