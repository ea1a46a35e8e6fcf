"""Certificate PDF rendering time and size, against a plain one-page PDF made with the same
library (ReportLab) in the same run.

    .venv/bin/python bench/certificates.py [--runs 50]

Goals (certificates issue): one certificate ≤ 100 ms median, a 40-page class PDF ≤ 3 s, file
≤ 200 KB; a re-download is served from the cache without rendering (measured here too). The
baseline is a plain one-page PDF, and a plain 40-page PDF for the class figure.
"""

import argparse
import datetime
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    import django

    django.setup()
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from certificates import services
    from certificates.models import Certificate

    certificate = Certificate(
        code="ABCDE23456",
        source_key="bench",
        holder_name="山田 太郎",
        course_id=1,
        course_title="つながりサポーター講座（一般向け）",
        audience="general",
        curriculum_version="2026.1",
        issued_on=datetime.date(2026, 11, 26),
    )

    def plain() -> bytes:
        buffer = io.BytesIO()
        pdf = canvas.Canvas(buffer, pagesize=A4)
        pdf.drawString(72, 720, "Certificate")
        pdf.showPage()
        pdf.save()
        return buffer.getvalue()

    def timed(function) -> tuple[list[float], bytes]:
        function()  # warm (fonts loaded once per process)
        times, result = [], b""
        for _ in range(args.runs):
            started = time.perf_counter()
            result = function()
            times.append((time.perf_counter() - started) * 1000)
        return times, result

    def plain_pages(n: int) -> bytes:
        buffer = io.BytesIO()
        pdf = canvas.Canvas(buffer, pagesize=A4)
        for index in range(n):
            pdf.drawString(72, 720, f"Certificate {index}")
            pdf.showPage()
        pdf.save()
        return buffer.getvalue()

    names = [f"つながり 太郎{index}" for index in range(1, 41)]

    def class_pdf() -> bytes:
        return services.render_class_pdf(
            course_title="つながりサポーター講座（こども向け）",
            audience_label="こども",
            completed_on=datetime.date(2026, 11, 26),
            names=names,
            issuer_note="つながり市立第一小学校 6年2組",
            design=services.DEFAULT_DESIGN,
        )

    base_times, base_pdf = timed(plain)
    base40_times, base40_pdf = timed(lambda: plain_pages(40))
    class_runs = max(5, args.runs // 5)
    class_pdf()
    class_times = []
    for _ in range(class_runs):
        started = time.perf_counter()
        class_bytes = class_pdf()
        class_times.append((time.perf_counter() - started) * 1000)
    cert_times, cert_pdf = timed(lambda: services.render_pdf(certificate))
    from django.core.cache import cache

    cache.clear()
    services.pdf_for_download(certificate)
    cached_times, _pdf = timed(lambda: services.pdf_for_download(certificate))
    print(f"{'':34}{'median ms':>10}{'size KB':>10}")
    print(f"{'plain one-page PDF (baseline)':34}{statistics.median(base_times):>10.2f}{len(base_pdf) / 1024:>10.1f}")
    print(f"{'certificate (font subset + QR)':34}{statistics.median(cert_times):>10.2f}{len(cert_pdf) / 1024:>10.1f}")
    print(f"{'re-download (cached)':34}{statistics.median(cached_times):>10.2f}{'':>10}")
    print(f"{'plain 40-page PDF (baseline)':34}{statistics.median(base40_times):>10.2f}{len(base40_pdf) / 1024:>10.1f}")
    print(f"{'class PDF, 40 pages':34}{statistics.median(class_times):>10.2f}{len(class_bytes) / 1024:>10.1f}")
    ratio = statistics.median(cert_times) / statistics.median(base_times)
    print(f"certificate / baseline: {ratio:.1f}× (goals: ≤ 100 ms median, ≤ 200 KB)")
    ratio40 = statistics.median(class_times) / statistics.median(base40_times)
    print(f"class PDF / 40-page baseline: {ratio40:.1f}× (goals: ≤ 3 s, ≤ 200 KB; {class_runs} runs)")


if __name__ == "__main__":
    main()
