"""Installing vetted packages, and recording what learners did (statements, results, state)."""

from __future__ import annotations

import contextlib
import json
import math
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from h5p.models import H5PContent, H5PLibrary, H5PResult, H5PState, XAPIStatement
from h5p.package import Package, PackageRefused, inspect_package

ADD_LIBRARY_PERMISSION = "h5p.add_h5plibrary"
MAX_STATE_BYTES = 64 * 1024
MAX_STATEMENT_BYTES = 32 * 1024
KEY_MAX = 80


def installed_library(machine_name: str, major: int, minor: int) -> H5PLibrary | None:
    """The installed library for machineName major.minor (the highest patch)."""
    return (
        H5PLibrary.objects.filter(machine_name=machine_name, major_version=major, minor_version=minor)
        .order_by("-patch_version")
        .first()
    )


def _installed_lookup(name, major, minor):
    library = installed_library(name, major, minor)
    return (library.metadata, library.semantics) if library else None


def _unique_key(wanted: str) -> str:
    base = (slugify(wanted, allow_unicode=False) or "h5p")[: KEY_MAX - 8]
    key, n = base, 2
    while H5PContent.objects.filter(key=key).exists():
        key = f"{base}-{n}"
        n += 1
    return key


def plan_libraries(package: Package, user) -> tuple[list, list]:
    """(libraries to create from the package, every library the content uses as rows or to-create).

    A library version not yet installed may be added only by a user with `h5p.add_h5plibrary`."""
    to_create, uses = [], []
    for name, major, minor in package.dependencies:
        bundled = package.libraries.get(f"{name}-{major}.{minor}")
        if bundled is not None:
            existing = H5PLibrary.objects.filter(
                machine_name=name, major_version=major, minor_version=minor, patch_version=bundled.patch
            ).first()
            if existing is not None:
                uses.append(existing)
                continue
            if user is None or not user.has_perm(ADD_LIBRARY_PERMISSION):
                raise PackageRefused(
                    _(
                        "このファイルには、まだ登録されていないライブラリ %(name)s が含まれています。"
                        "ライブラリの追加は管理者に依頼してください（何も保存していません）。"
                    )
                    % {"name": bundled.label}
                )
            to_create.append(bundled)
            uses.append(bundled)
        else:
            uses.append(installed_library(name, major, minor))
    return to_create, uses


def install(data: bytes, user, key: str = "", title: str = "") -> H5PContent:
    """Vet and store a package. Raises PackageRefused (Japanese message); nothing is written then."""
    package = inspect_package(data, installed=_installed_lookup)
    if key:
        key = key.strip()
        if slugify(key) != key or len(key) > KEY_MAX:
            raise PackageRefused(_("参照キーは半角の英小文字・数字・ハイフンで書いてください。"))
        if H5PContent.objects.filter(key=key).exists():
            raise PackageRefused(_("参照キー「%(key)s」はすでに使われています。") % {"key": key})
    to_create, uses = plan_libraries(package, user)
    written: list[str] = []
    try:
        with transaction.atomic():
            rows = []
            for item in uses:
                if isinstance(item, H5PLibrary):
                    rows.append(item)
                    continue
                prefix = (
                    f"h5p/libraries/{item.machine_name}-{item.major}.{item.minor}.{item.patch}-{secrets.token_hex(4)}"
                )
                library = H5PLibrary.objects.create(
                    machine_name=item.machine_name,
                    major_version=item.major,
                    minor_version=item.minor,
                    patch_version=item.patch,
                    title=item.title[:255],
                    runnable=item.runnable,
                    metadata=item.metadata,
                    semantics=item.semantics,
                    files=sorted(item.files),
                    storage_prefix=prefix,
                    installed_by=user if getattr(user, "pk", None) else None,
                )
                for path, content in item.files.items():
                    written.append(default_storage.save(f"{prefix}/{path}", ContentFile(content)))
                rows.append(library)
            main = next(row for row in rows if row.machine_name == package.main_library)
            content = H5PContent.objects.create(
                key=key or _unique_key(package.title),
                title=(title or package.title)[:255],
                main_library=main,
                h5p_json=package.h5p_json,
                content_json=package.content_json,
                files=sorted(package.media),
                report={
                    "problems": package.problems,
                    "libraries": [f"{row.machine_name} {row.version}" for row in rows],
                    "new_libraries": [item.label for item in to_create],
                    "unused_libraries": package.unused,
                    "files": sorted(package.media),
                },
                uploaded_by=user if getattr(user, "pk", None) else None,
            )
            content.libraries.set(rows)
            for path, blob in package.media.items():
                written.append(default_storage.save(f"{content.storage_prefix}/{path}", ContentFile(blob)))
    except IntegrityError:
        _remove(written)
        raise PackageRefused(
            _("同時に同じものが登録されました。もう一度お試しください（何も保存していません）。")
        ) from None
    except BaseException:
        _remove(written)
        raise
    return content


