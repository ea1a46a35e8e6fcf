"""`make run` on any PORT: the development settings point links, QR codes and the H5P player at
that port (the fresh-clone check crawls for links to another port)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def dev_settings(**env) -> list[str]:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SITE_URL); print(s.H5P_PLAYER_ORIGIN); print(s.H5P_SITE_ORIGIN); print(s.WAGTAILADMIN_BASE_URL)"
    )
    ours = ("SITE_URL", "H5P_PLAYER_ORIGIN", "H5P_SITE_ORIGIN", "PORT")
    clean = {key: value for key, value in os.environ.items() if key not in ours}
    result = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.dev", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


def test_the_site_and_the_player_follow_the_port_make_run_serves_on():
    assert dev_settings(PORT="18347") == [
        "http://127.0.0.1:18347",
        "http://localhost:18347",
        "http://127.0.0.1:18347",
        "http://127.0.0.1:18347",
    ]


def test_without_a_port_the_default_is_8000_and_explicit_origins_win():
    assert dev_settings()[:2] == ["http://127.0.0.1:8000", "http://localhost:8000"]
    assert dev_settings(PORT="9001", H5P_PLAYER_ORIGIN="http://player.test:7000")[1] == "http://player.test:7000"
