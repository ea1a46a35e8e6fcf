"""Bulk download: a zip of many certificates' PDFs, built in the background with progress.

`start()` records a `BulkDownload` and enqueues `build_bulk_download` with django-tasks (the
backend in settings.TASKS: in development and tests the immediate backend runs it as soon as the
transaction commits; in production a worker does). `manage.py run_bulk_downloads` builds any job
still waiting (for deployments without a task worker, e.g. from cron) and deletes expired files.

Each PDF comes from `services.pdf_for_download` (the cache a learner's download also uses), drawn
with the certificate's own template version. Revoked and superseded certificates are left out and
listed in the zip's 一覧.csv.
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
import re
import secrets
import tempfile
import time
import zipfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from certificates import services
from certificates.models import BulkDownload, Certificate

logger = logging.getLogger(__name__)

MAX_CERTIFICATES = 2000
KEEP_FOR = datetime.timedelta(days=7)
STALE_AFTER = datetime.timedelta(minutes=15)  # a "running" job not updated for this long is retried
PROGRESS_EVERY = 0.5  # seconds between progress writes
ALLOWED_PERMISSIONS = ("accounts.lead_organisation", "certificates.change_certificate")


def start(user, certificate_ids, label: str) -> BulkDownload:
    """Ask for a zip of these certificates. The caller decides which certificates the user may
    have (e.g. their cohort's); this checks the role, the ids and the label."""
    if not any(user.has_perm(permission) for permission in ALLOWED_PERMISSIONS):
        raise PermissionDenied(_("修了証の一括ダウンロードは、団体リーダーだけが使えます。"))
    label = " ".join((label or "").split())
    if not label:
        raise ValidationError(_("一括ダウンロードの名前を入力してください。"), code="label")
    if len(label) > 100:
        raise ValidationError(_("名前は100文字以内にしてください。"), code="label")
    try:
        ids = list(dict.fromkeys(int(value) for value in certificate_ids))
    except (TypeError, ValueError) as error:
        raise ValidationError(_("修了証の指定が正しくありません。"), code="ids") from error
    if not ids:
        raise ValidationError(_("ダウンロードする修了証がありません。"), code="empty")
    if len(ids) > MAX_CERTIFICATES:
        raise ValidationError(
            _("一度にダウンロードできるのは%(max)d枚までです（いまは%(n)d枚です）。")
            % {"max": MAX_CERTIFICATES, "n": len(ids)},
            code="too_many",
        )
    found = set(Certificate.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if len(found) != len(ids):
        raise ValidationError(_("見つからない修了証が含まれています。"), code="unknown")
    with transaction.atomic():
        bulk = BulkDownload.objects.create(requested_by=user, label=label, certificate_ids=ids, total=len(ids))
        transaction.on_commit(lambda: enqueue(bulk))
    return bulk


def enqueue(bulk: BulkDownload) -> None:
    try:
        build_bulk_download.enqueue(str(bulk.public_id))
    except Exception:  # no task backend reachable: `run_bulk_downloads` will build it
        logger.exception("could not enqueue bulk download %s", bulk.public_id)


@task()
def build_bulk_download(public_id: str) -> str:
    bulk = BulkDownload.objects.filter(public_id=public_id).first()
    if bulk is None:
        return "missing"
    return build(bulk)


def _claim(bulk: BulkDownload) -> bool:
    """Mark the job running, unless another worker has it (a stale running job may be taken over)."""
    now = timezone.now()
    claimable = BulkDownload.objects.filter(pk=bulk.pk, status=BulkDownload.Status.QUEUED)
    taken = claimable.update(status=BulkDownload.Status.RUNNING, started_at=now, done=0)
    if not taken:
        taken = BulkDownload.objects.filter(
            pk=bulk.pk, status=BulkDownload.Status.RUNNING, started_at__lt=now - STALE_AFTER
        ).update(started_at=now, done=0)
    return bool(taken)


def _safe(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("_")[:40] or "certificate"


def build(bulk: BulkDownload) -> str:
    if not _claim(bulk):
        return "taken"
    bulk.refresh_from_db()
    try:
        skipped = _write_zip(bulk)
    except Exception:
        logger.exception("bulk download %s failed", bulk.public_id)
        BulkDownload.objects.filter(pk=bulk.pk).update(
            status=BulkDownload.Status.FAILED,
            finished_at=timezone.now(),
            error=_("作成できませんでした。もう一度お試しください。続くときは管理者に連絡してください。"),
        )
        return "failed"
    bulk.refresh_from_db()
    return f"done ({bulk.done} PDFs, {skipped} left out)"


def _write_zip(bulk: BulkDownload) -> int:
    certificates = {
        c.pk: c for c in Certificate.objects.filter(pk__in=bulk.certificate_ids).select_related("template_version")
    }
    rows, skipped, written = [], 0, 0
    last_progress = time.monotonic()
    with tempfile.TemporaryFile() as handle:
        # PDFs are compressed already: storing them is as small and much faster than deflating.
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED) as archive:
            for index, pk in enumerate(bulk.certificate_ids, start=1):
                certificate = certificates.get(pk)
                state, filename = _("含めました"), ""
                if certificate is None:
                    state = _("見つかりません")
                elif certificate.revoked_at is not None:
                    state = _("取り消し済みのため含めていません")
                elif certificate.superseded_at is not None:
                    state = _("再発行で置き換え済みのため含めていません")
                else:
                    try:
                        pdf = services.pdf_for_download(certificate, store=False)
                    except services.CertificateError as error:
                        state = error.message
                    else:
                        code = services.format_code(certificate.code)
                        filename = f"{code}_{_safe(certificate.holder_name)}.pdf"
                        archive.writestr(zipfile.ZipInfo(filename, _zip_time(certificate)), pdf)
                        written += 1
                if not filename:
                    skipped += 1
                if certificate is not None:
                    rows.append(
                        [
                            services.format_code(certificate.code),
                            certificate.holder_name,
                            certificate.course_title,
                            certificate.issued_on.isoformat(),
                            state,
                            filename,
                        ]
                    )
                if time.monotonic() - last_progress >= PROGRESS_EVERY:
                    BulkDownload.objects.filter(pk=bulk.pk).update(done=index)
                    last_progress = time.monotonic()
            listing = io.StringIO()
            writer = csv.writer(listing)
            writer.writerow([_("証明書番号"), _("氏名"), _("講座"), _("修了日"), _("状態"), _("ファイル")])
            writer.writerows(rows)
            archive.writestr("一覧.csv", "\ufeff" + listing.getvalue())  # BOM: Excel reads it as UTF-8
        handle.seek(0)
        bulk.file.save(f"{secrets.token_urlsafe(24)}.zip", File(handle), save=False)
    now = timezone.now()
    BulkDownload.objects.filter(pk=bulk.pk).update(
        file=bulk.file.name,
        status=BulkDownload.Status.DONE,
        done=len(bulk.certificate_ids),
        skipped=skipped,
        finished_at=now,
        expires_at=now + KEEP_FOR,
    )
    return skipped


def _zip_time(certificate: Certificate) -> tuple:
    day = certificate.issued_on
    return (max(day.year, 1980), day.month, day.day, 0, 0, 0)


def zip_filename(bulk: BulkDownload) -> str:
    return f"certificates-{_safe(bulk.label)}-{bulk.created_at:%Y%m%d}.zip"


def is_expired(bulk: BulkDownload) -> bool:
    return bulk.expires_at is not None and bulk.expires_at <= timezone.now()


def run_pending() -> int:
    """Build every job still waiting (or stuck); returns how many were built."""
    built = 0
    cutoff = timezone.now() - STALE_AFTER
    waiting = BulkDownload.objects.filter(status=BulkDownload.Status.QUEUED) | BulkDownload.objects.filter(
        status=BulkDownload.Status.RUNNING, started_at__lt=cutoff
    )
    for bulk in waiting.order_by("created_at"):
        if build(bulk) not in ("taken",):
            built += 1
    return built


def delete_expired() -> int:
    """Delete the files of expired jobs (they hold names); the job rows stay as a record."""
    count = 0
    for bulk in BulkDownload.objects.filter(expires_at__lte=timezone.now()).exclude(file=""):
        bulk.file.delete(save=False)
        BulkDownload.objects.filter(pk=bulk.pk).update(file="")
        count += 1
    return count
