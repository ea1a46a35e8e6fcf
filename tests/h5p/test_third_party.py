"""A package in the shape other tools export (H5P.TrueFalse 1.8 with its preloaded libraries, an
image, an editor library, fonts and SVG images; tests/h5p/fixtures/third_party/README.md says how
it was made): accepted by the real pipeline, reported, stored once, and served safely from the
player origin."""

import json

import pytest
from django.contrib.auth.models import Permission

from accounts.factories import UserFactory
from h5p.models import H5PContent, H5PLibrary
from h5p.package import PackageRefused
from h5p.seed import SeedInstaller
from h5p.services import install
from tests.h5p.conftest import stored_files, third_party_package

pytestmark = pytest.mark.django_db

PLAYER = "localhost:8000"
PRELOADED = [
    "FontAwesome 4.5.6",
    "H5P.Components 1.0.0",
    "H5P.FontIcons 1.0.10",
    "H5P.Image 1.1.18",
    "H5P.JoubelUI 1.3.15",
    "H5P.Question 1.5.18",
    "H5P.Transition 1.0.0",
    "H5P.TrueFalse 1.8.5",
    "jQuery.ui 1.10.22",
]


@pytest.fixture(autouse=True)
def _origins(settings):
    settings.H5P_PLAYER_ORIGIN = f"http://{PLAYER}"
    settings.H5P_SITE_ORIGIN = "http://127.0.0.1:8000"


def test_a_true_false_export_is_accepted_and_reported(settings):
    content = install(third_party_package(), SeedInstaller(), key="true-false")

    assert content.title == "声かけの基本（〇×クイズ）"
    assert content.main_library.machine_name == "H5P.TrueFalse" and content.main_library.version == "1.8.5"
    assert sorted(str(library) for library in content.libraries.all()) == PRELOADED
    assert sorted(content.report["new_libraries"]) == PRELOADED
    # The editor library is vetted but never stored; the report says so.
    assert content.report["unused_libraries"] == ["H5PEditor.ShowWhen 1.0.5"]
    assert not H5PLibrary.objects.filter(machine_name__startswith="H5PEditor").exists()
    problems = content.report["problems"]
    assert any("H5PEditor.ShowWhen 1.0.5" in p and "保存しなかったライブラリ" in p for p in problems)
    assert any("language/.en.json" in p for p in problems)
    assert content.report["files"] == ["images/figure-5f3a.svg", "images/photo-9c1e.png"]

    # Fonts and SVG images inside libraries are stored with the library.
    font_awesome = H5PLibrary.objects.get(machine_name="FontAwesome")
    assert {"fonts/fontawesome-webfont.woff", "fonts/fontawesome-webfont.svg"} <= set(font_awesome.files)
    assert "images/plus-one-transparent.svg" in H5PLibrary.objects.get(machine_name="H5P.Question").files
    # content.json: the exported text survives sanitising unchanged where it was safe (html fields
    # keep <p> although the semantics do not list it), and the image field still points at its file.
    assert content.content_json["question"] == "<p>声をかけるときは、まず相手の話を最後まで聴くことが大切である。</p>"
    assert content.content_json["correct"] == "true"
    assert content.content_json["l10n"]["score"] == "@total 点中 @score 点"
    assert (
        content.content_json["confirmCheck"]["body"]
        == "<p>答え合わせのあとは、<strong>答えを変えられません</strong>。</p>"
    )
    assert content.content_json["behaviour"]["enableRetry"] is True
    image = content.content_json["media"]["type"]
    assert image["library"] == "H5P.Image 1.1" and image["params"]["file"]["path"] == "images/photo-9c1e.png"
    assert image["params"]["alt"] == "ベンチで隣に座り、うなずきながら話を聴くサポーター"
    assert any(name.startswith("libraries/FontAwesome-4.5.6-") for name in stored_files(settings))


