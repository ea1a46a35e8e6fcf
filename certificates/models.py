import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import PreviewableMixin, RevisionMixin

from core.enums import Audience


class Certificate(models.Model):
    """A record of completing one course (version) on this platform — not an official credential.

    Issued once per completion (`source_key` is unique), inside the completion transaction.
    The code is short enough to type and random enough not to be guessed (10 characters from a
    31-letter alphabet without look-alikes: about 49 bits).
    """

    code = models.CharField(_("証明書番号"), max_length=12, unique=True)
    source_key = models.CharField(_("重複防止キー"), max_length=100, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates", verbose_name=_("受講者")
    )
    holder_name = models.CharField(_("氏名（印字）"), max_length=60, blank=True)
    course_id = models.PositiveIntegerField(_("講座ID"))
    course_title = models.CharField(_("講座名"), max_length=255)
    audience = models.CharField(_("対象"), max_length=10, choices=Audience.choices)
    curriculum_version = models.CharField(_("カリキュラム版"), max_length=20)
    issued_on = models.DateField(_("修了日"))
    reissued_at = models.DateTimeField(_("再発行日時"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("取り消し日時"), null=True, blank=True)
    revoked_reason = models.CharField(_("取り消しの理由"), max_length=200, blank=True)
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("再発行元"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaced_by",
        help_text=_("再発行で置き換えた元の修了証。"),
    )
    superseded_at = models.DateTimeField(_("置き換えられた日時"), null=True, blank=True)
    template_version = models.ForeignKey(
        "CertificateTemplateVersion",
        verbose_name=_("テンプレートの版"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
        help_text=_("発行したときのデザイン。テンプレートを編集しても、発行済みの修了証の見た目は変わりません。"),
    )

    class Meta:
        verbose_name = _("修了証")
        verbose_name_plural = _("修了証")

    def __str__(self):
        return f"{self.code} {self.course_title}"


class CertificateEvent(models.Model):
    """The audit trail: issued, reissued, revoked — who, when, why."""

    class Action(models.TextChoices):
        ISSUED = "issued", _("発行")
        REISSUED = "reissued", _("再発行")
        SUPERSEDED = "superseded", _("置き換え")
        REVOKED = "revoked", _("取り消し")

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=12, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作した人"),
    )
    reason = models.CharField(_("理由"), max_length=200, blank=True)
    at = models.DateTimeField(_("日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("修了証の操作記録")
        verbose_name_plural = _("修了証の操作記録")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.certificate.code} {self.action}"


def validate_primary_colour(value: str) -> None:
    from certificates.design import validate_colour

    validate_colour(value, minimum_contrast=3.0)


def validate_text_colour(value: str) -> None:
    from certificates.design import validate_colour

    validate_colour(value, minimum_contrast=4.5)


DESIGN_FIELDS = {
    "is_active",
    "title",
    "subtitle",
    "body",
    "issuer_name",
    "logo",
    "signature",
    "primary_colour",
    "text_colour",
}


class CertificateTemplate(PreviewableMixin, RevisionMixin, models.Model):
    """The certificate's design, edited in the Wagtail admin by editors (snippet with revisions and a
    live PDF preview). Every save that changes the design freezes an immutable
    `CertificateTemplateVersion`; new certificates record the version of the active template, and a
    certificate is always drawn with its own version, so editing never changes an issued one."""

    name = models.CharField(_("管理用の名前"), max_length=60, help_text=_("管理画面の一覧に出る名前。印字されません。"))
    is_active = models.BooleanField(
        _("使用中"),
        default=True,
        help_text=_("これから発行する修了証にこのテンプレートを使います。使用中にできるのは1つだけです。"),
    )
    title = models.CharField(_("表題"), max_length=20, default="修了証", help_text=_("例：修了証"))
    subtitle = models.CharField(
        _("副題"), max_length=60, blank=True, default="Certificate of completion", help_text=_("表題の下の小さな文字。")
    )
    body = models.TextField(
        _("本文"),
        max_length=400,
        help_text=_(
            "改行はそのまま印字します（7行まで）。次の差し込みが使えます："
            "{name} 氏名、{course} 講座名、{audience} 対象、{date} 修了日（和暦）、"
            "{issuer} 発行者名、{version} カリキュラム版。"
        ),
    )
    issuer_name = models.CharField(_("発行者名"), max_length=60, help_text=_("修了証の下に印字する発行者の名前。"))
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("ロゴ"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("PNG か JPEG。表題の上に、高さ約17mmで印字します。"),
    )
    signature = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("署名の画像"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("PNG か JPEG（背景が透明な PNG がきれいです）。発行者名の上に印字します。"),
    )
    primary_colour = models.CharField(
        _("枠と表題の色"),
        max_length=7,
        default="#0017c1",
        validators=[validate_primary_colour],
        help_text=_("#0017c1 のような6桁の16進数。白地に対して読みやすい濃さが必要です。"),
    )
    text_colour = models.CharField(
        _("文字の色"),
        max_length=7,
        default="#1a1a1a",
        validators=[validate_text_colour],
        help_text=_("#1a1a1a のような6桁の16進数。白地に対して十分に濃い色にしてください。"),
    )

    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="certificate_template")

    class Meta:
        verbose_name = _("修了証テンプレート")
        verbose_name_plural = _("修了証テンプレート")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        from django.db import transaction

        from certificates.design import freeze_version

        update_fields = kwargs.get("update_fields")
        if update_fields is not None and not set(update_fields) & DESIGN_FIELDS:
            return super().save(*args, **kwargs)  # e.g. Wagtail recording the latest revision
        with transaction.atomic():
            if self.is_active:
                CertificateTemplate.objects.exclude(pk=self.pk).filter(is_active=True).update(is_active=False)
            super().save(*args, **kwargs)
            freeze_version(self)
        return None

    def clean(self):
        from certificates.design import validate_template

        super().clean()
        validate_template(self)

    # Live preview: a sample certificate as a PDF, with the form's current (unsaved) values.
    @property
    def preview_modes(self):
        return [("pdf", _("PDF"))]

    @property
    def preview_sizes(self):
        return [{"name": "desktop", "icon": "desktop", "device_width": 900, "label": _("A4の見本")}]

    def serve_preview(self, request, mode_name):
        from certificates.design import preview_response

        return preview_response(self)  # an HTML page showing the sample PDF (see there)


class CertificateTemplateVersion(models.Model):
    """An immutable snapshot of a template's design (images included, as bytes), numbered per
    template. Certificates point to the one they were issued with."""

    template = models.ForeignKey(
        CertificateTemplate, on_delete=models.PROTECT, related_name="versions", verbose_name=_("テンプレート")
    )
    number = models.PositiveIntegerField(_("版"))
    digest = models.CharField(_("内容のハッシュ"), max_length=64)
    title = models.CharField(_("表題"), max_length=20)
    subtitle = models.CharField(_("副題"), max_length=60, blank=True)
    body = models.TextField(_("本文"))
    issuer_name = models.CharField(_("発行者名"), max_length=60)
    primary_colour = models.CharField(_("枠と表題の色"), max_length=7)
    text_colour = models.CharField(_("文字の色"), max_length=7)
    logo_data = models.BinaryField(_("ロゴ"), null=True, blank=True)
    signature_data = models.BinaryField(_("署名の画像"), null=True, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("修了証テンプレートの版")
        verbose_name_plural = _("修了証テンプレートの版")
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="certificate_template_version")]
        ordering = ["template", "number"]

    def __str__(self):
        return f"{self.template} v{self.number}"


