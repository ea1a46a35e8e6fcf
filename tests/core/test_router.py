import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from accounts.models import User
from analytics.models import AggregateCount, CompletionRecord, Target
from config.routers import AnalyticsReplicaRouter

ROOT = Path(__file__).resolve().parents[2]
router = AnalyticsReplicaRouter()


@pytest.fixture
def replica(monkeypatch):
    monkeypatch.setitem(settings.DATABASES, "analytics", {**settings.DATABASES["default"]})


def test_without_a_replica_every_read_stays_on_the_default_database():
    assert "analytics" not in settings.DATABASES
    assert router.db_for_read(CompletionRecord) is None
    assert router.db_for_read(AggregateCount) is None


def test_statistics_reads_go_to_the_replica_outside_a_transaction(replica):
    assert router.db_for_read(CompletionRecord) == "analytics"
    assert router.db_for_read(AggregateCount) == "analytics"


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_stay_on_the_primary(replica):
    # The completion path reads its completion record back inside its transaction: a lagging
    # replica must never answer that.
    with transaction.atomic():
        assert router.db_for_read(CompletionRecord) == "default"


def test_other_models_writes_and_migrations_stay_on_the_primary(replica):
    assert router.db_for_read(User) is None
    assert router.db_for_read(Target) is None  # editable analytics data
    assert router.db_for_write(CompletionRecord) == "default"
    assert router.db_for_write(AggregateCount) == "default"
    assert router.allow_migrate("default", "analytics") is True
    assert router.allow_migrate("analytics", "analytics") is False
    assert router.allow_relation(CompletionRecord(), User()) is True


def production_settings(**env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "ANALYTICS_DATABASE_URL"}
    }
    environment.update(env, SECRET_KEY=secrets.token_urlsafe(60), ALLOWED_HOSTS="example.jp")
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    code = "from django.conf import settings; print(sorted(settings.DATABASES), settings.DATABASE_ROUTERS)"
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]  # after the shell's auto-import notice


def test_production_enables_the_router_only_when_analytics_database_url_is_set():
    assert production_settings() == "['default'] []"
    enabled = production_settings(ANALYTICS_DATABASE_URL="postgres://reader@replica.internal:5432/tsunagari")
    assert enabled == "['analytics', 'default'] ['config.routers.AnalyticsReplicaRouter']"
