"""Shared helpers for the benchmarks: a PostgreSQL database, gunicorn, and wrk on loopback."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/tsunagari_bench"


def bench_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    env["DATABASE_URL"] = database_url
    env.setdefault("PYTHONPATH", str(ROOT))
    return env


def ensure_database(database_url: str) -> None:
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def learner_ready_to_submit(email: str, course) -> tuple:
    """(user, form): a learner with every lesson of the course done and its final quiz started, and
    the form of an all-correct submission (read from the question bank). For the setup scripts
    the benchmarks run after `django.setup()`."""
    from accounts.factories import LearnerProfileFactory
    from courses.models import Enrolment, LessonPage, LessonProgress
    from quizzes.models import Question
    from quizzes.services import start_attempt

    user = LearnerProfileFactory(user__email=email).user
    enrolment = Enrolment.objects.create(user=user, course=course)
    lessons = LessonPage.objects.live().child_of(course)
    LessonProgress.objects.bulk_create([LessonProgress(enrolment=enrolment, lesson=lesson) for lesson in lessons])
    attempt = start_attempt(course.final_quiz, user)
    form = [("attempt", str(attempt.pk)), ("action", "submit")]
    for item in attempt.layout:
        question = Question.objects.get(pk=item["question"])
        choices = list(question.choices.order_by("sort_order"))
        if question.kind == "ordering":
            form += [(f"q{question.pk}_{c.pk}", str(i)) for i, c in enumerate(choices, start=1)]
        else:
            form += [(f"q{question.pk}", str(c.pk)) for c in choices if c.is_correct]
    return user, form


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn with the app loaded once before the workers fork (`--preload`), returned only when
    every worker has answered a request: no worker is still importing Django (seconds of CPU
    each) while a benchmark measures."""

    def __init__(self, env: dict[str, str], workers: int = 2):
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                PYTHON, "-m", "gunicorn", "config.wsgi", "--preload", "--workers", str(workers),
                "--bind", f"127.0.0.1:{self.port}",
            ],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.bench"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 90
        seen: set[str] = set()
        while time.time() < deadline and len(seen) < workers:
            seen |= self._answering_workers(workers * 2)
            if len(seen) < workers:
                time.sleep(0.2)
        if len(seen) < workers:
            self.stop()
            raise SystemExit(f"gunicorn did not start ({len(seen)} of {workers} workers answered)")

    def _answering_workers(self, parallel: int) -> set[str]:
        """Process ids of the workers that answered `parallel` requests sent at once."""
        import concurrent.futures

        def one(_n):
            try:
                with urllib.request.urlopen(f"{self.base}/bench/bare/", timeout=5) as response:  # noqa: S310 - loopback only
                    return response.read().decode().split()[-1]
            except OSError:
                return None

        with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
            return {pid for pid in pool.map(one, range(parallel)) if pid}

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


def wrk(
    url: str,
    cookie: str | None = None,
    seconds: int = 10,
    connections: int = 8,
    script: str | None = None,
    accept: str | None = None,
) -> dict:
    """Run wrk against a loopback URL; return requests/s, median and p90 latency in ms."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("benchmarks only target this machine's loopback address")
    binary = shutil.which("wrk")
    if binary is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    command = [binary, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if accept:
        command += ["-H", f"Accept: {accept}"]
    if script:
        command += ["-s", script]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {
        "rps": rps,
        "p50_ms": _ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1)),
        "p90_ms": _ms(re.search(r"90%\s+([\d.]+\w+)", output).group(1)),
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
    }


def _ms(value: str) -> float:
    number = float(re.match(r"[\d.]+", value).group(0))
    unit = value[len(re.match(r"[\d.]+", value).group(0)) :]
    return {"us": number / 1000, "ms": number, "s": number * 1000}[unit]


def save(name: str, data: dict) -> Path:
    folder = ROOT / "bench" / "results"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    return path