def _remove(paths: list[str]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            default_storage.delete(path)


# --- learners ---------------------------------------------------------------------------------

# key → (pk, title) of activities, kept in this process: an activity never changes once stored,
# so the hot xAPI path needs no query for it. Saving or deleting one clears the entry (another
# process may keep a deleted one: its insert then fails on the foreign key and answers 404).
_activities: dict[str, tuple[int, str]] = {}
MAX_LOCAL_ACTIVITIES = 5000


def activity(key: str) -> H5PContent | None:
    found = _activities.get(key)
    if found is None:
        row = H5PContent.objects.filter(key=key[:80]).values_list("pk", "title").first()
        if row is None:
            return None
        if len(_activities) >= MAX_LOCAL_ACTIVITIES:
            _activities.clear()
        _activities[key] = found = row
    return H5PContent(pk=found[0], key=key, title=found[1])


def forget_activity(key: str) -> None:
    _activities.pop(key, None)


class StatementRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def parse_statement(statement) -> dict:
    """What counts in a statement: verb, score (self-reported), completion. Refuses bad shapes."""
    if not isinstance(statement, dict):
        raise StatementRefused(_("ステートメントの形式が正しくありません。"))
    if len(json.dumps(statement)) > MAX_STATEMENT_BYTES:
        raise StatementRefused(_("ステートメントが大きすぎます。"))
    verb = statement.get("verb")
    verb_id = verb.get("id") if isinstance(verb, dict) else None
    if not isinstance(verb_id, str) or not verb_id.startswith(("http://", "https://")) or len(verb_id) > 255:
        raise StatementRefused(_("ステートメントの verb が正しくありません。"))
    result = statement.get("result") if isinstance(statement.get("result"), dict) else {}
    score = result.get("score") if isinstance(result.get("score"), dict) else {}
    raw, maximum, scaled = _number(score.get("raw")), _number(score.get("max")), _number(score.get("scaled"))
    percent = None
    if maximum and maximum > 0 and raw is not None:
        percent = max(0.0, min(100.0, 100.0 * raw / maximum))
    elif scaled is not None:
        percent = max(0.0, min(100.0, 100.0 * scaled))
    obj = statement.get("object") if isinstance(statement.get("object"), dict) else {}
    definition = obj.get("definition") if isinstance(obj.get("definition"), dict) else {}
    extensions = definition.get("extensions") if isinstance(definition.get("extensions"), dict) else {}
    is_sub = "http://h5p.org/x-api/h5p-subContentId" in extensions
    short = verb_id.rstrip("/").rsplit("/", 1)[-1]
    completed = not is_sub and (
        result.get("completion") is True or short in ("completed", "passed") or (short == "answered" and bool(result))
    )
    return {"verb": verb_id, "raw": raw, "max": maximum, "percent": percent, "completed": completed, "sub": is_sub}


# One round trip: insert the learner's result, or improve it; a row comes back only when it
# changed (the WHERE of DO UPDATE is false when the new result is no better). PostgreSQL and
# SQLite (3.35+) both speak this.
_UPSERT_RESULT = """
INSERT INTO h5p_h5presult (user_id, content_id, completed, best_percent, updated_at)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (user_id, content_id) DO UPDATE SET
    completed = (h5p_h5presult.completed OR excluded.completed),
    best_percent = CASE
        WHEN excluded.best_percent IS NOT NULL
             AND (h5p_h5presult.best_percent IS NULL OR excluded.best_percent > h5p_h5presult.best_percent)
        THEN excluded.best_percent ELSE h5p_h5presult.best_percent END,
    updated_at = excluded.updated_at
WHERE (excluded.completed AND NOT h5p_h5presult.completed)
   OR (excluded.best_percent IS NOT NULL
       AND (h5p_h5presult.best_percent IS NULL OR excluded.best_percent > h5p_h5presult.best_percent))
RETURNING completed, best_percent
"""


def record_statement(user, content: H5PContent, lesson_id: int, course_id: int, statement: dict) -> dict:
    """Store a statement (self-reported) and improve the learner's best result. Returns the parse
    and whether the result changed. Two statements, each committed on its own: the statement log
    and the best result are each valid without the other (and a retry only adds a log row)."""
    parsed = parse_statement(statement)
    stored = dict(statement)
    stored.pop("actor", None)  # the actor is the signed-in user; never trust the browser's
    counts = not parsed["sub"] and (parsed["completed"] or parsed["percent"] is not None)
    if counts and connection.vendor == "postgresql":
        return _record_postgresql(user, content, lesson_id, course_id, parsed, stored)
    XAPIStatement.objects.create(
        user=user,
        content=content,
        lesson_id=lesson_id,
        course_id=course_id,
        verb=parsed["verb"],
        score_raw=parsed["raw"],
        score_max=parsed["max"],
        percent=parsed["percent"],
        completed=parsed["completed"],
        statement=stored,
    )
    changed = False
    if counts:
        with connection.cursor() as cursor:
            cursor.execute(
                _UPSERT_RESULT, [user.pk, content.pk, parsed["completed"], parsed["percent"], timezone.now()]
            )
            row = cursor.fetchone()
        if row is not None:
            changed = True
            parsed["result_completed"], parsed["best_percent"] = bool(row[0]), row[1]
    return {**parsed, "changed": changed}


def _record_postgresql(user, content, lesson_id, course_id, parsed: dict, stored: dict) -> dict:
    """On PostgreSQL: the statement and the result in one statement (one round trip, one commit)."""
    now = timezone.now()
    sql = (
        "WITH logged AS (INSERT INTO h5p_xapistatement (user_id, content_id, lesson_id, course_id, verb, "
        "score_raw, score_max, percent, completed, self_reported, statement, created_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, true, %s::jsonb, %s) RETURNING id) " + _UPSERT_RESULT.strip()
    )
    params = [
        user.pk,
        content.pk,
        lesson_id,
        course_id,
        parsed["verb"],
        parsed["raw"],
        parsed["max"],
        parsed["percent"],
        parsed["completed"],
        json.dumps(stored),
        now,
        user.pk,
        content.pk,
        parsed["completed"],
        parsed["percent"],
        now,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    changed = row is not None
    if changed:
        parsed["result_completed"], parsed["best_percent"] = bool(row[0]), row[1]
    return {**parsed, "changed": changed}


def results_for(user, keys) -> dict[str, tuple[bool, float | None]]:
    """key → (completed, best percent) for this learner's activities."""
    rows = H5PResult.objects.filter(user=user, content__key__in=list(keys)).values_list(
        "content__key", "completed", "best_percent"
    )
    return {key: (completed, best) for key, completed, best in rows}


def satisfied(result: tuple[bool, float | None] | None, pass_percent: int | None) -> bool:
    if result is None:
        return False
    completed, best = result
    if pass_percent:
        return best is not None and best >= pass_percent
    return completed


def save_state(user, content: H5PContent, data: str) -> None:
    if not isinstance(data, str) or len(data.encode()) > MAX_STATE_BYTES:
        raise StatementRefused(_("保存する状態が大きすぎるか、形式が正しくありません。"))
    try:
        json.loads(data)
    except ValueError:
        raise StatementRefused(_("保存する状態が正しいJSONではありません。")) from None
    H5PState.objects.update_or_create(user=user, content=content, defaults={"data": data})


def load_state(user, content: H5PContent) -> str | None:
    return H5PState.objects.filter(user=user, content=content).values_list("data", flat=True).first()


def export_h5p(user) -> dict:
    return {
        "results": [
            {
                "activity": r.content.title,
                "completed": r.completed,
                "best_percent": r.best_percent,
                "self_reported": True,
            }
            for r in H5PResult.objects.filter(user=user).select_related("content")
        ],
        "statements": XAPIStatement.objects.filter(user=user).count(),
    }
