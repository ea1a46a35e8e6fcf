"""An organisation leader downloads many certificates as one zip, built in the background."""

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts import roles
from accounts.factories import UserFactory
from certificates import bulk, services
from certificates.models import BulkDownload, Certificate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def leader():
    user = UserFactory()
    user.groups.add(roles.ensure_groups()[roles.ORGANISATION_LEADER])
    return user


def make_certificates(n: int) -> list[Certificate]:
    certificates = []
    for index in range(n):
        certificate, _created = services.issue(
            source_key=f"bulk:{index}",
            user=UserFactory(),
            holder_name=f"つながり 花子{index}",
            course_id=1,
            course_title="つながりサポーター講座（職員向け）",
            audience="staff",
            curriculum_version="2026.1",
            issued_on=datetime.date(2026, 11, 26),
        )
        certificates.append(certificate)
    return certificates


def start(user, certificates, django_capture_on_commit_callbacks, label="つながり市 福祉課 11月研修"):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.start_bulk_download(user, [c.pk for c in certificates], label)
    job.refresh_from_db()
    return job


def test_the_zip_holds_one_pdf_per_certificate_with_its_name(client, leader, django_capture_on_commit_callbacks):
    certificates = make_certificates(12)

    job = start(leader, certificates, django_capture_on_commit_callbacks)

    assert (job.status, job.done, job.total, job.percent) == ("done", 12, 12, 100)
    client.force_login(leader)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "できあがりました" in page and "zipファイルをダウンロード" in page
    response = client.get(reverse("certificates:bulk_file", args=[job.public_id]))
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    pdfs = sorted(name for name in archive.namelist() if name.endswith(".pdf"))
    assert len(pdfs) == 12
    for certificate in certificates:
        name = next(n for n in pdfs if n.startswith(services.format_code(certificate.code)))
        text = PdfReader(io.BytesIO(archive.read(name))).pages[0].extract_text()
        assert certificate.holder_name in text and services.format_code(certificate.code) in text
    listing = archive.read("一覧.csv").decode("utf-8-sig")
    assert listing.count("含めました") == 12


def test_progress_is_reported_as_json_for_the_status_page(client, leader, django_capture_on_commit_callbacks):
    job = BulkDownload.objects.create(requested_by=leader, label="途中", certificate_ids=[1, 2, 3, 4], total=4)
    BulkDownload.objects.filter(pk=job.pk).update(status="running", done=1)
    client.force_login(leader)

    data = client.get(reverse("certificates:bulk_progress", args=[job.public_id])).json()
    page = client.get(job.get_absolute_url()).content.decode()

    assert (data["status"], data["done"], data["total"], data["percent"], data["download_url"]) == (
        "running",
        1,
        4,
        25,
        None,
    )
    assert "作成中：1 / 4 枚（25％）" in page
    assert 'aria-live="polite"' in page and "js/bulk-download.js" in page and "<script>" not in page
    assert client.get(reverse("certificates:bulk_file", args=[job.public_id])).status_code == 404


def test_someone_else_cannot_see_or_fetch_the_zip(client, leader, django_capture_on_commit_callbacks):
    job = start(leader, make_certificates(2), django_capture_on_commit_callbacks)
    other = UserFactory()
    other.groups.add(roles.ensure_groups()[roles.ORGANISATION_LEADER])
    client.force_login(other)

    for name in ("bulk_status", "bulk_progress", "bulk_file"):
        assert client.get(reverse(f"certificates:{name}", args=[job.public_id])).status_code == 404
    client.logout()
    response = client.get(reverse("certificates:bulk_file", args=[job.public_id]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_revoked_and_superseded_certificates_are_left_out_and_listed(leader, django_capture_on_commit_callbacks):
    certificates = make_certificates(3)
    services.revoke(certificates[0], actor=leader, reason="誤って発行")
    replacement = services.reissue(certificates[1], actor=leader, holder_name="つながり 花")

    job = start(leader, [*certificates, replacement], django_capture_on_commit_callbacks)

    archive = zipfile.ZipFile(job.file.open("rb"))
    assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == 2
    assert job.skipped == 2
    listing = archive.read("一覧.csv").decode("utf-8-sig")
    assert "取り消し済みのため含めていません" in listing and "再発行で置き換え済みのため含めていません" in listing


@pytest.mark.parametrize(
    ("ids", "label", "message"),
    [
        ([], "研修", "ダウンロードする修了証がありません"),
        ([999999], "研修", "見つからない修了証"),
        (["abc"], "研修", "指定が正しくありません"),
        (None, "  ", "名前を入力してください"),
        (None, "あ" * 101, "100文字以内"),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_queued(leader, ids, label, message):
    if ids is None:
        ids = [c.pk for c in make_certificates(1)]

    with pytest.raises(ValidationError, match=message):
        services.start_bulk_download(leader, ids, label)

    assert BulkDownload.objects.count() == 0


def test_a_learner_cannot_start_a_bulk_download(learner):
    certificates = make_certificates(1)

    with pytest.raises(PermissionDenied):
        services.start_bulk_download(learner, [certificates[0].pk], "研修")


def test_a_job_left_waiting_is_built_by_the_command_and_expired_files_are_deleted(leader):
    certificates = make_certificates(3)
    job = services.start_bulk_download(leader, [c.pk for c in certificates], "研修")  # on_commit never ran
    assert BulkDownload.objects.get(pk=job.pk).status == "queued"

    call_command("run_bulk_downloads")

    job.refresh_from_db()
    assert job.status == "done" and job.file
    BulkDownload.objects.filter(pk=job.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    call_command("run_bulk_downloads")
    job.refresh_from_db()
    assert not job.file


def test_a_failure_is_reported_not_hidden(client, leader, monkeypatch, django_capture_on_commit_callbacks):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(bulk.zipfile, "ZipFile", broken)

    job = start(leader, make_certificates(1), django_capture_on_commit_callbacks)

    assert job.status == "failed"
    client.force_login(leader)
    assert "作成できませんでした" in client.get(job.get_absolute_url()).content.decode()