def _bulk_upload_to(instance, filename):
    return f"certificates/bulk/{filename}"


class BulkDownload(models.Model):
    """A zip of many certificates' PDFs (an organisation leader's cohort), built in the background
    with progress. Only the person who asked for it can see or fetch it; the file expires."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("待機中")
        RUNNING = "running", _("作成中")
        DONE = "done", _("完了")
        FAILED = "failed", _("失敗")

    public_id = models.UUIDField(_("公開ID"), default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bulk_downloads", verbose_name=_("依頼した人")
    )
    label = models.CharField(_("名前"), max_length=100)
    certificate_ids = models.JSONField(_("修了証"), default=list)
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(_("作成済み"), default=0)
    total = models.PositiveIntegerField(_("全体"), default=0)
    skipped = models.PositiveIntegerField(_("含めなかった数"), default=0)
    file = models.FileField(_("ファイル"), upload_to=_bulk_upload_to, blank=True)
    error = models.CharField(_("エラー"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("依頼日時"), auto_now_add=True)
    started_at = models.DateTimeField(_("開始日時"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    expires_at = models.DateTimeField(_("有効期限"), null=True, blank=True)

    class Meta:
        verbose_name = _("修了証の一括ダウンロード")
        verbose_name_plural = _("修了証の一括ダウンロード")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.label} ({self.get_status_display()})"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("certificates:bulk_status", args=[self.public_id])

    @property
    def percent(self) -> int:
        return 100 if self.status == self.Status.DONE else int(self.done * 100 / self.total) if self.total else 0