def test_a_second_export_reuses_the_installed_libraries_for_an_editor(settings):
    install(third_party_package(), SeedInstaller(), key="first")
    editor = UserFactory()
    editor.user_permissions.add(Permission.objects.get(codename="add_h5pcontent"))
    library_files = sorted(name for name in stored_files(settings) if name.startswith("libraries/"))

    second = install(third_party_package(), editor, key="second")

    assert second.report["new_libraries"] == []
    assert H5PLibrary.objects.count() == len(PRELOADED)
    assert sorted(name for name in stored_files(settings) if name.startswith("libraries/")) == library_files


def test_hostile_text_in_the_export_is_sanitised_against_the_libraries_semantics():
    def change(files):
        content = json.loads(files["content/content.json"])
        content["question"] = '<p onmouseover="steal()">まず<strong>聴く</strong><script>x()</script></p>'
        content["confirmCheck"]["header"] = "<b>確認</b>"  # plain text field: escaped
        content["media"]["type"] = {"library": "H5P.Evil 1.0", "params": {}}  # not in the field's options
        files["content/content.json"] = json.dumps(content).encode()

    content = install(third_party_package(change), SeedInstaller())
    assert content.content_json["question"] == "<p>まず<strong>聴く</strong></p>"
    assert content.content_json["confirmCheck"]["header"] == "&lt;b&gt;確認&lt;/b&gt;"
    assert content.content_json["media"]["type"] == {}
    assert any("H5P.Evil 1.0" in p for p in content.report["problems"])


def test_an_image_field_pointing_outside_the_exports_content_folder_is_emptied():
    def change(files):
        content = json.loads(files["content/content.json"])
        content["media"]["type"]["params"]["file"]["path"] = "../h5p.json"
        files["content/content.json"] = json.dumps(content).encode()

    content = install(third_party_package(change), SeedInstaller())
    assert content.content_json["media"]["type"]["params"]["file"]["path"] == ""
    assert any("media.type.params.file" in p and "../h5p.json" in p for p in content.report["problems"])


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("content/images/run.js", "使えない種類のファイルがあります（.js）"),
        ("content/page.html", "使えない種類のファイルがあります（.html）"),
        ("H5P.TrueFalse-1.8/scripts/shell.php", "使えない種類のファイル"),
        ("H5PEditor.ShowWhen-1.0/page.html", "使えない種類のファイル"),  # editor libraries are vetted too
    ],
)
def test_the_export_with_a_hostile_file_is_refused_and_nothing_is_written(settings, name, message):
    data = third_party_package(lambda files: files.__setitem__(name, b"<script>alert(1)</script>"))
    with pytest.raises(PackageRefused) as refused:
        install(data, SeedInstaller())
    assert message in refused.value.message
    assert H5PContent.objects.count() == 0 and H5PLibrary.objects.count() == 0 and stored_files(settings) == []


