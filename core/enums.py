"""Categories used in profiles and statistics (DOMAIN.md §4). Codes are stored; labels are shown."""

from django.db import models
from django.utils.translation import gettext_lazy as _

NOT_ANSWERED = "no_answer"


class Audience(models.TextChoices):
    GENERAL = "general", _("一般")
    STAFF = "staff", _("職員")
    CHILDREN = "children", _("こども")


class DeliveryType(models.TextChoices):
    ONLINE = "online", _("個人（オンライン）")
    MUNICIPAL = "municipal", _("自治体主催")
    WORKPLACE = "workplace", _("職域（企業・団体研修）")
    SCHOOL = "school", _("学校（授業）")


class Sector(models.TextChoices):
    RESIDENT = "resident", _("一般（地域住民）")
    GOV_NATIONAL = "gov_national", _("行政（国）")
    GOV_LOCAL = "gov_local", _("行政（都道府県・市区町村）")
    EDUCATION = "education", _("学校・教育")
    HEALTH = "health", _("医療・保健")
    WELFARE = "welfare", _("福祉・介護")
    COMMISSIONER = "commissioner", _("民生委員・児童委員")
    BUSINESS = "business", _("民間企業")
    NPO = "npo", _("NPO・市民活動")
    PROFESSIONAL = "professional", _("士業・相談員")
    POLICE_FIRE = "police_fire", _("警察・消防")
    STUDENT = "student", _("学生")
    PUPIL = "pupil", _("児童・生徒（クラス受講）")
    OTHER = "other", _("その他")
    NO_ANSWER = NOT_ANSWERED, _("回答しない")


# Sectors a learner can choose for themselves; 児童・生徒 is set only by a class session.
SELF_SELECTABLE_SECTORS = [choice for choice in Sector.choices if choice[0] != Sector.PUPIL]


class AgeBand(models.TextChoices):
    """The bands of 内閣府「人々のつながりに関する基礎調査」(16+), so figures compare."""

    AGE_16_19 = "16-19", _("16〜19歳")
    AGE_20S = "20s", _("20代")
    AGE_30S = "30s", _("30代")
    AGE_40S = "40s", _("40代")
    AGE_50S = "50s", _("50代")
    AGE_60S = "60s", _("60代")
    AGE_70S = "70s", _("70代")
    AGE_80_PLUS = "80+", _("80歳以上")
    NO_ANSWER = NOT_ANSWERED, _("回答しない")


class SchoolGrade(models.TextChoices):
    E5 = "e5", _("小学5年")
    E6 = "e6", _("小学6年")
    J1 = "j1", _("中学1年")
    J2 = "j2", _("中学2年")
    J3 = "j3", _("中学3年")
    OTHER = "other", _("その他")


class Sex(models.TextChoices):
    FEMALE = "female", _("女性")
    MALE = "male", _("男性")
    OTHER = "other", _("その他")
    NO_ANSWER = NOT_ANSWERED, _("回答しない")
