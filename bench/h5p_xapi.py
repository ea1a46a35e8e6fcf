"""xAPI statements from the H5P player under load, against a bare POST view in the same run.

    .venv/bin/python bench/h5p_xapi.py [--learners 40] [--requests 20] [--concurrency 8] [--database-url …]

gunicorn (sync workers, 2 × cores + 1) with production-like settings on PostgreSQL (Redis when
REDIS_URL is set). Enrolled learners POST `answered` statements for the seeded activity in the
adult course (JSON, session cookie and CSRF header, as static/js/h5p-lesson.js does), from
`--concurrency` clients at once. Prints median and p95 latency of the xAPI POST and of the bare
POST view, their ratio, and counts the statements stored.
Goal (H5P issue): xAPI POST p95 ≤ 50 ms on this machine.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DEFAULT_DB, Gunicorn, bench_env, ensure_database, manage, save

ACTIVITY = "tsunagari-choice-first-step"

SETUP = """
import json, sys
import django
django.setup()
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.test import Client
from accounts.factories import LearnerProfileFactory
from accounts.models import User
from courses.models import CoursePage, Enrolment, LessonPage
count, activity = int(sys.argv[1]), sys.argv[2]
User.objects.filter(email__startswith="bench-h5p-").delete()
course = CoursePage.objects.get(slug="adult")
lesson = next(
    l for l in LessonPage.objects.live().child_of(course)
    if any(b.block_type == "activity" and b.value.get("reference") == activity for b in l.body)
)
rows = []
for n in range(count):
    user = LearnerProfileFactory(user__email=f"bench-h5p-{n}@example.jp").user
    Enrolment.objects.create(user=user, course=course)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    secret = get_token(HttpRequest())  # a masked token: Django takes it as the cookie too
    rows.append({
        "cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={secret}",
        "token": secret,
    })
print(json.dumps({"lesson": lesson.pk, "rows": rows}))
"""

COUNT = """
import json
import django
django.setup()
from h5p.models import XAPIStatement
print(json.dumps({"statements": XAPIStatement.objects.filter(user__email__startswith="bench-h5p-").count()}))
"""


def statement(n: int) -> dict:
    return {
        "actor": {"name": "bench", "mbox": "mailto:bench@example.jp"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
        "object": {"id": f"http://127.0.0.1/h5p/activities/{ACTIVITY}", "objectType": "Activity"},
        "result": {"score": {"raw": n % 2, "max": 1, "min": 0, "scaled": n % 2}, "completion": True},
    }


def post(url: str, row: dict, body: bytes, content_type: str) -> tuple[float, int]:
    request = urllib.request.Request(  # noqa: S310 - loopback only
        url,
        data=body,
        headers={"Cookie": row["cookie"], "X-CSRFToken": row["token"], "Content-Type": content_type},
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return (time.perf_counter() - started) * 1000, status


def run(url: str, rows: list[dict], requests: int, concurrency: int, lesson: int | None) -> tuple[list, list]:
    """`concurrency` clients, each posting for its share of the learners, `requests` times each."""
    jobs = [(row, n) for n in range(requests) for row in rows]
    latencies, statuses, lock = [], [], threading.Lock()

    def worker(share):
        for row, n in share:
            if lesson is None:
                body, kind = b"", "application/x-www-form-urlencoded"
            else:
                body = json.dumps({"activity": ACTIVITY, "lesson": lesson, "statement": statement(n)}).encode()
                kind = "application/json"
            latency, status = post(url, row, body, kind)
            with lock:
                latencies.append(latency)
                statuses.append(status)

    threads = [threading.Thread(target=worker, args=(jobs[i::concurrency],)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=40)
    parser.add_argument("--requests", type=int, default=20, help="statements per learner")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args()

    ensure_database(args.database_url)
    env = bench_env(args.database_url)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_content")
    setup = subprocess.run(
        [sys.executable, "-c", SETUP, str(args.learners), ACTIVITY], env=env, capture_output=True, text=True, check=True
    )
    data = json.loads(setup.stdout.strip().splitlines()[-1])

    server = Gunicorn(env, workers=args.workers)
    try:
        run(f"{server.base}/bench/bare-post/", data["rows"], 2, args.concurrency, None)  # warm up every worker
        run(f"{server.base}/api/v1/h5p/xapi", data["rows"], 1, args.concurrency, data["lesson"])
        bare, bare_status = run(f"{server.base}/bench/bare-post/", data["rows"], args.requests, args.concurrency, None)
        xapi, xapi_status = run(
            f"{server.base}/api/v1/h5p/xapi", data["rows"], args.requests, args.concurrency, data["lesson"]
        )
    finally:
        server.stop()
    counts = json.loads(
        subprocess.run([sys.executable, "-c", COUNT], env=env, capture_output=True, text=True, check=True).stdout
    )

    print(
        f"{len(xapi)} xAPI POSTs from {args.learners} learners, {args.concurrency} clients at once "
        f"({args.workers} gunicorn workers)"
    )
    print(f"{'':20}{'p50 ms':>10}{'p95 ms':>10}{'statuses':>16}")
    for name, values, statuses in (("bare POST view", bare, bare_status), ("xAPI POST", xapi, xapi_status)):
        print(f"{name:20}{statistics.median(values):>10.1f}{p95(values):>10.1f}{sorted(set(statuses))!s:>16}")
    print(f"ratio p95 xAPI / p95 bare: {p95(xapi) / p95(bare):.1f} (goal: xAPI p95 ≤ 50 ms)")
    expected = args.learners * (args.requests + 1)
    print(f"statements stored: {counts['statements']} (expected {expected})")
    save("h5p_xapi", {"bare": bare, "xapi": xapi, "counts": counts, "args": vars(args)})
    ok = counts["statements"] == expected and set(xapi_status) == {201}
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
