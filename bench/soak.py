"""Soak: N simulated users for D seconds against gunicorn + PostgreSQL + Redis on this machine.

    .venv/bin/python bench/soak.py [--users 200] [--seconds 600] [--think 2.0] [--database-url …]

gunicorn (sync workers, 2 × cores + 1) with production-like settings (config.settings.bench: DEBUG
off) on its own PostgreSQL database (tsunagari_soak) and Redis db 11 (cache, sessions, rate
limits). The users are closed-loop threads that wait a random "think time" between requests:

- citizens (45 %): home → course → each lesson → final quiz submitted once (a completion, with its
  certificate and analytics record), then keep browsing;
- pupils (35 %): join a class at /class/ with its code and a nickname, mark each lesson done, and
  join again under a new nickname (another tablet) when they reach the end;
- teachers (10 %): poll their class dashboard JSON (/classes/<pk>/live.json) every 3 s;
- analysts (10 %): the admin analytics dashboard (/admin/analytics/) and the stats API, anonymous
  and signed in. The bench settings keep admin two-factor on and refuse demo accounts (DEBUG off),
  so the script creates a national and a prefectural analyst with a TOTP authenticator and a
  session that records a TOTP sign-in — what a real two-factor sign-in leaves behind.

Prints per page type the count, errors, p50/p95/p99; the gunicorn workers' RSS (VmRSS) at the start
and at the end; then runs `verify_stats` (must be clean) and checks every completed enrolment has
exactly one certificate and one completion record. Exit status 1 on any error or mismatch.
"""

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Gunicorn, bench_env, ensure_database, manage, save

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/tsunagari_soak"
DEFAULT_REDIS = "redis://127.0.0.1:6379/11"

SETUP = """
import json, sys, time
import django
django.setup()
from allauth.account.internal.flows.login import (
    AUTHENTICATION_METHODS_SESSION_KEY, _AUTHENTICATION_METHODS_USER_SESSION_KEY,
)
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.test import Client
from django.utils import timezone
from accounts import roles
from accounts.factories import UserFactory
from accounts.models import AnalystScope, User
from classrooms import services as class_services
from classrooms.models import ClassSession
from courses.models import CoursePage, LessonPage
from courses.services import course_outline
from bench.common import learner_ready_to_submit
citizens, classes = int(sys.argv[1]), int(sys.argv[2])
ClassSession.objects.filter(teacher__email__startswith="soak-teacher-").delete()
User.objects.filter(email__startswith="soak-").delete()
roles.ensure_groups()

def login(user, mfa=False):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    if mfa:
        session = client.session
        session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "mfa", "type": "totp", "at": time.time()}]
        session.save()
    return client.cookies["sessionid"].value

def csrf():
    secret = get_token(HttpRequest())  # a masked token: Django takes it as the cookie too
    return secret, secret

course = CoursePage.objects.live().get(slug="adult")
lessons = list(LessonPage.objects.live().child_of(course))
rows = []
for n in range(citizens):
    user, form = learner_ready_to_submit(f"soak-citizen-{n}@example.jp", course)
    secret, token = csrf()
    form.append(("csrfmiddlewaretoken", token))
    rows.append({"cookie": f"sessionid={login(user)}; csrftoken={secret}", "form": form})

children = CoursePage.objects.live().get(slug="children")
group = Group.objects.get(name=roles.TEACHER)
class_rows = []
for n in range(classes):
    teacher = UserFactory(email=f"soak-teacher-{n}@example.jp")
    teacher.groups.add(group)
    session = class_services.create_session(
        teacher=teacher, school_name=f"ソーク小学校{n}", prefecture="13", grade="e6", course=children,
        held_on=timezone.localdate(),
    )
    class_rows.append({"pk": session.pk, "code": session.code, "cookie": f"sessionid={login(teacher)}"})

analysts = []
for email, prefectures in (("soak-analyst@example.jp", []), ("soak-analyst-tokyo@example.jp", ["13"])):
    user = UserFactory(email=email)
    user.groups.add(Group.objects.get(name=roles.ANALYST))
    AnalystScope.objects.create(user=user, is_national=not prefectures, prefectures=prefectures)
    Authenticator.objects.get_or_create(user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "x"}})
    analysts.append({"cookie": f"sessionid={login(user, mfa=True)}"})

tokens = []
for _ in range(64):
    secret, token = csrf()
    tokens.append({"cookie": f"csrftoken={secret}", "token": token})
print(json.dumps({
    "home": "/", "course": course.url, "lessons": [l.url for l in lessons], "quiz": course.url + "quiz/",
    "citizens": rows, "classes": class_rows, "class_lessons": [l.id for l in course_outline(children.pk).lessons],
    "analysts": analysts, "csrf": tokens,
}))
"""