def test_the_exports_files_are_served_safely_from_the_player_origin(client):
    content = install(third_party_package(), SeedInstaller(), key="true-false")
    base = f"/h5p/player/{content.uuid}"

    svg = client.get(f"{base}/content/images/figure-5f3a.svg", HTTP_HOST=PLAYER)
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert svg["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in svg["Content-Security-Policy"] and "default-src 'none'" in svg["Content-Security-Policy"]
    assert not svg.cookies

    font = client.get(f"{base}/libraries/FontAwesome-4.5/fonts/fontawesome-webfont.woff", HTTP_HOST=PLAYER)
    assert font.status_code == 200 and font["Content-Type"] == "font/woff"
    assert font["Access-Control-Allow-Origin"] == "*"  # fonts load cross-origin from the sandboxed frame
    eot = client.get(f"{base}/libraries/FontAwesome-4.5/fonts/fontawesome-webfont.eot", HTTP_HOST=PLAYER)
    assert eot["Content-Type"] == "application/vnd.ms-fontobject"
    transition = client.get(f"{base}/libraries/H5P.Transition-1.0/transition.js", HTTP_HOST=PLAYER)
    assert transition.status_code == 200 and transition["Content-Type"].startswith("text/javascript")
    assert b"H5P.Transition" in b"".join(transition.streaming_content)
    # The editor library was not stored, so it is not served; nor on the site's host.
    assert client.get(f"{base}/libraries/H5PEditor.ShowWhen-1.0/h5p-show-when.js", HTTP_HOST=PLAYER).status_code == 404
    assert client.get(f"{base}/content/images/figure-5f3a.svg").status_code == 404


def test_multichoice_shaped_semantics_list_group_library_image_and_optional_fields():
    """The semantics features real content types use, in H5P.MultiChoice's shape: a `library`
    sub-content (H5P.Image with an `image` field), a `list` of `group`s with `html` fields whose
    `tags` come from the semantics, an optional plain `text`, and a one-field group stored flat."""
    from h5p.sanitise import sanitise_content

    image_semantics = [
        {"name": "file", "type": "image"},
        {"name": "alt", "type": "text"},
        {"name": "title", "type": "text", "optional": True},
    ]
    semantics = [
        {
            "name": "media",
            "type": "group",
            "fields": [{"name": "type", "type": "library", "options": ["H5P.Image 1.1"]}],
        },
        {"name": "question", "type": "text", "widget": "html", "tags": ["strong", "em", "sub", "sup", "h2", "h3"]},
        {
            "name": "answers",
            "type": "list",
            "field": {
                "name": "answer",
                "type": "group",
                "fields": [
                    {"name": "text", "type": "text", "widget": "html", "tags": ["strong", "em", "sub", "sup", "code"]},
                    {"name": "correct", "type": "boolean"},
                    {
                        "name": "tipsAndFeedback",
                        "type": "group",
                        "fields": [
                            {"name": "tip", "type": "text", "widget": "html", "optional": True, "tags": ["p", "br"]},
                            {"name": "chosenFeedback", "type": "text", "widget": "html", "optional": True},
                        ],
                    },
                ],
            },
        },
        {"name": "overallFeedback", "type": "group", "fields": [{"name": "feedback", "type": "text"}]},
        {"name": "note", "type": "text", "optional": True},
    ]
    content = {
        "media": {
            "type": {
                "library": "H5P.Image 1.1",
                "params": {"file": {"path": "images/photo-9c1e.png", "mime": "image/png"}, "alt": "<写真>"},
                "subContentId": "3f1c",
                "metadata": {"contentType": "Image", "license": "U", "title": "写真"},
            }
        },
        "question": "<p>Which is <strong>true</strong>?</p>",
        "answers": [
            {
                "text": "<div>Tokyo <code>A</code></div>",
                "correct": True,
                "tipsAndFeedback": {"tip": "<p>Hint<img src=x onerror=alert(1)></p>", "chosenFeedback": ""},
            },
            {"text": "<p>Osaka</p>", "correct": False, "tipsAndFeedback": {}},
        ],
        "overallFeedback": "Well done & more",  # one-field group stored flat, as H5P does
    }
    problems = []
    clean = sanitise_content(
        content, semantics, {"H5P.Image 1.1": image_semantics}, {"images/photo-9c1e.png"}, problems
    )
    image = clean["media"]["type"]
    assert image["params"]["file"]["path"] == "images/photo-9c1e.png"
    assert image["params"]["alt"] == "&lt;写真&gt;"
    assert image["subContentId"] == "3f1c" and image["metadata"]["title"] == "写真"
    assert clean["question"] == "<p>Which is <strong>true</strong>?</p>"
    assert clean["answers"][0]["text"] == "<div>Tokyo <code>A</code></div>"
    assert clean["answers"][0]["correct"] is True
    assert clean["answers"][0]["tipsAndFeedback"]["tip"] == "<p>Hint</p>"
    assert clean["answers"][1] == {"text": "<p>Osaka</p>", "correct": False, "tipsAndFeedback": {}}
    assert clean["overallFeedback"] == "Well done &amp; more"
    assert "note" not in clean  # an optional field left out stays out
    assert any("tip" in p for p in problems)
