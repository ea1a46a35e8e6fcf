"""Classroom mode under load: 40 classes × 35 pupils join within a minute and send progress as they
go through the lessons, while the 40 teachers' dashboards poll every 3 s; a bare view is sampled
in the same run as the baseline.

    .venv/bin/python bench/classroom.py [--classes 40] [--pupils 35] [--join-window 60] [--database-url …]

gunicorn (sync workers, 2 × cores + 1) with production-like settings on PostgreSQL (Redis when
REDIS_URL is set; sessions then live in Redis). The load is open-loop: every pupil has a time to
join (spread evenly over the join window) and a time for each lesson finished afterwards; a pool
of client threads sends each request when it is due. Prints p50/p95 of joins, progress updates,
dashboard polls and the bare view, the ratio of each p95 to the bare view's, the number of
errors, and checks in the database that every pupil joined and every lesson was recorded once.
Goals (classroom issue): join p95 ≤ 200 ms, progress p95 ≤ 50 ms, poll p95 ≤ 100 ms, zero errors.
"""

import argparse
import heapq
import http.client
import itertools
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Gunicorn, bench_env, ensure_database, manage, save

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/tsunagari_bench_classroom"

SETUP = """
import json, sys
import django
django.setup()
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.test import Client
from django.utils import timezone
from accounts import roles
from accounts.factories import UserFactory
from accounts.models import User
from classrooms import services
from classrooms.models import ClassSession
from courses.models import CoursePage
classes = int(sys.argv[1])
ClassSession.objects.filter(teacher__email__startswith="bench-teacher-").delete()
User.objects.filter(email__startswith="bench-teacher-").delete()
roles.ensure_groups()
group = Group.objects.get(name=roles.TEACHER)
course = CoursePage.objects.live().get(slug="children")
from courses.services import course_outline
outline = course_outline(course.pk)
rows = []
for n in range(classes):
    teacher = UserFactory(email=f"bench-teacher-{n}@example.jp")
    teacher.groups.add(group)
    session = services.create_session(
        teacher=teacher, school_name=f"ベンチ小学校{n}", prefecture="13", grade="e6", course=course,
        held_on=timezone.localdate(),
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(teacher)
    rows.append({"pk": session.pk, "code": session.code, "cookie": f"sessionid={client.cookies['sessionid'].value}"})
csrf = []
for _ in range(64):
    secret = get_token(HttpRequest())  # a masked token: Django takes it as the cookie too
    csrf.append({"cookie": f"csrftoken={secret}", "token": secret})
print(json.dumps({"classes": rows, "lessons": [lesson.id for lesson in outline.lessons], "csrf": csrf}))
"""

