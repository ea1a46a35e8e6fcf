"""Seed the default certificate template (our own wording). Run through `manage.py seed_content`.

Idempotent: a second run changes nothing, and a template an editor has saved in the admin (its
latest revision has a user) is never overwritten.
"""

from django.db import transaction

from certificates.models import CertificateTemplate
from core.seeding import SeedReport

DEFAULT_TEMPLATE = {
    "name": "標準の修了証",
    "title": "修了証",
    "subtitle": "Certificate of completion",
    "body": ("あなたは、{issuer}で\n「{course}」（対象：{audience}）\nを最後まで学び、修了したことをここに記します。"),
    "issuer_name": "つながりサポーター学習プラットフォーム",
    "primary_colour": "#0017c1",
    "text_colour": "#1a1a1a",
}


@transaction.atomic
def seed() -> SeedReport:
    report = SeedReport()
    label = f"CertificateTemplate:{DEFAULT_TEMPLATE['name']}"
    template = CertificateTemplate.objects.order_by("pk").first()
    if template is None:
        template = CertificateTemplate(is_active=True, **DEFAULT_TEMPLATE)
        template.full_clean()
        template.save()
        template.save_revision()
        report.created.append(label)
        return report
    latest = template.get_latest_revision()
    if latest is not None and latest.user_id is not None:
        report.kept.append(label)
        return report
    changed = {key: value for key, value in DEFAULT_TEMPLATE.items() if getattr(template, key) != value}
    if not changed:
        report.unchanged.append(label)
        return report
    for key, value in changed.items():
        setattr(template, key, value)
    template.full_clean()
    template.save()
    template.save_revision()
    report.updated.append(label)
    return report
