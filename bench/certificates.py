"""Certificate PDF rendering time and size, against a plain one-page PDF made with the same
library (ReportLab) in the same run.

    .venv/bin/python bench/certificates.py [--runs 50]

Goals (certificates issue): one certificate ≤ 100 ms median, file ≤ 200 KB; a re-download is
served from the cache without rendering (measured here too). The 40-page class PDF belongs to the
classroom issue and is not measured yet.
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

    base_times, base_pdf = timed(plain)
    cert_times, cert_pdf = timed(lambda: services.render_pdf(certificate))
    from django.core.cache import cache

    cache.clear()
    services.pdf_for_download(certificate)
    cached_times, _pdf = timed(lambda: services.pdf_for_download(certificate))
    print(f"{'':34}{'median ms':>10}{'size KB':>10}")
    print(f"{'plain one-page PDF (baseline)':34}{statistics.median(base_times):>10.2f}{len(base_pdf) / 1024:>10.1f}")
    print(f"{'certificate (font subset + QR)':34}{statistics.median(cert_times):>10.2f}{len(cert_pdf) / 1024:>10.1f}")
    print(f"{'re-download (cached)':34}{statistics.median(cached_times):>10.2f}{'':>10}")
    ratio = statistics.median(cert_times) / statistics.median(base_times)
    print(f"certificate / baseline: {ratio:.1f}× (goals: ≤ 100 ms median, ≤ 200 KB)")


if __name__ == "__main__":
    main()
