"""deploy/nginx/tsunagari.conf in front of the live server: a real nginx (Debian's, with the
cache-purge module) keeps the shared lesson pages, and Wagtail's frontend cache purges them on a
change, so a reader through the proxy never sees a stale lesson."""

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from courses.models import LessonPage
from quizzes.models import Quiz

ROOT = Path(__file__).resolve().parents[2]
MODULE = Path("/usr/lib/nginx/modules/ngx_http_cache_purge_module.so")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def proxy(live_server, transactional_db, settings, tmp_path):
    """nginx with the repository's configuration, its upstream, ports and cache directory
    pointed at this test; the app purges through it. Returns (proxy URL, Host header)."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(binary) or not MODULE.exists():
        message = "nginx tests SKIPPED: apt-get install nginx libnginx-mod-http-cache-purge"
        if os.environ.get("CI"):
            pytest.fail(message.replace("SKIPPED", "cannot run in CI"))
        pytest.skip(message)
    call_command("seed_content", verbosity=0)
    port, purge_port = free_port(), free_port()
    upstream = urlsplit(live_server.url)
    site = (ROOT / "deploy/nginx/tsunagari.conf").read_text()
    site = site.replace("/var/cache/nginx/tsunagari", str(tmp_path / "cache"))
    site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream.port};")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    site = site.replace("listen 8081;", f"listen 127.0.0.1:{purge_port};")
    assert f"{upstream.port};" in site and f"{purge_port};" in site  # the config still has its shape
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
        (tmp_path / folder).mkdir()
    (tmp_path / "nginx.conf").write_text(
        f"load_module {MODULE};\n{'user root;' if os.geteuid() == 0 else ''}\n"  # workers write the cache in tmp_path
        f"worker_processes 1;\npid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/logs/error.log;\nevents {{ worker_connections 64; }}\n"
        f"http {{\n access_log off;\n client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;\n"
        f" fastcgi_temp_path {tmp_path}/fastcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;\n"
        f"{site}\n}}\n"
    )
    command = [binary, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"]
    nginx = subprocess.Popen(command)  # noqa: S603 - our own configuration, on loopback
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    settings.WAGTAILFRONTENDCACHE = {
        "proxy": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": f"http://127.0.0.1:{purge_port}",
        }
    }
    lesson = LessonPage.objects.live().order_by("path").first()
    host = urlsplit(lesson.get_full_url()).netloc  # what the purge sends as Host
    yield f"http://127.0.0.1:{port}", host
    nginx.terminate()
    nginx.wait(timeout=10)
    assert "signal 11" not in (tmp_path / "logs/error.log").read_text()


def fetch(proxy, path, **headers):
    url, host = proxy
    request = urllib.request.Request(url + path, headers={"Host": host, **headers})  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{path}: {error.code} {error.headers} {error.read().decode()[:2000]}") from error


def heading(html: str) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1).strip()


def test_the_proxy_keeps_a_lesson_and_drops_it_when_it_is_edited(proxy):
    lesson = LessonPage.objects.live().order_by("path").first()
    path = urlsplit(lesson.get_full_url()).path
    first, _ = fetch(proxy, path)
    again, html = fetch(proxy, path)
    assert (first["X-Cache-Status"], again["X-Cache-Status"]) == ("MISS", "HIT")
    assert heading(html) == lesson.title

    lesson.title = "プロキシの向こうで変わった題"
    lesson.save_revision().publish()

    after, html = fetch(proxy, path)
    assert after["X-Cache-Status"] != "HIT"
    assert heading(html) == "プロキシの向こうで変わった題"
    assert fetch(proxy, path)[0]["X-Cache-Status"] == "HIT"


def test_a_renamed_quiz_in_a_lesson_is_not_served_stale_by_the_proxy(proxy):
    lesson = LessonPage.objects.live().order_by("path")[2]
    quiz = Quiz.objects.order_by("pk").first()
    lesson.body.append(("activity", {"kind": "quiz", "reference": quiz.key, "required": False, "pass_percent": None}))
    lesson.save_revision().publish()
    path = urlsplit(lesson.get_full_url()).path
    assert quiz.title in fetch(proxy, path)[1]
    assert fetch(proxy, path)[0]["X-Cache-Status"] == "HIT"

    quiz.title = "名前を変えた小テスト"
    quiz.save()

    headers, html = fetch(proxy, path)
    assert headers["X-Cache-Status"] != "HIT"
    assert "名前を変えた小テスト" in html


def test_editors_and_the_learners_state_pass_by_the_proxy(proxy):
    lesson = LessonPage.objects.live().order_by("path").first()
    path = urlsplit(lesson.get_full_url()).path
    fetch(proxy, path)
    editor, _ = fetch(proxy, path, Cookie="tsunagari_editor=1")
    assert editor["X-Cache-Status"] == "BYPASS"
    assert "no-store" in editor["Cache-Control"]
    state = f"/learn/lessons/{lesson.pk}/me/"
    for _ in range(2):
        headers, _ = fetch(proxy, state, Accept="application/json")
        assert headers["X-Cache-Status"] == "MISS"
        assert "no-store" in headers["Cache-Control"]