COUNT = """
import json, sys
import django
django.setup()
from classrooms.models import Pupil, PupilLessonProgress
filters = {"session__teacher__email__startswith": "bench-teacher-"}
print(json.dumps({
    "pupils": Pupil.objects.filter(**filters).count(),
    "progress": PupilLessonProgress.objects.filter(**{"pupil__" + k: v for k, v in filters.items()}).count(),
    "lessons_done_sum": sum(Pupil.objects.filter(**filters).values_list("lessons_done", flat=True)),
}))
"""


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, list[str]] = {}
        self.lag: list[float] = []

    def add(self, kind: str, ms: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(ms)
            if not ok:
                self.errors.setdefault(kind, []).append(detail)


def request(port: int, method: str, path: str, cookie: str, body: dict | None = None) -> tuple[float, int, dict]:
    """One request on a fresh connection (gunicorn's sync workers close after each response)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie, "Host": "127.0.0.1"}
    data = None
    if body is not None:
        data = urllib.parse.urlencode(body)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.perf_counter()
    connection.request(method, path, body=data, headers=headers)
    response = connection.getresponse()
    response.read()
    elapsed = (time.perf_counter() - started) * 1000
    cookies = {}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _sep, rest = value.partition("=")
            cookies[name] = rest.split(";", 1)[0]
    connection.close()
    return elapsed, response.status, cookies


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else (values[0] if values else 0.0)


def run_load(port: int, data: dict, args) -> Recorder:
    recorder = Recorder()
    events: list[tuple[float, int, str, dict]] = []  # (due, sequence, kind, payload)
    counter = itertools.count()
    start = time.monotonic() + 1.0
    total_pupils = len(data["classes"]) * args.pupils
    lessons = data["lessons"]
    for class_index, row in enumerate(data["classes"]):
        for pupil_index in range(args.pupils):
            n = pupil_index * len(data["classes"]) + class_index
            due = start + args.join_window * n / total_pupils
            csrf = data["csrf"][n % len(data["csrf"])]
            pupil = {"code": row["code"], "nickname": f"ベンチ{pupil_index}", "csrf": csrf, "cookie": None}
            events.append((due, next(counter), "join", pupil))
    duration = args.join_window + args.lesson_gap * len(lessons) + 5
    for row in data["classes"]:
        offset = (hash(row["code"]) % 3000) / 1000
        for tick in range(int(duration / args.poll_every)):
            events.append((start + offset + tick * args.poll_every, next(counter), "poll", row))
    for tick in range(int(duration / 0.25)):
        events.append((start + tick * 0.25, next(counter), "bare", {}))
    heapq.heapify(events)
    condition = threading.Condition()
    done = threading.Event()

    def push(event):
        with condition:
            heapq.heappush(events, event)
            condition.notify()

    def worker():
        while True:
            with condition:
                while True:
                    if not events:
                        if done.is_set():
                            return
                        condition.wait(0.2)
                        continue
                    due = events[0][0]
                    now = time.monotonic()
                    if due <= now:
                        event = heapq.heappop(events)
                        break
                    condition.wait(min(due - now, 0.2))
            _due, _seq, kind, payload = event
            recorder.lag.append((time.monotonic() - _due) * 1000)
            try:
                if kind == "join":
                    csrf = payload["csrf"]
                    ms, status, cookies = request(
                        port,
                        "POST",
                        "/class/",
                        csrf["cookie"],
                        {
                            "code": payload["code"],
                            "nickname": payload["nickname"],
                            "csrfmiddlewaretoken": csrf["token"],
                        },
                    )
                    ok = status == 302 and "sessionid" in cookies
                    recorder.add("join", ms, ok, f"{status}")
                    if ok:
                        payload["cookie"] = f"sessionid={cookies['sessionid']}; {csrf['cookie']}"
                        for step, lesson_id in enumerate(lessons, start=1):
                            push(
                                (
                                    time.monotonic() + args.lesson_gap * step,
                                    next(counter),
                                    "progress",
                                    {**payload, "lesson": lesson_id},
                                )
                            )
                elif kind == "progress":
                    ms, status, _cookies = request(
                        port,
                        "POST",
                        f"/class/{payload['code']}/learn/{payload['lesson']}/",
                        payload["cookie"],
                        {"action": "done", "csrfmiddlewaretoken": payload["csrf"]["token"]},
                    )
                    recorder.add("progress", ms, status == 302, f"{status}")
                elif kind == "poll":
                    ms, status, _cookies = request(
                        port, "GET", f"/classes/{payload['pk']}/live.json", payload["cookie"]
                    )
                    recorder.add("poll", ms, status == 200, f"{status}")
                else:
                    ms, status, _cookies = request(port, "GET", "/bench/bare/", "")
                    recorder.add("bare", ms, status == 200, f"{status}")
            except OSError as error:
                recorder.add(kind, 30_000.0, False, repr(error))

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, start - time.monotonic()) + duration)
    done.set()
    for thread in threads:
        thread.join(timeout=120)
    return recorder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", type=int, default=40)
    parser.add_argument("--pupils", type=int, default=35)
    parser.add_argument("--join-window", type=float, default=60.0, help="seconds over which all pupils join")
    parser.add_argument("--lesson-gap", type=float, default=30.0, help="seconds between a pupil's lessons")
    parser.add_argument("--poll-every", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=24, help="client threads sending the requests")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    args = parser.parse_args()

    ensure_database(args.database_url)
    env = bench_env(args.database_url)
    # Every simulated tablet comes from 127.0.0.1: lift the per-address join limit for this run only.
    env["CLASSROOM_JOIN_LIMIT_PER_MINUTE"] = "1000000"
    manage(env, "migrate", "--noinput")
    manage(env, "seed_content")
    setup = subprocess.run(
        [sys.executable, "-c", SETUP, str(args.classes)], env=env, capture_output=True, text=True, check=False
    )
    if setup.returncode != 0:
        raise SystemExit(setup.stderr)
    data = json.loads(setup.stdout.strip().splitlines()[-1])

    server = Gunicorn(env, workers=args.workers)
    try:
        for _ in range(args.workers * 4):  # warm every worker (imports, page maps, outline)
            request(server.port, "GET", "/bench/bare/", "")
            request(server.port, "GET", f"/classes/{data['classes'][0]['pk']}/live.json", data["classes"][0]["cookie"])
            request(server.port, "GET", "/class/", "")
        began = time.monotonic()
        recorder = run_load(server.port, data, args)
        elapsed = time.monotonic() - began
    finally:
        server.stop()
    counts = json.loads(
        subprocess.run([sys.executable, "-c", COUNT], env=env, capture_output=True, text=True, check=True).stdout
    )

    n_pupils = args.classes * args.pupils
    expected_progress = n_pupils * len(data["lessons"])
    bare = recorder.latencies.get("bare", [0.0])
    goals = {"join": 200, "progress": 50, "poll": 100}
    print(
        f"{args.classes} classes × {args.pupils} pupils joining over {args.join_window:g} s, a lesson every "
        f"{args.lesson_gap:g} s; {args.classes} dashboards polling every {args.poll_every:g} s "
        f"({args.workers} gunicorn workers, {args.clients} client threads)"
    )
    print(f"{'':22}{'count':>8}{'p50 ms':>10}{'p95 ms':>10}{'×bare p95':>11}{'errors':>8}{'goal p95':>10}")
    for kind in ("bare", "join", "progress", "poll"):
        values = recorder.latencies.get(kind, [])
        if not values:
            continue
        errors = len(recorder.errors.get(kind, []))
        ratio = p95(values) / p95(bare) if p95(bare) else 0
        goal = f"≤ {goals[kind]}" if kind in goals else ""
        print(
            f"{kind:22}{len(values):>8}{statistics.median(values):>10.1f}{p95(values):>10.1f}"
            f"{ratio:>11.1f}{errors:>8}{goal:>10}"
        )
    sent = sum(len(values) for values in recorder.latencies.values())
    print(
        f"{sent} requests in {elapsed:.0f} s: {sent / elapsed:.0f} req/s achieved "
        f"(machine load average {os.getloadavg()[0]:.1f})"
    )
    lag = sorted(recorder.lag)
    print(f"client scheduling lag p95: {p95(lag):.0f} ms (requests sent late because the client threads were busy)")
    for kind, problems in recorder.errors.items():
        print(f"  {kind} errors (first 5): {problems[:5]}")
    ok = counts["pupils"] == n_pupils and counts["progress"] == expected_progress
    ok = ok and counts["lessons_done_sum"] == expected_progress
    print(
        f"counted afterwards: {counts} (expected {n_pupils} pupils, {expected_progress} lessons) → "
        f"{'nothing lost or doubled' if ok else 'MISMATCH'}"
    )
    met = all(
        p95(recorder.latencies.get(kind, [0.0])) <= goal and not recorder.errors.get(kind)
        for kind, goal in goals.items()
    )
    print("goals met" if met and ok else "goals NOT met")
    save(
        "classroom",
        {
            "args": vars(args),
            "latencies": recorder.latencies,
            "errors": {k: len(v) for k, v in recorder.errors.items()},
            "counts": counts,
        },
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
