"""Lesson-page throughput and latency against a bare Django view, same server, same run.

    .venv/bin/python bench/lesson_page.py [--seconds 10] [--database-url postgres://…]

Serves the site with gunicorn (sync workers, 2 × cores + 1 by default — gunicorn's own advice and
what docs/deployment.md recommends; `--workers 2` for DESIGN.md's setup), production-like settings,
PostgreSQL, and Redis when REDIS_URL is set (as in production: sessions and caches). Signs a
learner in, starts the adult course and finishes its first lesson, then runs wrk (8 connections)
on a bare view and on the second lesson as that learner, both with the learner's cookies.
Prints both and the ratio. Goal (courses issue): lesson ≥ 50 % of the bare view, median ≤ 30 ms.
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DEFAULT_DB, Gunicorn, bench_env, ensure_database, manage, save, wrk

SETUP = """
import django
django.setup()
from django.test import Client
from accounts.factories import LearnerProfileFactory
from accounts.models import User
from courses.models import CoursePage, LessonPage
User.objects.filter(email="bench-learner@example.jp").delete()
course = CoursePage.objects.get(slug="adult")
lessons = list(LessonPage.objects.live().child_of(course).order_by("path"))
user = LearnerProfileFactory(user__email="bench-learner@example.jp").user
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(user)
client.post(course.url, {"action": "start"})
client.post(lessons[0].url, {"action": "done"})
assert client.get(lessons[1].url).status_code == 200
print(client.cookies["sessionid"].value)
print(client.cookies["csrftoken"].value)
print(lessons[1].url)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn sync workers")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args()

    ensure_database(args.database_url)
    env = bench_env(args.database_url)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_content")
    from subprocess import run

    output = run([sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, check=True).stdout.split()
    session_id, csrf_token, lesson_path = output[-3], output[-2], output[-1]

    server = Gunicorn(env, workers=args.workers)
    try:
        # What a browser sends back: the session and the CSRF cookie.
        cookie = f"sessionid={session_id}; csrftoken={csrf_token}"
        wrk(f"{server.base}/bench/bare/", seconds=2)  # warm up both workers
        wrk(f"{server.base}{lesson_path}", cookie=cookie, seconds=2)
        bare = wrk(f"{server.base}/bench/bare/", cookie=cookie, seconds=args.seconds)
        lesson = wrk(f"{server.base}{lesson_path}", cookie=cookie, seconds=args.seconds)
    finally:
        server.stop()

    ratio = lesson["rps"] / bare["rps"]
    print(f"{'':24}{'req/s':>10}{'p50 ms':>10}{'p90 ms':>10}{'non-2xx':>10}")
    for name, result in (("bare Django view", bare), ("lesson page (learner)", lesson)):
        print(
            f"{name:24}{result['rps']:>10.0f}{result['p50_ms']:>10.2f}{result['p90_ms']:>10.2f}{result['errors']:>10}"
        )
    print(f"ratio lesson/bare: {ratio:.2f} (goal ≥ 0.50); lesson median {lesson['p50_ms']:.1f} ms (goal ≤ 30 ms)")
    path = save(
        "lesson_page", {"bare": bare, "lesson": lesson, "ratio": ratio, "redis": bool(os.environ.get("REDIS_URL"))}
    )
    print(f"saved {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    main()
