"""Lesson content blocks. Each sets icon, template, description and a preview value."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

from core.blocks import CalloutBlock, HeadingBlock, HelpResourcesBlock

RICH_FEATURES = ["bold", "italic", "link", "ol", "ul", "h3"]
ILLUSTRATION_DIR = Path(settings.BASE_DIR) / "static" / "img" / "kids"


def illustration_choices():
    return [(f"img/kids/{p.name}", p.stem) for p in sorted(ILLUSTRATION_DIR.glob("*.svg"))]


class LessonTextBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault("features", RICH_FEATURES)
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        template = "components/blocks/paragraph.html"
        label = _("本文")
        description = _("本文。ふりがなは ｜漢字《かんじ》 と書くとルビになります。")
        preview_value = "<p>｜孤独《こどく》は、だれにでも起こりうる気持ちです。</p>"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(required=False, label=_("画像"), help_text=_("画像ライブラリから選びます。"))
    illustration = blocks.ChoiceBlock(
        choices=illustration_choices,
        required=False,
        label=_("同梱イラスト"),
        help_text=_("画像の代わりに、サイトに同梱のイラスト（SVG）を使う場合に選びます。"),
    )
    alt = blocks.CharBlock(
        label=_("代替テキスト（必須）"),
        help_text=_("画像が見えない人のための説明。何が描かれているかを短く。"),
    )
    caption = blocks.CharBlock(required=False, label=_("キャプション"), help_text=_("画像の下に表示する説明。"))

    class Meta:
        icon = "image"
        template = "components/blocks/image.html"
        label = _("画像")
        description = _("画像またはイラストと、必須の代替テキスト。")
        preview_value = {"illustration": "img/kids/friends.svg", "alt": "ならんで笑う3人の子ども", "caption": ""}

    def clean(self, value):
        value = super().clean(value)
        if bool(value.get("image")) == bool(value.get("illustration")):
            raise StructBlockValidationError(
                block_errors={"image": ValidationError(_("画像か同梱イラストのどちらか一方を選んでください。"))}
            )
        return value


class VideoBlock(blocks.StructBlock):
    video = DocumentChooserBlock(
        required=False, label=_("動画ファイル（MP4）"), help_text=_("アップロードしたMP4。字幕が必須です。")
    )
    captions = DocumentChooserBlock(
        required=False, label=_("字幕（WebVTT）"), help_text=_("MP4に付ける .vtt 形式の字幕ファイル。")
    )
    embed_url = blocks.URLBlock(
        required=False,
        label=_("埋め込みURL"),
        help_text=_("プライバシー強化モードのURLのみ（https://www.youtube-nocookie.com/embed/…）。"),
    )
    title = blocks.CharBlock(label=_("動画のタイトル"), help_text=_("埋め込み枠のタイトルにもなります。"))
    transcript = blocks.RichTextBlock(
        features=RICH_FEATURES, label=_("書き起こし（必須）"), help_text=_("動画の内容をすべて文字で。")
    )

    class Meta:
        icon = "media"
        template = "components/blocks/video.html"
        label = _("動画")
        description = _("字幕付きMP4、またはプライバシー強化モードの埋め込み。書き起こしは必須。")
        preview_value = {"title": "声かけの例", "transcript": "<p>（書き起こし）</p>"}

    def clean(self, value):
        value = super().clean(value)
        errors = {}
        has_file, has_embed = bool(value.get("video")), bool(value.get("embed_url"))
        if has_file == has_embed:
            errors["video"] = ValidationError(_("動画ファイルか埋め込みURLのどちらか一方を指定してください。"))
        if has_file:
            if not value["video"].file.name.lower().endswith(".mp4"):
                errors["video"] = ValidationError(_("動画ファイルはMP4にしてください。"))
            if not value.get("captions") or not value["captions"].file.name.lower().endswith(".vtt"):
                errors["captions"] = ValidationError(_("MP4には WebVTT（.vtt）の字幕が必須です。"))
        if has_embed and not value["embed_url"].startswith("https://www.youtube-nocookie.com/embed/"):
            errors["embed_url"] = ValidationError(
                _("埋め込みはプライバシー強化モード（youtube-nocookie.com/embed/）のURLのみ使えます。")
            )
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


class ScenarioChoiceBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("選択肢"))
    feedback = blocks.TextBlock(label=_("この選択肢へのフィードバック"), help_text=_("やさしく、理由も添えて。"))
    recommended = blocks.BooleanBlock(
        required=False, label=_("おすすめの対応"), help_text=_("おすすめの対応にはしるしが付きます。")
    )

    class Meta:
        icon = "list-ul"
        label = _("選択肢")


class ScenarioBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("場面の見出し"))
    story = blocks.RichTextBlock(features=RICH_FEATURES, label=_("場面（短いお話）"))
    question = blocks.CharBlock(label=_("問いかけ"), help_text=_("例：あなたならどうしますか？"))
    choices = blocks.ListBlock(ScenarioChoiceBlock(), min_num=2, max_num=4, label=_("選択肢"))

    class Meta:
        icon = "group"
        template = "components/blocks/scenario.html"
        label = _("場面で考える")
        description = _("身近な場面のお話と選択肢。採点はせず、選ぶとフィードバックが出ます。")
        preview_value = {
            "title": "となりの人",
            "story": "<p>最近、となりの人を見かけません。</p>",
            "question": "あなたならどうしますか？",
            "choices": [
                {"text": "声をかける", "feedback": "気にかけていることが伝わります。", "recommended": True},
                {"text": "何もしない", "feedback": "できる範囲で大丈夫です。", "recommended": False},
            ],
        }


class ReflectionBlock(blocks.StructBlock):
    prompt = blocks.TextBlock(label=_("問いかけ"), help_text=_("個人ワークの問い。"))
    hint = blocks.TextBlock(
        required=False, label=_("ヒント"), help_text=_("考え方のヒントや、無理をしなくてよいこと。")
    )

    class Meta:
        icon = "edit"
        template = "components/blocks/reflection.html"
        label = _("個人ワーク（ふりかえり）")
        description = _("自分で考える問い。答えは本人だけのもので、こどもの答えは保存しません。")
        preview_value = {"prompt": "だれに相談できそうですか？", "hint": ""}


class ActivitySlotBlock(blocks.StructBlock):
    """A place for an activity that another app provides (the final quiz, an H5P activity).

    The app that provides it registers a renderer (`courses.slots.register_slot_renderer`); until
    then, learners see nothing and editors see a note in preview.
    """

    kind = blocks.ChoiceBlock(choices=[("quiz", _("確認テスト")), ("h5p", _("H5P アクティビティ"))], label=_("種類"))
    reference = blocks.CharBlock(
        label=_("参照キー"), help_text=_("確認テストやアクティビティの識別子（それぞれの機能の画面で確認できます）。")
    )
    required = blocks.BooleanBlock(
        required=False,
        label=_("レッスンの完了に必須"),
        help_text=_(
            "H5P：オンにすると、このアクティビティを終えるまでレッスンを完了できません（終えると自動で完了します）。"
        ),
    )
    pass_percent = blocks.IntegerBlock(
        required=False,
        min_value=1,
        max_value=100,
        label=_("合格とする得点率（%）"),
        help_text=_("H5P：空なら終えれば合格。数字を入れると、得点率がその値以上で合格です（ブラウザの自己申告）。"),
    )

    class Meta:
        icon = "form"
        template = "components/blocks/activity_slot.html"
        label = _("確認テスト・H5P の枠")
        description = _("確認テストや H5P アクティビティを置く枠。")
        preview_value = {"kind": "quiz", "reference": "final"}

    def clean(self, value):
        value = super().clean(value)
        if value.get("kind") != "h5p" and (value.get("required") or value.get("pass_percent")):
            raise StructBlockValidationError(
                block_errors={
                    "required": ValidationError(
                        _("「必須」と「合格とする得点率」は H5P アクティビティにだけ使えます。")
                    )
                }
            )
        reference = (value.get("reference") or "").strip()
        if value.get("kind") == "quiz" and reference != "final":
            from quizzes.models import Quiz

            if not Quiz.objects.filter(key=reference).exists():
                raise StructBlockValidationError(
                    block_errors={
                        "reference": ValidationError(
                            _(
                                "この識別子の確認テストはありません。講座の確認テストなら「final」、"
                                "ほかは管理画面の「確認テスト」にある識別子を入れてください。"
                            )
                        )
                    }
                )
        return value


class LessonStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    text = LessonTextBlock()
    image = ImageBlock()
    video = VideoBlock()
    callout = CalloutBlock()
    scenario = ScenarioBlock()
    reflection = ReflectionBlock()
    help_resources = HelpResourcesBlock()
    activity = ActivitySlotBlock()
