"""Seed H5P activities made with the project's own content types (h5p/content_types/).

Each activity is built into a real `.h5p` package here and installed through the same pipeline as
an editor's upload (h5p.services.install: safe unzip, checks, sanitising, library dedupe). The
course seed places them in lessons by their keys. Running it twice changes nothing.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from django.db import transaction

from core.seeding import SeedReport
from h5p.models import H5PContent
from h5p.services import install

CONTENT_TYPES = Path(__file__).resolve().parent / "content_types"


class SeedInstaller:
    """The seed installs our own libraries: it may add library versions."""

    pk = None
    is_authenticated = True

    def has_perm(self, permission: str) -> bool:
        return True


def library_folder(machine_name: str) -> Path:
    matches = sorted(CONTENT_TYPES.glob(f"{machine_name}-*"))
    if not matches:
        raise LookupError(machine_name)
    return matches[-1]


def build_package(title: str, machine_name: str, params: dict, extra_files: dict[str, bytes] | None = None) -> bytes:
    """A complete `.h5p` (zip) with h5p.json, content/content.json and our library folder."""
    folder = library_folder(machine_name)
    meta = json.loads((folder / "library.json").read_text())
    h5p_json = {
        "title": title,
        "language": "ja",
        "mainLibrary": machine_name,
        "embedTypes": ["div"],
        "license": "U",
        "defaultLanguage": "ja",
        "preloadedDependencies": [
            {"machineName": machine_name, "majorVersion": meta["majorVersion"], "minorVersion": meta["minorVersion"]}
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("h5p.json", json.dumps(h5p_json, ensure_ascii=False))
        archive.writestr("content/content.json", json.dumps(params, ensure_ascii=False))
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
        for name, data in (extra_files or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


ACTIVITIES = [
    {
        "key": "tsunagari-choice-first-step",
        "title": "はじめの一歩を選ぶ",
        "library": "Tsunagari.ChoiceFeedback",
        "params": {
            "question": "<p>近所の人が、最近元気がなさそうです。あなたなら、まず何をしますか？</p>",
            "choices": [
                {
                    "text": "会ったときに、いつもどおりあいさつをして、ひとこと声をかける",
                    "correct": True,
                    "feedback": "<p>いい一歩です。特別なことをしなくても、気にかけていることは伝わります。相手が話したそうなら、聞き役になりましょう。</p>",
                },
                {
                    "text": "悩みを聞き出して、解決策をすぐに伝える",
                    "correct": False,
                    "feedback": "<p>力になりたい気持ちは大切です。ただ、急いで聞き出したり助言したりすると、相手が話しにくくなることがあります。まずは声をかけ、話を聞くことから始めましょう。</p>",
                },
                {
                    "text": "自分にできることはないので、そっとしておく",
                    "correct": False,
                    "feedback": "<p>無理をしないことも大切です。それでも、あいさつや短い声かけなら、負担なくできるかもしれません。</p>",
                },
            ],
            "answerLabel": "答える",
            "retryLabel": "もう一度",
        },
    },
    {
        "key": "tsunagari-reflection-my-connections",
        "title": "わたしのつながりをふりかえる",
        "library": "Tsunagari.ReflectionCard",
        "params": {
            "prompt": "<p>困ったときに話せる人や場所を、思いうかべてみましょう。家族、友人、職場、地域、相談窓口など、どこでもかまいません。</p>",
            "hint": "<p>思いうかばなくても大丈夫です。このレッスンの最後にある相談窓口も、あなたのつながりのひとつです。</p>",
            "noteLabel": "メモ（あなただけが見られます・書かなくてもかまいません）",
            "doneLabel": "ふりかえりを終える",
            "doneMessage": "おつかれさまでした。ときどき思い出して、考え直してみてください。",
        },
    },
    {
        "key": "tsunagari-choice-kids-friend",
        "title": "ともだちが元気がないとき",
        "library": "Tsunagari.ChoiceFeedback",
        "params": {
            "question": "<p>ともだちが、休み時間にひとりでさびしそうにしています。どうしたらいいかな？</p>",
            "choices": [
                {
                    "text": "「いっしょにあそぼう」と声をかける",
                    "correct": True,
                    "feedback": "<p>すてきだね。声をかけてもらえると、うれしい気持ちになるよ。</p>",
                },
                {
                    "text": "気になるけど、だまって見ている",
                    "correct": False,
                    "feedback": "<p>どうしたらいいか、まよったんだね。声をかけるのがむずかしいときは、先生や信頼できる大人に話してみよう。</p>",
                },
            ],
            "answerLabel": "こたえる",
            "retryLabel": "もういちど",
        },
    },
]


@transaction.atomic
def seed() -> SeedReport:
    report = SeedReport()
    for activity in ACTIVITIES:
        label = f"H5PContent:{activity['key']}"
        if H5PContent.objects.filter(key=activity["key"]).exists():
            report.unchanged.append(label)
            continue
        data = build_package(activity["title"], activity["library"], activity["params"])
        install(data, SeedInstaller(), key=activity["key"])
        report.created.append(label)
    return report
