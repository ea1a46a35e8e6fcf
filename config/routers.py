"""Database routing for a deployment with a PostgreSQL read replica (docs/deployment.md).

Enabled only when ANALYTICS_DATABASE_URL is set (config/settings/production.py adds the
"analytics" database alias and this router). Reads of the statistics tables — completion records
and their pre-aggregated counts, which the stats API, the public statistics page and the admin
analytics dashboard scan — go to the replica. Everything else stays on the primary:

- every write, and every read inside a transaction on the primary (the completion path writes a
  completion record and reads it back for idempotency; a lagging replica must never answer that);
- every other model, including the analytics app's editable ones (targets, session reports).

Migrations run on the primary only; the replica follows by streaming replication.
"""

from django.conf import settings
from django.db import connections

ANALYTICS_DB = "analytics"
REPLICA_MODELS = {"analytics.completionrecord", "analytics.aggregatecount"}


class AnalyticsReplicaRouter:
    def db_for_read(self, model, **hints):
        if model._meta.label_lower not in REPLICA_MODELS or ANALYTICS_DB not in settings.DATABASES:
            return None
        if connections["default"].in_atomic_block:
            return "default"
        return ANALYTICS_DB

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != ANALYTICS_DB
