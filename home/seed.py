"""Seed the home page, the privacy and accessibility policy pages and the help resources.

All text is the project's own, written from DOMAIN.md. Run through `manage.py seed_content`.
"""

import datetime

from django.db import transaction
from wagtail.models import Page, Site

from core.seeding import SeedReport, ensure_root, upsert_page
from home.models import HelpResource, HelpResourceAudience, HomePage, StandardPage

# The day these contact details were last checked against their publishers (DOMAIN.md §3,
# marked [check]): editors re-verify before launch and update the date in the admin.
VERIFIED_ON = datetime.date(2026, 11, 26)

HELP_RESOURCES = [
    {
        "name": "あなたはひとりじゃない（内閣府）",
        "url": "https://notalone-cao.go.jp/",
        "hours": "",
        "description": "悩みに合った相談窓口を、いくつかの質問に答えて探せるサイトです。",
        "audience": HelpResourceAudience.ALL,
        "show_in_footer": True,
        "sort_order": 10,
    },
    {
        "name": "#いのちSOS",
        "phone": "0120-061-338",
        "hours": "無料・受付時間は曜日により異なります",
        "description": "死にたいほどつらい気持ちを、専門の相談員が聴きます。",
        "audience": HelpResourceAudience.ADULTS,
        "show_in_footer": True,
        "sort_order": 20,
    },
    {
        "name": "よりそいホットライン",
        "phone": "0120-279-338",
        "hours": "24時間・無料（岩手・宮城・福島からは 0120-279-226）",
        "description": "暮らしの困りごと、どんな悩みでも相談できます。",
        "audience": HelpResourceAudience.ADULTS,
        "show_in_footer": True,
        "sort_order": 30,
    },
    {
        "name": "チャイルドライン",
        "phone": "0120-99-7777",
        "hours": "毎日16時〜21時・18歳まで・無料",
        "description": "18歳までのこどもの話を聴く電話です。名前は言わなくてだいじょうぶ。",
        "audience": HelpResourceAudience.CHILDREN,
        "show_in_footer": True,
        "sort_order": 40,
    },
    {
        "name": "24時間子供SOSダイヤル（文部科学省）",
        "phone": "0120-0-78310",
        "hours": "24時間・無料",
        "description": "いじめや学校のこと、家のことなど、こどもも保護者も相談できます。",
        "audience": HelpResourceAudience.ALL,
        "show_in_footer": True,
        "sort_order": 50,
    },
    {
        "name": "いのちの電話",
        "phone": "0570-783-556",
        "hours": "10時〜22時",
        "description": "つらい気持ちを、電話で聴いてもらえます。",
        "audience": HelpResourceAudience.ADULTS,
        "sort_order": 60,
    },
    {
        "name": "こころの健康相談統一ダイヤル",
        "phone": "0570-064-556",
        "hours": "受付時間は都道府県・政令指定都市により異なります",
        "description": "かけた場所の公的な相談窓口につながります。",
        "audience": HelpResourceAudience.ADULTS,
        "sort_order": 70,
    },
    {
        "name": "孤独・孤立相談ダイヤル #9999",
        "phone": "#9999",
        "hours": "期間限定",
        "description": "実施期間だけ開設される相談ダイヤルです。表示開始日・終了日を実施期間に合わせてから公開してください。",
        "audience": HelpResourceAudience.ADULTS,
        "sort_order": 80,
        "is_active": False,
    },
]


def _rich(*paragraphs: str) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


