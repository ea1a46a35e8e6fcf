"""Lesson pages against a bare Django view, same server, same run.

    .venv/bin/python bench/lesson_page.py [--seconds 10] [--workers 2] [--database-url postgres://…]

Serves the site with gunicorn (sync workers, `--preload`), production-like settings (DEBUG off),
PostgreSQL, and Redis when REDIS_URL is set (as in production: sessions and caches shared by the
workers). Seeds the three courses, signs a learner in, starts the adult course and finishes its
first lesson. Then, with wrk (8 connections) on the same server:

- the bare view (the baseline), with the learner's cookies;
- a guest's lesson page (the shared page; no cookies);
- the signed-in learner's lesson view: the page and the learner-state view it fetches
  (`learn/lessons/<id>/me/`), alternated on the same connections (a Lua script), so one "view"
  is two requests;
- the learner-state view alone.

Then, one request at a time: the same lesson right after an edit (the lesson version bumped and
the route map dropped, as an editor's publish does), the page and the state view, N times, timed
by the client; and the bare view, also one at a time, as that figure's baseline.

Queries per request come from the same setup (Django's CaptureQueriesContext, in process).
Goals (issue 27): learner view ≥ 0.5× bare, median ≤ 15 ms; guest ≥ 0.8× bare; cold ≤ 30 ms median.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from subprocess import run

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DEFAULT_DB, Gunicorn, bench_env, ensure_database, manage, save, wrk

SETUP = """
import json
import django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from accounts.factories import LearnerProfileFactory
from accounts.models import User
from courses.models import CoursePage, LessonPage
from courses.caching import invalidate_lessons
from core.routing import invalidate_routes
User.objects.filter(email="bench-learner@example.jp").delete()
course = CoursePage.objects.get(slug="adult")
lessons = list(LessonPage.objects.live().child_of(course).order_by("path"))
user = LearnerProfileFactory(user__email="bench-learner@example.jp").user
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(user)
client.post(course.url, {"action": "start"})
client.post(lessons[0].url, {"action": "done"})
lesson = lessons[1]
state = f"/learn/lessons/{lesson.pk}/me/"
guest = Client(HTTP_HOST="127.0.0.1")
assert client.get(lesson.url).status_code == 200 and guest.get(lesson.url).status_code == 200

def queries(c, url, **extra):
    with CaptureQueriesContext(connection) as ctx:
        response = c.get(url, **extra)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)

counts = {
    "guest page (warm)": queries(guest, lesson.url),
    "learner page (warm)": queries(client, lesson.url),
    "learner state view": queries(client, state, HTTP_ACCEPT="application/json"),
}
invalidate_lessons(); invalidate_routes()
counts["learner page (after an edit)"] = queries(client, lesson.url)
print(json.dumps({"session": client.cookies["sessionid"].value, "csrf": client.cookies["csrftoken"].value,
                  "lesson": lesson.url, "state": state, "queries": counts}))
"""

# A publish, as seen by every server: the lessons' version token and the route map replaced.
EDIT = """
import django
django.setup()
from courses.caching import invalidate_lessons
from core.routing import invalidate_routes
invalidate_lessons(); invalidate_routes()
"""

ALTERNATE = """
local paths = {"%s", "%s"}
local n = 0
request = function()
  n = n + 1
  local path = paths[(n %% 2) + 1]
  local headers = {Cookie = "%s"}
  if path == paths[2] then headers["Accept"] = "application/json" end
  return wrk.format("GET", path, headers)
end
"""


def timed_get(url: str, cookie: str, accept: str = "text/html") -> float:
    request = urllib.request.Request(url, headers={"Cookie": cookie, "Accept": accept})  # noqa: S310 - loopback
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
        response.read()
        if response.status != 200:
            raise SystemExit(f"{url}: {response.status}")
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (DESIGN.md: 2)")
    parser.add_argument("--cold", type=int, default=30, help="requests right after an edit")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        print("note: REDIS_URL is unset, so each worker has its own cache and an edit is not seen by the others")

    import json

    ensure_database(args.database_url)
    env = bench_env(args.database_url)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_content")
    setup = json.loads(
        run([sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, check=True).stdout.splitlines()[-1]
    )
    cookie = f"sessionid={setup['session']}; csrftoken={setup['csrf']}"

    server = Gunicorn(env, workers=args.workers)
    try:
        base = server.base
        wrk(f"{base}/bench/bare/", seconds=2)
        wrk(f"{base}{setup['lesson']}", seconds=2)
        bare = wrk(f"{base}/bench/bare/", cookie=cookie, seconds=args.seconds)
        guest = wrk(f"{base}{setup['lesson']}", seconds=args.seconds)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(ALTERNATE % (setup["lesson"], setup["state"], cookie))
        learner = wrk(f"{base}{setup['lesson']}", seconds=args.seconds, script=script.name)
        os.unlink(script.name)
        state = wrk(f"{base}{setup['state']}", cookie=cookie, seconds=args.seconds, accept="application/json")

        cold_page, cold_state, bare_one = [], [], []
        for _ in range(args.cold):
            run([sys.executable, "-c", EDIT], env=env, check=True)
            cold_page.append(timed_get(f"{base}{setup['lesson']}", cookie))
            cold_state.append(timed_get(f"{base}{setup['state']}", cookie, "application/json"))
            bare_one.append(timed_get(f"{base}/bench/bare/", cookie))
    finally:
        server.stop()

    views = learner["rps"] / 2
    learner_median = learner["p50_ms"] * 2  # two requests, one after the other, per view
    cold = [p + s for p, s in zip(cold_page, cold_state, strict=True)]
    print(f"{'':36}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'non-2xx':>9}{'× bare':>8}")
    rows = (
        ("bare Django view", bare, bare["rps"]),
        ("guest lesson page", guest, guest["rps"]),
        ("learner: page + state (per request)", learner, learner["rps"]),
        ("learner state view alone", state, state["rps"]),
    )
    for name, result, rps in rows:
        print(
            f"{name:36}{rps:>9.0f}{result['p50_ms']:>9.2f}{result['p90_ms']:>9.2f}{result['errors']:>9}"
            f"{rps / bare['rps']:>8.2f}"
        )
    print(
        f"learner lesson views/s: {views:.0f} = {views / bare['rps']:.2f}× bare (goal ≥ 0.5); "
        f"median per view ≈ {learner_median:.1f} ms (goal ≤ 15)"
    )
    print(f"guest lesson page: {guest['rps'] / bare['rps']:.2f}× bare (goal ≥ 0.8)")
    print(
        f"right after an edit, one at a time ({args.cold}×): page + state median {statistics.median(cold):.1f} ms "
        f"(page {statistics.median(cold_page):.1f}, state {statistics.median(cold_state):.1f}); "
        f"bare view one at a time {statistics.median(bare_one):.1f} ms (goal ≤ 30 ms)"
    )
    print("queries per request:", ", ".join(f"{k} {v}" for k, v in setup["queries"].items()))
    path = save(
        "lesson_page",
        {
            "bare": bare, "guest": guest, "learner_pair": learner, "state": state,
            "cold_ms": cold, "cold_page_ms": cold_page, "cold_state_ms": cold_state, "bare_one_ms": bare_one,
            "queries": setup["queries"], "workers": args.workers, "redis": bool(os.environ.get("REDIS_URL")),
        },
    )  # fmt: skip
    print(f"saved {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    main()
