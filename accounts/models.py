from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import reference
from core.enums import NOT_ANSWERED, AgeBand, Sector, Sex

PREFECTURE_CODES = [code for code, _label in reference.PREFECTURE_CHOICES_WITH_NO_ANSWER]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError(_("メールアドレスは必須です。"))
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person with an account. Email is the login; there is no username.

    Pupils in a class never get a User: they join a class session with a code and a nickname.
    """

    username = None
    email = models.EmailField(_("メールアドレス"), unique=True)
    is_demo = models.BooleanField(
        _("デモアカウント"),
        default=False,
        help_text=_("make run が作成したデモ用アカウント。開発環境でのみ二段階認証を省略できます。"),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("ユーザー")
        verbose_name_plural = _("ユーザー")

    def __str__(self):
        return self.email


class LearnerProfile(models.Model):
    """What a learner tells us about themselves, for certificates and statistics only.

    Every field is optional in substance: each offers 回答しない. The purpose of use is stated at
    collection and the time the learner agreed to it is recorded.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile", verbose_name=_("ユーザー"))
    display_name = models.CharField(
        _("表示名（修了証に印字）"),
        max_length=60,
        blank=True,
        help_text=_("修了証に印字する名前です。空欄のままでも受講できます。"),
    )
    prefecture = models.CharField(
        _("お住まい・お勤めの都道府県"),
        max_length=2,
        choices=reference.PREFECTURE_CHOICES_WITH_NO_ANSWER,
        default=reference.PREFECTURE_NOT_ANSWERED,
        help_text=_("都道府県ごとの受講者数の集計に使います。"),
    )
    municipality = models.CharField(
        _("市区町村（任意）"),
        max_length=40,
        blank=True,
        help_text=_("任意です。市区町村ごとの集計に使います。"),
    )
    sector = models.CharField(
        _("分野"),
        max_length=20,
        choices=Sector.choices,
        default=NOT_ANSWERED,
        help_text=_("分野ごとの受講者数の集計に使います。"),
    )
    age_band = models.CharField(
        _("年代"),
        max_length=10,
        choices=AgeBand.choices,
        default=NOT_ANSWERED,
        help_text=_("年代ごとの集計に使います（国の調査と同じ区分です）。"),
    )
    sex = models.CharField(
        _("性別（任意）"),
        max_length=10,
        choices=Sex.choices,
        default=NOT_ANSWERED,
        help_text=_("任意です。集計にのみ使います。"),
    )
    purpose_agreed_at = models.DateTimeField(
        _("利用目的に同意した日時"),
        null=True,
        blank=True,
        help_text=_("登録時に示した利用目的に同意した日時。"),
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("受講者プロフィール")
        verbose_name_plural = _("受講者プロフィール")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(prefecture__in=PREFECTURE_CODES), name="profile_prefecture_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(sector__in=[v for v, _label in reference.SELF_SELECTABLE_SECTORS]),
                name="profile_sector_valid",
            ),
            models.CheckConstraint(condition=models.Q(age_band__in=AgeBand.values), name="profile_age_band_valid"),
            models.CheckConstraint(condition=models.Q(sex__in=Sex.values), name="profile_sex_valid"),
        ]

    def __str__(self):
        return self.display_name or self.user.email

    def get_absolute_url(self):
        return reverse("accounts:profile")

    @property
    def prefecture_label(self) -> str:
        return reference.prefecture_label(self.prefecture)


class AnalystScope(models.Model):
    """Which figures an analyst may see: the whole country, or a set of prefectures."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="analyst_scope", verbose_name=_("ユーザー")
    )
    is_national = models.BooleanField(
        _("全国"), default=False, help_text=_("オンにすると全都道府県の統計を閲覧できます。")
    )
    # A list of JIS X 0401 prefecture codes, e.g. ["13", "14"]; empty when is_national.
    prefectures = models.JSONField(
        _("担当都道府県"),
        default=list,
        blank=True,
        help_text=_("全国でない場合に閲覧できる都道府県（JISコードの一覧）。"),
    )

    class Meta:
        verbose_name = _("統計の閲覧範囲")
        verbose_name_plural = _("統計の閲覧範囲")

    def __str__(self):
        if self.is_national:
            return f"{self.user}: 全国"
        names = "・".join(reference.prefecture_label(code) for code in self.prefectures)
        return f"{self.user}: {names}"

    def clean(self):
        from django.core.exceptions import ValidationError

        codes = self.prefectures or []
        if not isinstance(codes, list) or any(not reference.is_valid_prefecture(c, False) for c in codes):
            raise ValidationError({"prefectures": _("存在しない都道府県コードが含まれています。")})
        if not self.is_national and not codes:
            raise ValidationError(_("全国か、1つ以上の都道府県を指定してください。"))

    def covers(self, prefecture_code: str) -> bool:
        return self.is_national or prefecture_code in (self.prefectures or [])


class RolePermission(models.Model):
    """Holds the custom permissions that the role groups are given (no table)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_analytics", "統計を閲覧できる"),
            ("run_class_sessions", "クラス（授業）を運営できる"),
            ("lead_organisation", "団体の研修リンクを作成できる"),
            ("file_session_reports", "講座の実施報告を提出できる"),
        ]

    def __str__(self):
        return "role permissions"
