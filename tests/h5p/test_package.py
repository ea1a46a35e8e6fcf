"""The upload pipeline: a hostile corpus built here, each refused with a clear Japanese message and
nothing written to storage or the database; sanitising; library de-duplication and permission."""

import io
import json
import stat
import zipfile

import pytest
from django.contrib.auth.models import Permission

from accounts.factories import UserFactory
from h5p import package as package_module
from h5p.models import H5PContent, H5PLibrary
from h5p.package import PackageRefused, inspect_package
from h5p.seed import SeedInstaller, build_package
from h5p.services import install
from tests.h5p.conftest import CHOICE, choice_package, rezip, stored_files, with_content

pytestmark = pytest.mark.django_db


def raw_zip(entries) -> bytes:
    """entries: (ZipInfo or name, bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, blob in entries:
            archive.writestr(info, blob)
    return out.getvalue()


def symlink_package() -> bytes:
    base = zipfile.ZipFile(io.BytesIO(choice_package()))
    entries = [(info.filename, base.read(info)) for info in base.infolist()]
    link = zipfile.ZipInfo("content/link.png")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    return raw_zip([*entries, (link, b"/etc/passwd")])


def bomb() -> bytes:
    return rezip(choice_package(), lambda f: f.__setitem__("content/zeros.txt", b"\0" * (20 * 1024 * 1024)))


def add(name, blob=b"x"):
    return lambda: rezip(choice_package(), lambda f: f.__setitem__(name, blob))


def drop(name):
    return lambda: rezip(choice_package(), lambda f: f.pop(name))


def replace(name, blob):
    return lambda: rezip(choice_package(), lambda f: f.__setitem__(name, blob))


def h5p_json_without_main():
    def change(files):
        meta = json.loads(files["h5p.json"])
        meta["mainLibrary"] = "Other.Library"
        meta["preloadedDependencies"].append({"machineName": "Other.Library", "majorVersion": 1, "minorVersion": 0})
        files["h5p.json"] = json.dumps(meta).encode()

    return rezip(choice_package(), change)


def library_removed():
    return rezip(
        choice_package(),
        lambda files: [files.pop(name) for name in list(files) if name.startswith("Tsunagari.ChoiceFeedback-1.0/")],
    )


HOSTILE = [
    ("not a zip", lambda: b"this is not a zip file", "ZIP 形式）ではありません"),
    ("an empty file", lambda: b"", "ZIP 形式）ではありません"),
    ("a truncated zip", lambda: choice_package()[:200], "ZIP 形式）ではありません"),
    ("../ path", add("../evil.js"), "「../」を含むパス"),
    ("../ inside content", add("content/../../x.png"), "「../」を含むパス"),
    ("absolute path", add("/etc/cron.d/evil"), "絶対パス"),
    ("drive path", add("C:/evil.png"), "絶対パス"),
    ("backslash path", add("content\\..\\evil.png"), "「\\」を含むパス"),
    ("symlink entry", symlink_package, "シンボリックリンク"),
    ("zip bomb (ratio)", bomb, "ZIP 爆弾"),
    ("missing h5p.json", drop("h5p.json"), "h5p.json がありません"),
    ("h5p.json not JSON", replace("h5p.json", b"{not json"), "h5p.json が正しいJSONではありません"),
    (
        "h5p.json without mainLibrary",
        replace("h5p.json", b'{"title": "x", "preloadedDependencies": []}'),
        "mainLibrary",
    ),
    ("main library missing", h5p_json_without_main, "メインのライブラリ Other.Library 1.0 がファイルに含まれておらず"),
    ("main library folder removed", library_removed, "メインのライブラリ Tsunagari.ChoiceFeedback 1.0"),
    ("content.json missing", drop("content/content.json"), "content/content.json がありません"),
    (
        "content.json not JSON",
        replace("content/content.json", b"<html>"),
        "content/content.json が正しいJSONではありません",
    ),
    (".php in content", add("content/images/shell.php"), "使えない種類のファイルがあります（.php）"),
    (".html in content", add("content/page.html"), "使えない種類のファイルがあります（.html）"),
    (".js in content", add("content/run.js"), "使えない種類のファイルがあります（.js）"),
    (".htm in content", add("content/page.htm"), "使えない種類のファイルがあります（.htm）"),
    (".exe in content", add("content/setup.exe"), "使えない種類のファイルがあります（.exe）"),
    (".html in a library", add("Tsunagari.ChoiceFeedback-1.0/page.html"), "使えない種類のファイル"),
    ("dotfile in content", add("content/.htaccess"), "隠しファイル"),
    ("dotfile at the top", add(".env"), "隠しファイル"),
    ("dotfile folder in content", add("content/.git/config.json"), "隠しファイル"),
    ("extensionless file in content", add("content/images/noext"), "拡張子のないファイル"),
    ("stray top-level file", add("readme.txt"), "最上位に置けないファイル"),
    ("php in a library", add("Tsunagari.ChoiceFeedback-1.0/x.php"), "使えない種類のファイル"),
    ("library folder not matching", add("Wrong-9.9/library.json", b"{}"), "machineName が不正"),
]


@pytest.mark.parametrize(("label", "make", "message"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_every_hostile_package_is_refused_clearly_and_nothing_is_written(settings, label, make, message):
    data = make()
    with pytest.raises(PackageRefused) as refused:
        install(data, SeedInstaller())
    assert message in refused.value.message
    assert H5PLibrary.objects.count() == 0 and H5PContent.objects.count() == 0
    assert stored_files(settings) == []


def test_too_many_files_and_too_much_in_total_are_refused(settings, monkeypatch):
    many = rezip(choice_package(), lambda f: f.update({f"content/{i}.png": b"p" for i in range(30)}))
    monkeypatch.setattr(package_module, "MAX_FILES", 20)
    with pytest.raises(PackageRefused, match="ファイルの数が多すぎます"):
        install(many, SeedInstaller())
    monkeypatch.setattr(package_module, "MAX_FILES", 1500)
    monkeypatch.setattr(package_module, "MAX_TOTAL_UNCOMPRESSED", 10_000)
    big = rezip(choice_package(), lambda f: f.__setitem__("content/big.png", bytes(range(256)) * 100))
    with pytest.raises(PackageRefused, match="展開後の合計サイズが大きすぎます"):
        install(big, SeedInstaller())
    assert H5PContent.objects.count() == 0 and stored_files(settings) == []


def test_text_fields_are_sanitised_not_executed(settings):
    hostile = {
        "question": '<p onclick="steal()">Q<script>alert(1)</script><img src=x onerror="alert(2)"></p>',
        "choices": [
            {"text": "<b>bold?</b>", "correct": True, "feedback": '<p><a href="javascript:alert(3)">link</a> ok</p>'},
            {"text": "B", "correct": False, "feedback": "<p>fine</p>"},
        ],
        "answerLabel": "javascript:alert(4)",
        "unknown": '<iframe src="https://evil.example/"></iframe><em>kept</em>',
    }
    content = install(with_content(choice_package(), hostile), SeedInstaller())
    stored = json.dumps(content.content_json, ensure_ascii=False)
    for bad in ("<script", "onerror", "onclick", "javascript:", "<iframe", "<img"):
        assert bad not in stored
    assert content.content_json["question"].startswith("<p>Q")
    assert content.content_json["choices"][0]["text"] == "&lt;b&gt;bold?&lt;/b&gt;"  # plain text: escaped
    # Feedback allows p/br/strong/em only (its semantics): the link is unwrapped, its text kept.
    assert content.content_json["choices"][0]["feedback"] == "<p>link ok</p>"
    assert content.content_json["unknown"] == "<em>kept</em>"
    assert content.report["problems"], "the report lists what was removed"


def test_h5p_json_text_is_sanitised_and_the_title_kept(settings):
    data = choice_package(title="題名<script>alert(1)</script>")
    content = install(data, SeedInstaller())
    assert "<script" not in json.dumps(content.h5p_json) and content.title.startswith("題名")


def test_file_fields_must_point_inside_the_package():
    from h5p.sanitise import sanitise_content

    semantics = [{"name": "image", "type": "image"}]
    problems = []
    clean = sanitise_content(
        {"image": {"path": "javascript:alert(1)", "mime": "image/png"}}, semantics, {}, {"images/a.png"}, problems
    )
    assert clean["image"]["path"] == "" and problems
    ok = sanitise_content({"image": {"path": "images/a.png"}}, semantics, {}, {"images/a.png"}, [])
    assert ok["image"]["path"] == "images/a.png"


def test_a_library_is_kept_once_per_version(settings):
    editor = UserFactory()
    editor.user_permissions.add(Permission.objects.get(codename="add_h5pcontent"))
    first = install(choice_package(), SeedInstaller(), key="first")
    files_after_first = stored_files(settings)
    second = install(choice_package(title="二つめ"), editor, key="second")  # library already installed

    assert H5PLibrary.objects.count() == 1
    assert list(first.libraries.all()) == list(second.libraries.all())
    library_files = [name for name in stored_files(settings) if name.startswith("libraries/")]
    assert library_files == [name for name in files_after_first if name.startswith("libraries/")]
    assert second.report["new_libraries"] == []


def test_a_new_library_version_needs_permission_to_add_libraries(settings):
    editor = UserFactory()
    editor.user_permissions.add(Permission.objects.get(codename="add_h5pcontent"))
    with pytest.raises(PackageRefused) as refused:
        install(choice_package(), editor)
    assert "管理者に依頼してください" in refused.value.message
    assert "Tsunagari.ChoiceFeedback 1.0.0" in refused.value.message
    assert H5PLibrary.objects.count() == 0 and H5PContent.objects.count() == 0 and stored_files(settings) == []

    administrator = UserFactory()
    administrator.user_permissions.add(Permission.objects.get(codename="add_h5plibrary"))
    content = install(choice_package(), administrator)
    assert content.report["new_libraries"] == ["Tsunagari.ChoiceFeedback 1.0.0"]

    # A newer patch of the same library is a new version: again only for those allowed.
    def bump(files):
        name = "Tsunagari.ChoiceFeedback-1.0/library.json"
        meta = json.loads(files[name])
        meta["patchVersion"] = 1
        files[name] = json.dumps(meta).encode()

    with pytest.raises(PackageRefused, match="管理者に依頼"):
        install(rezip(choice_package(), bump), editor)
    assert H5PLibrary.objects.count() == 1


def test_a_content_may_rely_on_an_installed_library():
    install(choice_package(), SeedInstaller())
    without_library = rezip(
        choice_package(), lambda f: [f.pop(n) for n in list(f) if n.startswith("Tsunagari.ChoiceFeedback-1.0/")]
    )
    content = install(without_library, UserFactory(), key="no-library")
    assert content.main_library.machine_name == "Tsunagari.ChoiceFeedback"


def test_inspect_reports_title_main_library_and_files():
    data = rezip(choice_package(), lambda f: f.__setitem__("content/images/photo.png", b"\x89PNG...."))
    package = inspect_package(data)
    assert package.title == CHOICE["title"]
    assert package.main_library == "Tsunagari.ChoiceFeedback"
    assert list(package.media) == ["images/photo.png"]
    assert package.dependencies == [("Tsunagari.ChoiceFeedback", 1, 0)]


def test_the_seed_installs_through_the_same_pipeline_and_is_idempotent():
    from h5p import seed

    first = seed.seed()
    second = seed.seed()
    assert len(first.created) == 3 and len(second.unchanged) == 3
    assert H5PLibrary.objects.count() == 2  # two content types, each once
    assert H5PContent.objects.count() == 3


def test_a_package_built_from_our_content_types_is_a_real_zip():
    data = build_package("x", "Tsunagari.ReflectionCard", {"prompt": "<p>問い</p>"})
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "h5p.json" in names and "content/content.json" in names
    assert "Tsunagari.ReflectionCard-1.0/reflection-card.js" in names


def test_dotfiles_and_extensionless_files_in_library_folders_are_left_out_and_reported(settings):
    data = rezip(
        choice_package(),
        lambda f: f.update(
            {
                "Tsunagari.ChoiceFeedback-1.0/language/.en.json": b"{}",
                "Tsunagari.ChoiceFeedback-1.0/LICENSE": b"MIT",
                "__MACOSX/._h5p.json": b"junk",
            }
        ),
    )
    content = install(data, SeedInstaller())
    library = content.main_library
    assert "language/.en.json" not in library.files and "LICENSE" not in library.files
    assert not [name for name in stored_files(settings) if ".en.json" in name or name.endswith("LICENSE")]
    assert len([p for p in content.report["problems"] if "保存しなかったファイル" in p]) == 3


def two_library_package(include_sub=True) -> bytes:
    main_meta = {
        "title": "Test main",
        "machineName": "Test.Main",
        "majorVersion": 1,
        "minorVersion": 2,
        "patchVersion": 3,
        "runnable": 1,
        "preloadedJs": [{"path": "main.js"}],
        "preloadedDependencies": [{"machineName": "Test.Sub", "majorVersion": 1, "minorVersion": 0}],
    }
    main_semantics = [{"name": "sub", "type": "library", "options": ["Test.Sub 1.0"]}]
    sub_meta = {"title": "Test sub", "machineName": "Test.Sub", "majorVersion": 1, "minorVersion": 0, "patchVersion": 0}
    sub_semantics = [{"name": "html", "type": "text", "widget": "html", "tags": ["p", "strong"]}]
    h5p_json = {
        "title": "二段の教材",
        "mainLibrary": "Test.Main",
        "preloadedDependencies": [{"machineName": "Test.Main", "majorVersion": 1, "minorVersion": 2}],
    }
    content = {"sub": {"library": "Test.Sub 1.0", "params": {"html": '<p onclick="x()">hi<script>x()</script></p>'}}}
    entries = [
        ("h5p.json", json.dumps(h5p_json).encode()),
        ("content/content.json", json.dumps(content).encode()),
        ("Test.Main-1.2/library.json", json.dumps(main_meta).encode()),
        ("Test.Main-1.2/semantics.json", json.dumps(main_semantics).encode()),
        ("Test.Main-1.2/main.js", b"var H5P = H5P || {};"),
    ]
    if include_sub:
        entries += [
            ("Test.Sub-1.0/library.json", json.dumps(sub_meta).encode()),
            ("Test.Sub-1.0/semantics.json", json.dumps(sub_semantics).encode()),
        ]
    return raw_zip(entries)


def test_dependencies_are_resolved_transitively_and_sub_content_is_sanitised(settings):
    with pytest.raises(PackageRefused, match=r"必要なライブラリ Test\.Sub 1\.0 がファイルに含まれておらず"):
        install(two_library_package(include_sub=False), SeedInstaller())
    assert H5PContent.objects.count() == 0 and stored_files(settings) == []

    content = install(two_library_package(), SeedInstaller())
    assert sorted(str(lib) for lib in content.libraries.all()) == ["Test.Main 1.2.3", "Test.Sub 1.0.0"]
    assert content.content_json["sub"]["params"]["html"] == "<p>hi</p>"
    # Once installed, a package may rely on it.
    install(two_library_package(include_sub=False), SeedInstaller(), key="other")
    assert H5PLibrary.objects.count() == 2
