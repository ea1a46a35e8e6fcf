"""Fault injection against gunicorn + PostgreSQL + Redis: a worker killed mid-submission, PostgreSQL
restarted under load, Redis gone away. Each scenario prints what the clients saw and what the
database holds afterwards.

    .venv/bin/python bench/faults.py worker   # (a) SIGKILL a gunicorn worker during quiz submissions
    .venv/bin/python bench/faults.py redis    # (c) a PRIVATE redis-server (own port) stopped and restarted
    .venv/bin/python bench/faults.py postgres # (b) `pg_ctlcluster 15 main restart` under load — see WARNING

WARNING for `postgres`: it restarts THE machine's PostgreSQL cluster (15/main), which every other
database on this machine — other people's tests included — lives in. Their connections are cut for
the 2-3 seconds the restart takes. Run it only when that is acceptable, once, and never in a loop;
it refuses to run without `--i-know-this-restarts-the-shared-cluster`. The shared Redis on 6379 is
never touched: the `redis` scenario starts its own redis-server on a free port and stops only that.

Settings are config.settings.bench (DEBUG off, so a failure is our handler500 page, never a
traceback); database tsunagari_faults. A response counts as "clean" when it is a success, a
redirect, or a 500/502/503 whose body carries no traceback (our 500 page says エラーが発生しました; the
API answers JSON {"detail": "サーバーで問題が起きました。…"}).
"""

import argparse
import collections
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Gunicorn, bench_env, ensure_database, free_port, manage
from bench.quiz_submit import SETUP as QUIZ_SETUP
from bench.soak import request, worker_rss

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/tsunagari_faults"
OUR_500 = "エラーが発生しました".encode()

CHECK = """
import json
import django
django.setup()
from django.core.management import call_command
from django.db.models import Count
from analytics.models import CompletionRecord
from certificates.models import Certificate
from courses.models import Enrolment
from quizzes.models import Attempt
users = {"user__email__startswith": "bench-quiz-"}
enrolments = Enrolment.objects.filter(**users)
completed = [f"enrolment:{pk}" for pk in enrolments.filter(completed_at__isnull=False).values_list("pk", flat=True)]
pending = [f"enrolment:{pk}" for pk in enrolments.filter(completed_at__isnull=True).values_list("pk", flat=True)]
certs = dict(Certificate.objects.filter(source_key__in=completed).values_list("source_key").annotate(n=Count("id")))
records = dict(
    CompletionRecord.objects.filter(source_key__in=completed).values_list("source_key").annotate(n=Count("id"))
)
print(json.dumps({
    "enrolments": enrolments.count(),
    "completed": len(completed),
    "graded_attempts": Attempt.objects.filter(submitted_at__isnull=False, **users).count(),
    "completed_with_one_certificate": sum(1 for k in completed if certs.get(k) == 1),
    "completed_with_one_record": sum(1 for k in completed if records.get(k) == 1),
    "half_written": {
        "certificate_without_completion": Certificate.objects.filter(source_key__in=pending).count(),
        "record_without_completion": CompletionRecord.objects.filter(source_key__in=pending).count(),
    },
}))
"""


