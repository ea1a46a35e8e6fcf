import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from core.blocks import StandardStreamBlock
from core.routing import cached_route


class EntryBlock(blocks.StructBlock):
    """One of the three ways in on the home page (一般 / 職員 / こども)."""

    audience = blocks.ChoiceBlock(
        choices=[("general", _("一般")), ("staff", _("職員")), ("children", _("こども"))],
        label=_("対象"),
        help_text=_("入口の対象。アイコンと色が変わります。"),
    )
    title = blocks.CharBlock(label=_("見出し"), help_text=_("例：一般の方"))
    text = blocks.TextBlock(label=_("説明"), help_text=_("だれ向けで、何分くらいかかるかを短く。"))
    page = blocks.PageChooserBlock(required=False, label=_("リンク先ページ"), help_text=_("講座のページを選びます。"))
    link_text = blocks.CharBlock(label=_("ボタンの文言"), help_text=_("例：一般向け講座を見る"))

    class Meta:
        icon = "user"
        template = "components/blocks/entry.html"
        label = _("入口")
        description = _("トップページの入口カード。")
        preview_value = {"audience": "general", "title": "一般の方", "text": "約75分", "link_text": "講座を見る"}


class HomePage(Page):
    """The site's front page: what a つながりサポーター is, and the three ways in."""

    lead = models.TextField(_("リード文"), blank=True, help_text=_("ページ冒頭の大きな文。1〜2文で。"))
    about = RichTextField(
        _("つながりサポーターとは"),
        blank=True,
        features=["bold", "italic", "link", "ol", "ul", "h3"],
        help_text=_("つながりサポーターについての説明（自分たちの言葉で）。"),
    )
    entries = StreamField(
        [("entry", EntryBlock())],
        blank=True,
        verbose_name=_("入口"),
        help_text=_("一般・職員・こどもの3つの入口。"),
    )
    body = StreamField(StandardStreamBlock(), blank=True, verbose_name=_("本文"), help_text=_("入口の下に続く本文。"))

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["home.StandardPage", "courses.CourseIndexPage"]
    max_count = 1
    template = "pages/home_page.html"

    content_panels = [
        *Page.content_panels,
        FieldPanel("lead"),
        FieldPanel("about"),
        FieldPanel("entries"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("lead"), index.SearchField("about")]

    class Meta:
        verbose_name = _("トップページ")

    def route(self, request, path_components):
        """The site root finds pages from the cached path map (core.routing), not one query per
        level of the page tree."""
        return cached_route(self, request, path_components, super().route)


class StandardPage(Page):
    """A plain page: about, privacy policy, accessibility policy."""

    intro = models.TextField(_("導入文"), blank=True, help_text=_("ページ冒頭の短い説明。"))
    body = StreamField(StandardStreamBlock(), verbose_name=_("本文"), help_text=_("見出し・本文・囲み・相談窓口。"))
    last_reviewed = models.DateField(
        _("最終確認日"), null=True, blank=True, help_text=_("内容を最後に確認した日。ページに表示されます。")
    )

    parent_page_types = ["home.HomePage", "home.StandardPage"]
    subpage_types = ["home.StandardPage"]
    template = "pages/standard_page.html"

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body"), FieldPanel("last_reviewed")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    class Meta:
        verbose_name = _("標準ページ")


class HelpResourceAudience(models.TextChoices):
    ALL = "all", _("すべての人")
    ADULTS = "adults", _("おとな向け")
    CHILDREN = "children", _("こども向け")


class HelpResourceQuerySet(models.QuerySet):
    def shown_on(self, day: datetime.date):
        """Active resources, and campaign-only ones only within their dates."""
        return (
            self.filter(is_active=True)
            .filter(models.Q(campaign_start__isnull=True) | models.Q(campaign_start__lte=day))
            .filter(models.Q(campaign_end__isnull=True) | models.Q(campaign_end__gte=day))
        )

    def for_audience(self, audience: str):
        if audience == "children":
            return self.filter(audience__in=[HelpResourceAudience.ALL, HelpResourceAudience.CHILDREN])
        if audience == "all":
            return self.filter(audience=HelpResourceAudience.ALL)
        return self.filter(audience__in=[HelpResourceAudience.ALL, HelpResourceAudience.ADULTS])


class HelpResource(index.Indexed, models.Model):
    """A consultation service (相談窓口) shown on every lesson, quiz result and in the footer.

    Contact details change: each entry carries the date it was last verified, and campaign-only
    lines (e.g. #9999) are shown only between their dates.
    """

    name = models.CharField(_("名称"), max_length=100, help_text=_("例：よりそいホットライン"))
    phone = models.CharField(_("電話番号"), max_length=40, blank=True, help_text=_("表示する番号。例：0120-279-338"))
    url = models.URLField(_("ウェブサイト"), blank=True, help_text=_("https:// から始まるURL。"))
    hours = models.CharField(_("受付時間"), max_length=100, blank=True, help_text=_("例：24時間・無料"))
    description = models.CharField(
        _("説明"), max_length=200, blank=True, help_text=_("だれが、どんなことを相談できるか。短く。")
    )
    audience = models.CharField(
        _("対象"),
        max_length=10,
        choices=HelpResourceAudience.choices,
        default=HelpResourceAudience.ALL,
        help_text=_("どのページに表示するか。こども向けはこども向け講座に表示します。"),
    )
    show_in_footer = models.BooleanField(
        _("フッターに表示"), default=False, help_text=_("全ページのフッターの短い一覧に表示します。")
    )
    last_verified = models.DateField(
        _("最終確認日"), default=timezone.localdate, help_text=_("番号・受付時間を公式情報で最後に確認した日。")
    )
    campaign_start = models.DateField(
        _("表示開始日"), null=True, blank=True, help_text=_("期間限定の窓口のみ。空欄なら常に表示。")
    )
    campaign_end = models.DateField(
        _("表示終了日"), null=True, blank=True, help_text=_("期間限定の窓口のみ。空欄なら常に表示。")
    )
    sort_order = models.PositiveSmallIntegerField(_("表示順"), default=100, help_text=_("小さいほど上に表示。"))
    is_active = models.BooleanField(_("公開"), default=True, help_text=_("オフにすると表示しません。"))

    objects = HelpResourceQuerySet.as_manager()

    panels = [
        FieldPanel("name"),
        MultiFieldPanel([FieldPanel("phone"), FieldPanel("url"), FieldPanel("hours")], heading=_("連絡先")),
        FieldPanel("description"),
        FieldPanel("audience"),
        FieldPanel("show_in_footer"),
        FieldPanel("last_verified"),
        MultiFieldPanel([FieldPanel("campaign_start"), FieldPanel("campaign_end")], heading=_("期間限定の表示")),
        FieldPanel("sort_order"),
        FieldPanel("is_active"),
    ]
    search_fields = [index.SearchField("name"), index.SearchField("description"), index.AutocompleteField("name")]

    class Meta:
        verbose_name = _("相談窓口")
        verbose_name_plural = _("相談窓口")
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(campaign_start__isnull=True)
                | models.Q(campaign_end__isnull=True)
                | models.Q(campaign_end__gte=models.F("campaign_start")),
                name="helpresource_campaign_dates_ordered",
            ),
            models.CheckConstraint(condition=~models.Q(phone="") | ~models.Q(url=""), name="helpresource_has_contact"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if not self.phone and not self.url:
            raise ValidationError(_("電話番号かウェブサイトのどちらかを入力してください。"))
        if self.campaign_start and self.campaign_end and self.campaign_end < self.campaign_start:
            raise ValidationError({"campaign_end": _("表示終了日は表示開始日より後にしてください。")})

    @property
    def tel_href(self) -> str:
        return "".join(ch for ch in self.phone if ch.isdigit() or ch in "#+")

    @property
    def url_label(self) -> str:
        return self.url.split("://", 1)[-1].rstrip("/")
