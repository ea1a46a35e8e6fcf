from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
