"""Helpers for idempotent seeding of Wagtail pages and snippets.

Running a seed twice changes nothing; a page an editor has changed in the admin (its latest
revision has a user) is never overwritten by the seed.
"""

from dataclasses import dataclass, field

from django.conf import settings
from wagtail.models import Locale, Page


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def merge(self, other: "SeedReport") -> None:
        for name in ("created", "updated", "unchanged", "kept"):
            getattr(self, name).extend(getattr(other, name))

    def summary(self) -> str:
        return (
            f"created {len(self.created)}, updated {len(self.updated)}, "
            f"unchanged {len(self.unchanged)}, kept editors' versions {len(self.kept)}"
        )


def _without_ids(data):
    if isinstance(data, dict):
        return {key: _without_ids(value) for key, value in data.items() if key != "id"}
    if isinstance(data, list | tuple):
        return [_without_ids(item) for item in data]
    return data


def _comparable(value):
    stream_block = getattr(value, "stream_block", None)
    if stream_block is not None:  # StreamValue: compare the blocks' types and values, not their ids
        return _without_ids(stream_block.get_prep_value(value))
    return value


def upsert_page(parent: Page, model, slug: str, values: dict, report: SeedReport, label: str = "") -> Page:
    """Create the page under `parent`, or bring it up to date; never touch an editor's version."""
    label = label or f"{model.__name__}:{slug}"
    existing = parent.get_children().filter(slug=slug).first()
    if existing is None:
        page = model(slug=slug, **values)
        parent.add_child(instance=page)
        page.save_revision().publish()
        report.created.append(label)
        return page
    page = existing.specific
    latest = page.get_latest_revision()
    if latest is not None and latest.user_id is not None:
        report.kept.append(label)
        return page
    probe = model(**values)
    changed = [name for name in values if _comparable(getattr(page, name)) != _comparable(getattr(probe, name))]
    if not changed:
        report.unchanged.append(label)
        return page
    for name in changed:
        setattr(page, name, values[name])
    page.save_revision().publish()
    report.updated.append(label)
    return page


def ensure_root() -> Page:
    """Wagtail's root page and default locale (made by its migrations; recreated if a test flushed them)."""
    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(instance=Page(title="Root", slug="root", live=True))
    return root