def prepare(database_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    ensure_database(database_url)
    env = bench_env(database_url)
    env.update(extra or {})
    manage(env, "migrate", "--noinput")
    manage(env, "seed_content")
    return env


def json_detail(content: bytes) -> str:
    try:
        return str(json.loads(content).get("detail", ""))
    except (ValueError, AttributeError):
        return ""


def classify(status: int | None, content: bytes) -> str:
    if status is None:
        return "connection error"
    if b"Traceback" in content or b"Exception Value" in content:
        return f"{status} TRACEBACK"
    if status >= 500:
        if OUR_500 in content:
            return f"{status} our error page"
        if json_detail(content).startswith("サーバーで問題が起きました。"):
            return f"{status} our API error"
        return f"{status} other body"
    return str(status)


def fetch(port: int, method: str, path: str, cookie: str = "", body=None) -> tuple[str, float]:
    started = time.perf_counter()
    try:
        _ms, status, _cookies, content = request(port, method, path, cookie, body)
    except OSError:
        return "connection error", (time.perf_counter() - started) * 1000
    return classify(status, content), _ms


def load(port: int, paths: list[tuple[str, str]], seconds: float, threads: int, event_at: float, event) -> list:
    """GET `paths` in a loop from `threads` threads for `seconds`; call `event()` at `event_at`.
    Returns (time since start, label, path, outcome, ms) for every request."""
    log, lock, stop = [], threading.Lock(), threading.Event()
    start = time.monotonic()

    def run(offset: int) -> None:
        n = offset
        while not stop.is_set():
            cookie, path = paths[n % len(paths)]
            n += 1
            outcome, ms = fetch(port, "GET", path, cookie)
            with lock:
                log.append((time.monotonic() - start, path, outcome, ms))
            time.sleep(0.05)

    workers = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    time.sleep(event_at)
    marks = event()
    time.sleep(max(0.0, seconds - (time.monotonic() - start)))
    stop.set()
    for worker in workers:
        worker.join(timeout=40)
    return log, marks


def timeline(log: list, bucket: float = 1.0) -> None:
    """One line per second: how many requests got which outcome."""
    buckets: dict[int, collections.Counter] = collections.defaultdict(collections.Counter)
    for at, _path, outcome, _ms in log:
        buckets[int(at // bucket)][outcome] += 1
    for second in sorted(buckets):
        print(f"  t={second * bucket:5.0f}s  {dict(buckets[second])}")
    total = collections.Counter(outcome for _at, _path, outcome, _ms in log)
    print(f"  total: {dict(total)}")
    tracebacks = sum(n for outcome, n in total.items() if "TRACEBACK" in outcome or "other body" in outcome)
    print(f"  responses with a traceback or a foreign error body: {tracebacks}")


def by_path(log: list, since: float, until: float) -> None:
    """What each page answered while the service was away."""
    paths: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for at, path, outcome, _ms in log:
        if since <= at <= until:
            paths[path][outcome] += 1
    for path, outcomes in sorted(paths.items()):
        print(f"    {path:60} {dict(outcomes)}")


def pages(port: int, env: dict) -> list[tuple[str, str]]:
    code = (
        "import json, django; django.setup();"
        "from courses.models import CoursePage, LessonPage;"
        "c = CoursePage.objects.live().get(slug='adult');"
        "print(json.dumps([c.url] + [l.url for l in LessonPage.objects.live().child_of(c)][:3]))"
    )
    urls = json.loads(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout)
    return [("", "/"), ("", "/stats/"), *[("", url) for url in urls], ("", "/api/v1/stats/completions?group_by=sector")]


def check_db(env: dict) -> dict:
    counts = json.loads(
        subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, check=True).stdout
    )
    verify = subprocess.run(
        [sys.executable, "manage.py", "verify_stats"], env=env, capture_output=True, text=True, check=False
    )
    counts["verify_stats"] = "clean" if verify.returncode == 0 else f"NOT CLEAN: {verify.stdout[-300:]}"
    return counts


def scenario_worker(args) -> bool:
    """(a) Quiz submissions arrive over a few seconds; one busy worker is SIGKILLed in the middle."""
    env = prepare(args.database_url)
    setup = subprocess.run(
        [sys.executable, "-c", QUIZ_SETUP, str(args.learners)], env=env, capture_output=True, text=True, check=True
    )
    data = json.loads(setup.stdout.strip().splitlines()[-1])
    server = Gunicorn(env, workers=args.workers)
    try:
        before = worker_rss(server.process.pid)
        outcomes: list = [None] * len(data["rows"])
        killed: dict = {}

        def submit(index: int, row: dict) -> None:
            time.sleep(args.spread * index / len(data["rows"]))
            outcomes[index] = fetch(server.port, "POST", data["url"], row["cookie"], row["form"])[0]

        threads = [threading.Thread(target=submit, args=(i, r)) for i, r in enumerate(data["rows"])]
        for thread in threads:
            thread.start()
        time.sleep(args.spread / 2)
        victim = sorted(worker_rss(server.process.pid))[0]
        os.kill(victim, signal.SIGKILL)
        killed["pid"] = victim
        for thread in threads:
            thread.join()
        first = collections.Counter(outcomes)
        mid = check_db(env)
        # The learners whose request was cut off press the button again, as anyone would.
        retry = collections.Counter(
            fetch(server.port, "POST", data["url"], row["cookie"], row["form"])[0] for row in data["rows"]
        )
        deadline = time.time() + 10
        while len(worker_rss(server.process.pid)) < args.workers and time.time() < deadline:
            time.sleep(0.2)
        after = worker_rss(server.process.pid)
    finally:
        server.stop()
    final = check_db(env)
    print(
        f"(a) {args.learners} quiz submissions over {args.spread:g} s, {args.workers} workers; "
        f"SIGKILL worker {killed['pid']} at {args.spread / 2:g} s"
    )
    print(f"  first submits: {dict(first)}")
    print(f"  database right after (before any retry): {mid}")
    print(f"  every learner submits again: {dict(retry)}")
    print(f"  database after the retries: {final}")
    respawned = killed["pid"] not in after and len(after) == args.workers
    print(
        f"  workers before {sorted(before)}, after {sorted(after)} → "
        f"{'master respawned the killed worker' if respawned else 'NOT respawned'}"
    )
    ok = respawned and final["verify_stats"] == "clean"
    for counts in (mid, final):
        ok = ok and counts["completed_with_one_certificate"] == counts["completed"]
        ok = ok and counts["completed_with_one_record"] == counts["completed"]
        ok = ok and not any(counts["half_written"].values())
    return ok and final["completed"] == args.learners


def scenario_redis(args) -> bool:
    """(c) The app's Redis (a private redis-server on its own port) stops, then comes back."""
    port = free_port()
    redis_cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]

    def start_redis() -> subprocess.Popen:
        process = subprocess.Popen(redis_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return process
            except OSError:
                time.sleep(0.1)
        raise SystemExit("private redis-server did not start")

    redis = start_redis()
    env = prepare(args.database_url, {"REDIS_URL": f"redis://127.0.0.1:{port}/0"})
    server = Gunicorn(env, workers=args.workers)
    state = {"redis": redis}
    try:
        paths = pages(server.port, env)

        def outage() -> list:
            state["redis"].terminate()  # only the redis-server this script started
            state["redis"].wait(timeout=10)
            stopped = time.monotonic()
            time.sleep(args.outage)
            state["redis"] = start_redis()
            return [stopped, time.monotonic()]

        began = time.monotonic()
        log, marks = load(server.port, paths, args.seconds, args.threads, args.seconds / 4, outage)
    finally:
        server.stop()
        state["redis"].terminate()
        state["redis"].wait(timeout=10)
    print(
        f"(c) private redis-server on port {port} stopped at t={marks[0] - began:.1f}s, "
        f"back at t={marks[1] - began:.1f}s; {args.threads} client threads on {len(paths)} pages"
    )
    timeline(log)
    print("  per page while Redis was away:")
    by_path(log, marks[0] - began, marks[1] - began)
    tail = [outcome for at, _p, outcome, _ms in log if at > marks[1] - began + 2]
    recovered = bool(tail) and all(outcome in {"200", "302"} for outcome in tail)
    print(f"  2 s after Redis returned: {collections.Counter(tail)} → {'recovered' if recovered else 'NOT recovered'}")
    clean = not any("TRACEBACK" in o or "other body" in o or o == "connection error" for _a, _p, o, _m in log)
    return recovered and clean


def scenario_postgres(args) -> bool:
    """(b) `pg_ctlcluster 15 main restart` while pages are being served."""
    if not args.i_know_this_restarts_the_shared_cluster:
        raise SystemExit("refusing: this restarts the shared PostgreSQL cluster (see the WARNING in the docstring)")
    env = prepare(args.database_url)
    server = Gunicorn(env, workers=args.workers)
    try:
        paths = pages(server.port, env)

        def restart() -> list:
            began = time.monotonic()
            subprocess.run(["pg_ctlcluster", "15", "main", "restart"], check=True, timeout=60)
            return [began, time.monotonic()]

        began = time.monotonic()
        log, marks = load(server.port, paths, args.seconds, args.threads, args.seconds / 4, restart)
    finally:
        server.stop()
    print(
        f"(b) PostgreSQL restart from t={marks[0] - began:.1f}s to t={marks[1] - began:.1f}s "
        f"({marks[1] - marks[0]:.1f} s); {args.threads} client threads on {len(paths)} pages"
    )
    timeline(log)
    print("  per page during the restart and the 2 s after it:")
    by_path(log, marks[0] - began, marks[1] - began + 2)
    tail = [outcome for at, _p, outcome, _ms in log if at > marks[1] - began + 2]
    recovered = bool(tail) and all(outcome in {"200", "302"} for outcome in tail)
    print(f"  2 s after the restart: {collections.Counter(tail)} → {'recovered' if recovered else 'NOT recovered'}")
    clean = not any("TRACEBACK" in o or "other body" in o for _a, _p, o, _m in log)
    return recovered and clean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=["worker", "redis", "postgres"])
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--learners", type=int, default=40, help="worker: quiz submissions")
    parser.add_argument("--spread", type=float, default=4.0, help="worker: seconds over which they arrive")
    parser.add_argument("--seconds", type=float, default=16.0, help="redis/postgres: length of the load")
    parser.add_argument("--outage", type=float, default=4.0, help="redis: seconds Redis stays away")
    parser.add_argument("--threads", type=int, default=6, help="redis/postgres: client threads")
    parser.add_argument("--database-url", default=os.environ.get("FAULTS_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--i-know-this-restarts-the-shared-cluster", action="store_true")
    args = parser.parse_args()
    ok = {"worker": scenario_worker, "redis": scenario_redis, "postgres": scenario_postgres}[args.scenario](args)
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
