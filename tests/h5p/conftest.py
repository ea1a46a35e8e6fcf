import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from django.test import Client

from h5p.seed import ACTIVITIES, SeedInstaller, build_package
from h5p.services import install

THIRD_PARTY = Path(__file__).resolve().parent / "fixtures" / "third_party" / "true-false-export"

CHOICE = next(a for a in ACTIVITIES if a["library"] == "Tsunagari.ChoiceFeedback")
REFLECTION = next(a for a in ACTIVITIES if a["library"] == "Tsunagari.ReflectionCard")


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path):
    """Each test stores packages in its own folder, so "nothing written" can be checked."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield
    shutil.rmtree(tmp_path / "media", ignore_errors=True)


def stored_files(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT) / "h5p"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def choice_package(**overrides) -> bytes:
    params = overrides.pop("params", CHOICE["params"])
    return build_package(overrides.pop("title", CHOICE["title"]), "Tsunagari.ChoiceFeedback", params, **overrides)


def rezip(data: bytes, change) -> bytes:
    """A copy of a package with its entries changed by `change(dict name→bytes)`."""
    source = zipfile.ZipFile(io.BytesIO(data))
    files = {info.filename: source.read(info) for info in source.infolist()}
    change(files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, blob in files.items():
            archive.writestr(name, blob)
    return out.getvalue()


def with_content(data: bytes, content: dict) -> bytes:
    return rezip(data, lambda files: files.__setitem__("content/content.json", json.dumps(content).encode()))


@pytest.fixture
def choice(db):
    return install(choice_package(), SeedInstaller(), key="choice")


@pytest.fixture
def reflection(db):
    return install(
        build_package(REFLECTION["title"], "Tsunagari.ReflectionCard", REFLECTION["params"]),
        SeedInstaller(),
        key="reflection",
    )


@pytest.fixture
def h5p_lesson(course_index, choice, reflection):
    """A course whose first lesson has the choice activity (required, pass at 100 %) and the
    reflection card (optional); the second lesson has no activity."""
    from courses.factories import LessonPageFactory, build_course

    course_page, _ = build_course(course_index, lessons=0)
    lesson = LessonPageFactory(
        parent=course_page,
        body=[
            ("text", "<p>本文</p>"),
            ("activity", {"kind": "h5p", "reference": "choice", "required": True, "pass_percent": 100}),
            ("activity", {"kind": "h5p", "reference": "reflection", "required": False, "pass_percent": None}),
            ("help_resources", {"audience": "general"}),
        ],
    )
    other = LessonPageFactory(parent=course_page)
    return course_page, lesson, other


@pytest.fixture
def enrolled(h5p_lesson, learner):
    course_page, _lesson, _other = h5p_lesson
    client = Client()
    client.force_login(learner)
    client.post(course_page.url, {"action": "start"})
    return client


def statement(verb="answered", raw=1, maximum=1, **extra):
    body = {
        "actor": {"name": "someone else", "mbox": "mailto:x@example.com"},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en-US": verb}},
        "object": {"id": "http://127.0.0.1/h5p/activities/choice", "objectType": "Activity"},
        "result": {"score": {"raw": raw, "max": maximum, "min": 0, "scaled": raw / maximum}, "completion": True},
    }
    body.update(extra)
    return body


def third_party_package(change=None) -> bytes:
    """The H5P.TrueFalse export in tests/h5p/fixtures/third_party/ zipped as exporters do (directory
    entries included); `change(dict name→bytes)` may alter it first."""
    files = {
        path.relative_to(THIRD_PARTY).as_posix(): path.read_bytes()
        for path in sorted(THIRD_PARTY.rglob("*"))
        if path.is_file()
    }
    if change:
        change(files)
    folders = sorted({name.rsplit("/", 1)[0] + "/" for name in files if "/" in name})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder in folders:
            archive.writestr(folder, b"")
        for name, blob in files.items():
            archive.writestr(name, blob)
    return out.getvalue()