COUNT = """
import json
import django
django.setup()
from django.db.models import Count
from analytics.models import CompletionRecord
from certificates.models import Certificate
from courses.models import Enrolment
completed = list(Enrolment.objects.filter(completed_at__isnull=False).values_list("pk", flat=True))
keys = [f"enrolment:{pk}" for pk in completed]
per_key = dict(Certificate.objects.filter(source_key__in=keys).values_list("source_key").annotate(n=Count("id")))
print(json.dumps({
    "completed": len(completed),
    "soak_completed": Enrolment.objects.filter(completed_at__isnull=False, user__email__startswith="soak-").count(),
    "certificates": sum(per_key.values()),
    "enrolments_without_certificate": sum(1 for k in keys if k not in per_key),
    "enrolments_with_several": sum(1 for n in per_key.values() if n > 1),
    "records": CompletionRecord.objects.filter(source_key__in=keys).count(),
}))
"""


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, list[str]] = {}

    def add(self, kind: str, ms: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(ms)
            if not ok:
                self.errors.setdefault(kind, []).append(detail)


def request(port: int, method: str, path: str, cookie: str, body=None) -> tuple[float, int, dict, bytes]:
    """One request on a fresh connection (gunicorn's sync workers close after each response)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie, "Host": "127.0.0.1"}
    data = None
    if body is not None:
        data = urllib.parse.urlencode(body if isinstance(body, dict) else [tuple(pair) for pair in body])
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.perf_counter()
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        content = response.read()
    finally:
        connection.close()
    elapsed = (time.perf_counter() - started) * 1000
    cookies = {}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _sep, rest = value.partition("=")
            cookies[name] = rest.split(";", 1)[0]
    return elapsed, response.status, cookies, content


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def worker_rss(master_pid: int) -> dict[int, int]:
    """VmRSS in kB of each gunicorn worker (the master's children)."""
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    except OSError:
        return {}
    rss = {}
    for pid in children:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss[int(pid)] = int(line.split()[1])
        except OSError:
            continue
    return rss


class Users:
    """The simulated users: each a thread looping over its role's journey until `stop` is set."""

    def __init__(self, port: int, data: dict, recorder: Recorder, think: float, stop: threading.Event):
        self.port, self.data, self.recorder, self.think, self.stop = port, data, recorder, think, stop
        self.nickname = iter(range(10**9))
        self.lock = threading.Lock()

    def pause(self, seconds: float | None = None) -> None:
        self.stop.wait(seconds if seconds is not None else random.uniform(0.5, 1.5) * self.think)

    def hit(self, kind: str, method: str, path: str, cookie: str, body=None, expect=(200,)):
        try:
            ms, status, cookies, content = request(self.port, method, path, cookie, body)
        except OSError as error:
            self.recorder.add(kind, 30_000.0, False, repr(error))
            return None, {}
        ok = status in expect and b"Traceback" not in content
        self.recorder.add(kind, ms, ok, f"{status} {path}")
        return status, cookies

    def citizen(self, row: dict) -> None:
        submitted = False
        while not self.stop.is_set():
            for kind, path in (("home", self.data["home"]), ("course", self.data["course"])):
                self.hit(kind, "GET", path, row["cookie"])
                self.pause()
            for path in self.data["lessons"]:
                if self.stop.is_set():
                    return
                self.hit("lesson", "GET", path, row["cookie"])
                self.pause()
            if not submitted and not self.stop.is_set():
                self.hit("quiz_page", "GET", self.data["quiz"], row["cookie"])
                self.pause()
                self.hit("quiz_submit", "POST", self.data["quiz"], row["cookie"], row["form"], expect=(302,))
                submitted = True
                self.pause()

    def pupil(self, index: int) -> None:
        classes = self.data["classes"]
        while not self.stop.is_set():
            room = classes[index % len(classes)]
            csrf = self.data["csrf"][index % len(self.data["csrf"])]
            with self.lock:
                nickname = f"ソーク{next(self.nickname)}"
            body = {"code": room["code"], "nickname": nickname, "csrfmiddlewaretoken": csrf["token"]}
            status, cookies = self.hit("class_join", "POST", "/class/", csrf["cookie"], body, expect=(302,))
            if status != 302 or "sessionid" not in cookies:
                self.pause()
                continue
            cookie = f"sessionid={cookies['sessionid']}; {csrf['cookie']}"
            self.pause()
            for lesson in self.data["class_lessons"]:
                if self.stop.is_set():
                    return
                self.hit("class_lesson", "GET", f"/class/{room['code']}/learn/{lesson}/", cookie)
                self.pause()
                body = {"action": "done", "csrfmiddlewaretoken": csrf["token"]}
                path = f"/class/{room['code']}/learn/{lesson}/"
                self.hit("class_progress", "POST", path, cookie, body, expect=(302,))
                self.pause()

    def teacher(self, index: int) -> None:
        room = self.data["classes"][index % len(self.data["classes"])]
        while not self.stop.is_set():
            self.hit("teacher_poll", "GET", f"/classes/{room['pk']}/live.json", room["cookie"])
            self.pause(3.0)

    def analyst(self, index: int) -> None:
        analyst = self.data["analysts"][index % len(self.data["analysts"])]
        api = "/api/v1/stats/completions?group_by=prefecture,sector"
        while not self.stop.is_set():
            self.hit("admin_analytics", "GET", "/admin/analytics/", analyst["cookie"])
            self.pause()
            self.hit("stats_api_anon", "GET", api, "")
            self.pause()
            self.hit("stats_api_analyst", "GET", api + "&prefecture=13", analyst["cookie"])
            self.pause()


def split(users: int) -> dict[str, int]:
    teachers = max(1, round(users * 0.10))
    analysts = max(1, round(users * 0.10))
    pupils = max(1, round(users * 0.35))
    return {
        "citizens": max(1, users - teachers - analysts - pupils),
        "pupils": pupils,
        "teachers": teachers,
        "analysts": analysts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds a user waits between requests")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--database-url", default=os.environ.get("SOAK_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--redis-url", default=os.environ.get("SOAK_REDIS_URL", DEFAULT_REDIS))
    args = parser.parse_args()

    mix = split(args.users)
    ensure_database(args.database_url)
    env = bench_env(args.database_url)
    env["REDIS_URL"] = args.redis_url
    env["CLASSROOM_JOIN_LIMIT_PER_MINUTE"] = "1000000"  # every simulated tablet comes from 127.0.0.1
    manage(env, "migrate", "--noinput")
    manage(env, "seed_content")
    setup = subprocess.run(
        [sys.executable, "-c", SETUP, str(mix["citizens"]), str(mix["teachers"])],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if setup.returncode != 0:
        raise SystemExit(setup.stderr)
    data = json.loads(setup.stdout.strip().splitlines()[-1])

    server = Gunicorn(env, workers=args.workers)
    recorder = Recorder()
    try:
        for _ in range(args.workers * 2):  # warm every worker (imports, page maps, outline)
            for path in (data["home"], data["course"], data["lessons"][0]):
                request(server.port, "GET", path, data["citizens"][0]["cookie"])
        rss_start = worker_rss(server.process.pid)
        stop = threading.Event()
        users = Users(server.port, data, recorder, args.think, stop)
        threads = [threading.Thread(target=users.citizen, args=(row,)) for row in data["citizens"]]
        threads += [threading.Thread(target=users.pupil, args=(i,)) for i in range(mix["pupils"])]
        threads += [threading.Thread(target=users.teacher, args=(i,)) for i in range(mix["teachers"])]
        threads += [threading.Thread(target=users.analyst, args=(i,)) for i in range(mix["analysts"])]
        began = time.monotonic()
        for thread in threads:
            thread.daemon = True
            thread.start()
            time.sleep(min(0.05, 5.0 / len(threads)))  # ramp up over a few seconds
        stop.wait(max(0.0, args.seconds - (time.monotonic() - began)))
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        elapsed = time.monotonic() - began
        rss_end = worker_rss(server.process.pid)
    finally:
        server.stop()

    verify = subprocess.run(
        [sys.executable, "manage.py", "verify_stats"], env=env, capture_output=True, text=True, check=False
    )
    counts = json.loads(
        subprocess.run([sys.executable, "-c", COUNT], env=env, capture_output=True, text=True, check=True).stdout
    )

    print(
        f"soak: {args.users} users ({mix}) for {elapsed:.0f} s, think time ~{args.think:g} s; "
        f"{args.workers} gunicorn workers; PostgreSQL {args.database_url.rsplit('/', 1)[1]}, Redis {args.redis_url}"
    )
    print(f"{'':20}{'count':>8}{'errors':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    for kind, values in sorted(recorder.latencies.items()):
        errors = len(recorder.errors.get(kind, []))
        print(
            f"{kind:20}{len(values):>8}{errors:>8}{percentile(values, 50):>10.1f}"
            f"{percentile(values, 95):>10.1f}{percentile(values, 99):>10.1f}"
        )
    sent = sum(len(values) for values in recorder.latencies.values())
    total_errors = sum(len(problems) for problems in recorder.errors.values())
    print(f"{sent} requests, {total_errors} errors, {sent / elapsed:.1f} req/s (load average {os.getloadavg()[0]:.1f})")
    for kind, problems in recorder.errors.items():
        print(f"  {kind} errors (first 5): {problems[:5]}")
    start_mb = sum(rss_start.values()) / 1024
    end_mb = sum(rss_end.values()) / 1024
    print(
        f"worker RSS: start {start_mb:.0f} MB over {len(rss_start)} workers "
        f"({', '.join(f'{v // 1024}' for v in rss_start.values())} MB), end {end_mb:.0f} MB over {len(rss_end)} "
        f"workers ({', '.join(f'{v // 1024}' for v in rss_end.values())} MB); "
        f"same pids: {set(rss_start) == set(rss_end)}"
    )
    stats_clean = verify.returncode == 0
    print(f"verify_stats: {'clean' if stats_clean else 'NOT CLEAN'} — {verify.stdout.strip()[-300:]}")
    certificates_ok = (
        counts["certificates"] == counts["completed"] == counts["records"]
        and counts["enrolments_without_certificate"] == 0
        and counts["enrolments_with_several"] == 0
    )
    print(f"completions vs certificates: {counts} → {'one each' if certificates_ok else 'MISMATCH'}")
    save(
        "soak",
        {
            "args": vars(args),
            "mix": mix,
            "latencies": recorder.latencies,
            "errors": {k: v[:20] for k, v in recorder.errors.items()},
            "rss_start_kb": rss_start,
            "rss_end_kb": rss_end,
            "counts": counts,
            "verify_stats": verify.stdout[-2000:],
        },
    )
    sys.exit(0 if total_errors == 0 and stats_clean and certificates_ok else 1)


if __name__ == "__main__":
    main()