HOME = {
    "title": "孤独・孤立に気づき、つなぐ人になる",
    "lead": (
        "つながりサポーターは、まわりの人の孤独や孤立に気づき、声をかけ、話を聴き、"
        "必要な支援につなぐ人です。特別な資格はいりません。この講座はだれでも無料で受けられます。"
    ),
    "about": (
        "<p>だれでも、人生のどこかで孤独を感じたり、頼れる人がいなくなったりすることがあります。"
        "それ自体は恥ずかしいことではありません。ただ、悩みをひとりで抱えたままでいると、"
        "問題が重なり合い、深刻になりやすくなります。</p>"
        "<p>つながりサポーターは、専門家ではありません。できる範囲で、身近な人に関心を持ち、"
        "「いつもと違うかな」と気づいたら声をかけ、話を聴き、相談できる場所を一緒に探す人です。"
        "講座を修了すると、修了証を受け取れます。</p>"
        "<ul><li>気づく：いつもと違う様子に目をとめる</li>"
        "<li>声をかける：「どうかした？」と話しかける</li>"
        "<li>聴く：さえぎらず、否定せずに話を聴く</li>"
        "<li>つなぐ：相談できる窓口や人につなぐ</li></ul>"
    ),
    "entries": [
        {
            "audience": "general",
            "title": "一般の方",
            "text": "地域の住民、家族や友人を気にかけたいすべての方へ。スマートフォンで受講できます（約75分）。",
            "link_text": "一般向け講座へ",
        },
        {
            "audience": "staff",
            "title": "職員・専門職の方",
            "text": "行政・学校・医療・福祉・企業などで働く方へ。窓口や職場でできることも学びます。",
            "link_text": "職員向け講座へ",
        },
        {
            "audience": "children",
            "title": "こども（学校で受講）",
            "text": "小学5年生から中学3年生向け。先生がクラスで進める45分の授業です。アカウントはいりません。",
            "link_text": "こども向け講座へ",
        },
    ],
}

PRIVACY = {
    "title": "プライバシーポリシー",
    "intro": "このサイトが集める情報、その使い方、あなたができることを説明します。",
    "body": [
        ("heading", "集める情報はできるだけ少なくしています"),
        (
            "paragraph",
            _rich(
                "アカウント登録で必要なのは、メールアドレスとパスワードだけです。",
                "都道府県・市区町村・分野・年代・性別は、受講者数を地域や分野ごとに集計するためにお聞きします。"
                "どれも「回答しない」を選べます。表示名は、修了証に印字するためだけに使います。",
            ),
        ),
        ("heading", "こどもの情報は集めません"),
        (
            "paragraph",
            _rich(
                "こども向け講座は、先生が作ったクラスのコードとニックネームで参加します。"
                "メールアドレスや名前など、こども本人を特定できる情報はお聞きしません。"
                "ニックネームと進み具合は、授業の終了後、決められた日数がたつと自動で削除されます。",
                "修了証に印字する名前は、先生が印刷するときに入力し、保存しません。",
            ),
        ),
        ("heading", "個人ワークの内容は共有しません"),
        (
            "paragraph",
            _rich(
                "講座の「個人ワーク」に書いた内容は、あなただけが見られます。ほかの人や管理者に共有することはなく、いつでも削除できます。"
                "こどもが書いた内容は保存しません。",
            ),
        ),
        ("heading", "統計として公表するもの"),
        (
            "paragraph",
            _rich(
                "公表するのは、都道府県・分野・年代などごとに集計した人数だけです。"
                "人数の少ない区分は表示しないため、公表した数から個人が特定されることはありません。",
            ),
        ),
        ("heading", "あなたができること"),
        (
            "paragraph",
            "<ul><li>「わたしのデータ」で、保存されているすべての情報を確認し、JSON形式でダウンロードできます。</li>"
            "<li>プロフィールはいつでも変更できます。</li>"
            "<li>アカウントを削除すると、プロフィールと学習の記録は消えます。すでに集計された人数は、個人と結びつかない数として残ります。</li></ul>",
        ),
        ("heading", "安全管理"),
        (
            "paragraph",
            _rich(
                "通信は暗号化し、管理画面に入る職員には二段階認証を必須にしています。"
                "統計の担当者が見られるのは、担当する地域の集計値だけで、個人の記録は見られません。",
            ),
        ),
    ],
}

