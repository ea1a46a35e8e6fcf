"""StreamField blocks shared by several page types."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class HeadingBlock(blocks.CharBlock):
    class Meta:
        icon = "title"
        template = "components/blocks/heading.html"
        label = _("見出し")
        description = _("本文の見出し（h2）。")
        preview_value = "つながりサポーターとは"


class ParagraphBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault("features", ["bold", "italic", "link", "ol", "ul", "h3"])
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        template = "components/blocks/paragraph.html"
        label = _("本文")
        description = _("段落・箇条書き・リンクを含む本文。")
        preview_value = "<p>だれでも、いつでも、孤独を感じることがあります。</p>"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[("point", _("ポイント")), ("note", _("補足")), ("warning", _("注意"))],
        default="point",
        label=_("種類"),
        help_text=_("ポイント・補足・注意のいずれか。色だけでなく見出しで区別されます。"),
    )
    title = blocks.CharBlock(label=_("見出し"), required=False, help_text=_("省略すると種類の名前が見出しになります。"))
    text = blocks.RichTextBlock(features=["bold", "italic", "link", "ol", "ul"], label=_("本文"))

    class Meta:
        icon = "warning"
        template = "components/blocks/callout.html"
        label = _("ポイント・囲み")
        description = _("大事な点を囲みで目立たせます。")
        preview_value = {"kind": "point", "title": "ポイント", "text": "<p>ひとりで解決しなくてよいのです。</p>"}


class HelpResourcesBlock(blocks.StructBlock):
    audience = blocks.ChoiceBlock(
        choices=[("general", _("おとな向け")), ("children", _("こども向け"))],
        default="general",
        label=_("対象"),
        help_text=_("相談窓口（スニペット）のうち、この対象に合うものを表示します。"),
    )

    class Meta:
        icon = "help"
        template = "components/blocks/help_resources.html"
        label = _("相談窓口")
        description = _("登録済みの相談窓口の一覧を表示します。")
        preview_value = {"audience": "general"}


class StandardStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    callout = CalloutBlock()
    help_resources = HelpResourcesBlock()
