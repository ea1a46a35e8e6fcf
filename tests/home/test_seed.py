import pytest
from django.core.management import call_command
from wagtail.models import Page, PageLogEntry, Site

from accounts.factories import UserFactory
from home.models import HelpResource, HomePage, StandardPage

pytestmark = pytest.mark.django_db


def test_seed_makes_our_home_page_the_site_root():
    call_command("seed_content", verbosity=0)

    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    assert not Page.objects.filter(depth=2).exclude(pk=site.root_page_id).exists()
    assert set(StandardPage.objects.values_list("slug", flat=True)) == {"privacy", "accessibility"}
    assert HelpResource.objects.filter(phone="0120-99-7777", audience="children").exists()


def test_running_the_seed_twice_changes_nothing():
    call_command("seed_content", verbosity=0)
    counts = (Page.objects.count(), HelpResource.objects.count(), PageLogEntry.objects.count())

    call_command("seed_content", verbosity=0)

    assert (Page.objects.count(), HelpResource.objects.count(), PageLogEntry.objects.count()) == counts


def test_the_seed_never_overwrites_an_editors_changes():
    call_command("seed_content", verbosity=0)
    page = StandardPage.objects.get(slug="privacy")
    page.intro = "編集者が書き直した導入文"
    page.save_revision(user=UserFactory()).publish()

    call_command("seed_content", verbosity=0)

    page.refresh_from_db()
    assert page.intro == "編集者が書き直した導入文"