ACCESSIBILITY = {
    "title": "ウェブアクセシビリティ方針",
    "intro": "年齢や障害の有無、使う機器にかかわらず、だれもが講座を受けられるサイトを目指しています。",
    "body": [
        ("heading", "目標とする適合レベル"),
        (
            "paragraph",
            _rich(
                "JIS X 8341-3:2016 の適合レベルAAに準拠することを目標とし、WCAG 2.2 のレベルAAを設計の基準にしています。",
            ),
        ),
        ("heading", "取り組んでいること"),
        (
            "paragraph",
            "<ul><li>キーボードだけで操作でき、どこにフォーカスがあるかが見えるようにしています。</li>"
            "<li>スクリーンリーダーで読み上げられるよう、見出し・ランドマーク・代替テキストを付けています。</li>"
            "<li>画面上部のボタンで文字を大きくできます。ブラウザーで200%まで拡大しても読めるようにしています。</li>"
            "<li>色だけで情報を伝えないようにしています。</li>"
            "<li>こども向け講座では、学年に合わせて漢字にふりがなを付け、表示・非表示を切り替えられます。</li>"
            "<li>動きを減らす設定をしている端末では、アニメーションを止めます。</li></ul>",
        ),
        ("heading", "試験の結果"),
        (
            "paragraph",
            _rich(
                "2026年11月27日、axe-core 4.14.1 を Chromium で動かし、すべての種類の画面（トップ、講座、"
                "一般・職員・こども向けのレッスン、確認テストとその結果、修了証の確認、クラスへの参加、児童のレッスン、"
                "教員の画面、統計、ログイン・登録・プロフィール・わたしのデータ、管理画面）を試験しました。"
                "WCAG 2.0・2.1・2.2 のレベルA・AAの項目で、問題は見つかりませんでした。"
                "キーボードだけで講座を受け終え確認テストに合格できること、幅320ピクセルの画面で横にスクロールしないこと、"
                "動きを減らす設定が守られることも、変更のたびに自動試験で確かめています。"
                "自動試験では見つからない問題もあるため、お気づきの点をお知らせください。",
            ),
        ),
        ("heading", "お気づきの点があれば"),
        (
            "paragraph",
            _rich("使いにくい点や読みにくい点があれば、運営事務局までお知らせください。順次改善します。"),
        ),
    ],
}


def seed_help_resources(report: SeedReport) -> None:
    for order, data in enumerate(HELP_RESOURCES):
        values = {"phone": "", "url": "", "show_in_footer": False, "is_active": True, **data}
        values.setdefault("last_verified", VERIFIED_ON)
        name = values.pop("name")
        resource = HelpResource.objects.filter(name=name).first()
        label = f"HelpResource:{name}"
        if resource is None:
            resource = HelpResource(name=name, **values)
            resource.full_clean()
            resource.save()
            report.created.append(label)
            continue
        changed = {k: v for k, v in values.items() if k != "last_verified" and getattr(resource, k) != v}
        if changed:
            for key, value in changed.items():
                setattr(resource, key, value)
            resource.full_clean()
            resource.save()
            report.updated.append(label)
        else:
            report.unchanged.append(label)
        del order


def ensure_home_page(report: SeedReport) -> HomePage:
    """Make our HomePage the site root, replacing Wagtail's 'Welcome' page on a new database."""
    root = ensure_root()
    home = HomePage.objects.first()
    # Keep the course pages the entries already link to (the courses seed links them).
    linked = {block.value["audience"]: block.value["page"] for block in home.entries} if home else {}
    values = {
        "title": HOME["title"],
        "lead": HOME["lead"],
        "about": HOME["about"],
        "entries": [("entry", {**entry, "page": linked.get(entry["audience"])}) for entry in HOME["entries"]],
    }
    if home is None:
        home = upsert_page(root, HomePage, "tsunagari", values, report, label="HomePage")
    else:
        home = upsert_page(root, HomePage, home.slug, values, report, label="HomePage")
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="つながりサポーター"
        )
    elif site.root_page_id != home.pk:
        old_root = site.root_page
        site.root_page = home
        site.site_name = "つながりサポーター"
        site.save()
        if old_root.specific_class is Page and old_root.depth == 2 and not old_root.get_children().exists():
            old_root.delete()  # Wagtail's placeholder welcome page
    return home


@transaction.atomic
def seed() -> SeedReport:
    report = SeedReport()
    seed_help_resources(report)
    home = ensure_home_page(report)
    upsert_page(home, StandardPage, "privacy", {**PRIVACY, "last_reviewed": VERIFIED_ON}, report)
    upsert_page(home, StandardPage, "accessibility", {**ACCESSIBILITY, "last_reviewed": VERIFIED_ON}, report)
    return report


def link_entries(pages_by_audience: dict[str, Page]) -> None:
    """Point the three home-page entries at the course pages (called by the courses seed)."""
    home = HomePage.objects.first()
    if home is None:
        return
    latest = home.get_latest_revision()
    if latest is not None and latest.user_id is not None:
        return
    entries = []
    changed = False
    for block in home.entries:
        value = dict(block.value)
        page = pages_by_audience.get(value["audience"])
        if page is not None and (value.get("page") is None or value["page"].pk != page.pk):
            value["page"] = page
            changed = True
        entries.append(("entry", value))
    if changed:
        home.entries = entries
        home.save_revision().publish()
