from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from accounts import roles
from accounts.factories import LearnerProfileFactory, UserFactory
from classrooms import cohorts
from classrooms.models import CohortMember, OrganisationCohort
from courses.models import Enrolment


@pytest.fixture
def leader(db):
    roles.ensure_groups()
    user = UserFactory(email="leader@example.jp")
    user.groups.add(Group.objects.get(name=roles.ORGANISATION_LEADER))
    return user


@pytest.fixture
def cohort(leader):
    return cohorts.create_cohort(
        leader=leader, name="つながり市役所", sector="gov_local", prefecture="13", departments=["総務課", "福祉課"]
    )


def test_a_leader_creates_a_sign_up_link(client, leader):
    client.force_login(leader)
    response = client.post(
        "/org/",
        {"name": "つながり市役所", "sector": "gov_local", "prefecture": "13", "departments": "総務課\n福祉課\n総務課"},
    )
    cohort = OrganisationCohort.objects.get()
    assert response["Location"] == f"/org/{cohort.pk}/"
    assert cohort.departments == ["総務課", "福祉課"]
    page = client.get(response["Location"]).content.decode()
    assert f"/org/join/{cohort.token}/" in page


def test_only_organisation_leaders_make_links(client, learner):
    client.force_login(learner)
    assert client.get("/org/").status_code == 403


def test_a_signed_in_member_of_staff_is_tagged_with_their_department(client, cohort, learner):
    client.force_login(learner)
    response = client.post(f"/org/join/{cohort.token}/", {"department": "福祉課"})
    assert response.status_code == 302
    member = CohortMember.objects.get()
    assert (member.user, member.department) == (learner, "福祉課")
    client.post(f"/org/join/{cohort.token}/", {"department": "総務課"})  # again: no second tag
    assert CohortMember.objects.count() == 1


def test_a_department_not_in_the_list_is_refused(client, cohort, learner):
    client.force_login(learner)
    response = client.post(f"/org/join/{cohort.token}/", {"department": "秘密課"})
    assert response.status_code == 400
    assert "部署を一覧から選んでください" in response.content.decode()
    assert CohortMember.objects.count() == 0


def test_someone_who_signs_in_after_opening_the_link_is_tagged(cohort):
    user = LearnerProfileFactory(user__email="staff@example.jp").user
    client = Client()
    response = client.post(f"/org/join/{cohort.token}/", {"department": "総務課"})
    assert "/accounts/signup/" in response["Location"]
    client.post("/accounts/login/", {"login": "staff@example.jp", "password": "correct-horse-battery-9"})
    member = CohortMember.objects.get()
    assert (member.user, member.department) == (user, "総務課")


def test_the_leader_sees_counts_by_department_and_no_answers(client, leader, cohort, course):
    course_page, _lessons = course
    people = [LearnerProfileFactory().user for _ in range(3)]
    cohorts.join(cohort, people[0], "総務課")
    cohorts.join(cohort, people[1], "総務課")
    cohorts.join(cohort, people[2], "福祉課")
    Enrolment.objects.create(user=people[0], course=course_page, completed_at=timezone.now())
    Enrolment.objects.create(user=people[1], course=course_page)
    rows = {row.department: row for row in cohorts.aggregate(cohort)}
    assert (rows["総務課"].members, rows["総務課"].enrolled, rows["総務課"].completed) == (2, 2, 1)
    assert (rows["福祉課"].members, rows["福祉課"].enrolled, rows["福祉課"].completed) == (1, 0, 0)
    client.force_login(leader)
    page = client.get(f"/org/{cohort.pk}/").content.decode()
    assert "総務課" in page and "福祉課" in page
    for person in people:
        assert person.email not in page
    assert "山田" not in page


def test_another_leader_cannot_see_the_aggregate(client, cohort):
    other = UserFactory(email="leader2@example.jp")
    other.groups.add(Group.objects.get(name=roles.ORGANISATION_LEADER))
    client.force_login(other)
    assert client.get(f"/org/{cohort.pk}/").status_code == 404


# --- the organisation in the completion record --------------------------------------------------


def complete(user, course_page):
    from courses.services import complete_course, course_outline

    enrolment = Enrolment.objects.create(user=user, course=course_page)
    assert complete_course(enrolment, course_outline(course_page.pk))
    return enrolment


def test_a_tagged_learners_completion_carries_the_organisation(cohort, course):
    from analytics.models import CompletionRecord

    course_page, _lessons = course
    member = LearnerProfileFactory(prefecture="27", sector="resident").user
    cohorts.join(cohort, member, "総務課")
    enrolment = complete(member, course_page)
    record = CompletionRecord.objects.get(source_key=f"enrolment:{enrolment.pk}")
    assert record.organisation == "つながり市役所"
    # The learner's own dimensions stay: the organisation is the only addition.
    assert (record.prefecture, record.sector) == ("27", "resident")


def test_an_untagged_learners_completion_has_no_organisation(cohort, course):
    from analytics.models import CompletionRecord

    course_page, _lessons = course
    enrolment = complete(LearnerProfileFactory().user, course_page)
    assert CompletionRecord.objects.get(source_key=f"enrolment:{enrolment.pk}").organisation == ""


def test_the_completion_service_reaches_cohorts_only_through_the_registered_lookup():
    from courses import completion

    assert cohorts.organisation_of in completion._ORGANISATION_LOOKUPS
    source = Path(completion.__file__).with_name("services.py").read_text(encoding="utf-8")
    assert "from classrooms" not in source and "import classrooms" not in source


# --- switching the link off and on --------------------------------------------------------------


def test_the_leader_switches_the_link_off_and_a_visitor_is_told_kindly(client, leader, cohort, learner):
    client.force_login(leader)
    response = client.post(f"/org/{cohort.pk}/link/", {"active": "0"})
    assert response["Location"] == f"/org/{cohort.pk}/"
    cohort.refresh_from_db()
    assert cohort.active is False
    assert "受付は止まっています" in client.get(f"/org/{cohort.pk}/").content.decode()

    visitor = Client()
    visitor.force_login(learner)
    page = visitor.get(f"/org/join/{cohort.token}/")
    assert page.status_code == 410
    assert "受付は終わりました" in page.content.decode()
    response = visitor.post(f"/org/join/{cohort.token}/", {"department": "総務課"})
    assert response.status_code == 410
    assert CohortMember.objects.count() == 0

    client.post(f"/org/{cohort.pk}/link/", {"active": "1"})
    cohort.refresh_from_db()
    assert cohort.active is True
    visitor.post(f"/org/join/{cohort.token}/", {"department": "総務課"})
    assert CohortMember.objects.get().user == learner


def test_an_invitation_opened_before_the_link_was_switched_off_tags_nobody(cohort):
    LearnerProfileFactory(user__email="late@example.jp")
    visitor = Client()
    visitor.post(f"/org/join/{cohort.token}/", {"department": "総務課"})
    cohorts.set_active(cohort, False)
    visitor.post("/accounts/login/", {"login": "late@example.jp", "password": "correct-horse-battery-9"})
    assert CohortMember.objects.count() == 0


def test_switching_the_link_off_keeps_members_tagged(cohort, learner, course):
    from analytics.models import CompletionRecord

    cohorts.join(cohort, learner, "福祉課")
    cohorts.set_active(cohort, False)
    enrolment = complete(learner, course[0])
    assert CompletionRecord.objects.get(source_key=f"enrolment:{enrolment.pk}").organisation == "つながり市役所"


def test_only_the_cohorts_leader_switches_its_link(client, cohort, learner):
    other = UserFactory(email="leader3@example.jp")
    other.groups.add(Group.objects.get(name=roles.ORGANISATION_LEADER))
    client.force_login(other)
    assert client.post(f"/org/{cohort.pk}/link/", {"active": "0"}).status_code == 404
    client.force_login(learner)
    assert client.post(f"/org/{cohort.pk}/link/", {"active": "0"}).status_code == 403
    cohort.refresh_from_db()
    assert cohort.active is True


# --- the leader's certificate download ----------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_leader_downloads_the_members_certificates_as_one_zip(
    client, leader, cohort, course, media, django_capture_on_commit_callbacks
):
    import datetime
    import io
    import zipfile

    from certificates import services as certificate_services
    from certificates.models import BulkDownload, Certificate

    course_page, _lessons = course
    members = [LearnerProfileFactory(display_name=f"職員 {n}").user for n in range(2)]
    for member in members:
        cohorts.join(cohort, member, "総務課")
        complete(member, course_page)
    outsider = LearnerProfileFactory(display_name="外部 太郎").user
    complete(outsider, course_page)
    earlier, _created = certificate_services.issue(  # a member's certificate from before joining
        source_key="earlier",
        user=members[0],
        holder_name="職員 0",
        course_id=course_page.pk,
        course_title="前の講座",
        audience="general",
        curriculum_version="2026.1",
        issued_on=timezone.localdate() - datetime.timedelta(days=30),
    )
    expected = set(Certificate.objects.filter(user__in=members).exclude(pk=earlier.pk).values_list("pk", flat=True))
    assert set(cohorts.certificate_ids(cohort)) == expected and len(expected) == 2

    client.force_login(leader)
    page = client.get(f"/org/{cohort.pk}/").content.decode()
    assert "2 枚" in page and f"/org/{cohort.pk}/certificates/" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/org/{cohort.pk}/certificates/")
    job = BulkDownload.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert (job.requested_by, set(job.certificate_ids), job.label) == (leader, expected, "つながり市役所 の修了証")

    job.refresh_from_db()
    assert job.status == BulkDownload.Status.DONE
    status = client.get(job.get_absolute_url())
    assert status.status_code == 200
    download = client.get(f"/certificates/bulk/{job.public_id}/download/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    pdfs = [name for name in archive.namelist() if name.endswith(".pdf")]
    assert len(pdfs) == 2
    assert all("外部" not in name for name in archive.namelist())


def test_a_double_submit_while_building_goes_to_the_same_zip(client, leader, cohort, course, media):
    from certificates.models import BulkDownload

    member = LearnerProfileFactory().user
    cohorts.join(cohort, member, "総務課")
    complete(member, course[0])
    client.force_login(leader)
    first = client.post(f"/org/{cohort.pk}/certificates/")  # on_commit never runs here: still queued
    second = client.post(f"/org/{cohort.pk}/certificates/")
    assert first["Location"] == second["Location"]
    assert BulkDownload.objects.count() == 1


def test_with_no_certificates_yet_the_leader_is_told_and_nothing_starts(client, leader, cohort, media):
    from certificates.models import BulkDownload

    client.force_login(leader)
    response = client.post(f"/org/{cohort.pk}/certificates/", follow=True)
    assert "ダウンロードできる修了証はまだありません" in response.content.decode()
    assert not BulkDownload.objects.exists()


def test_only_the_cohorts_leader_downloads_its_certificates(client, cohort, learner, course, media):
    from certificates.models import BulkDownload

    member = LearnerProfileFactory().user
    cohorts.join(cohort, member, "総務課")
    complete(member, course[0])
    other = UserFactory(email="leader4@example.jp")
    other.groups.add(Group.objects.get(name=roles.ORGANISATION_LEADER))
    client.force_login(other)
    assert client.post(f"/org/{cohort.pk}/certificates/").status_code == 404
    client.force_login(member)
    assert client.post(f"/org/{cohort.pk}/certificates/").status_code == 403
    assert not BulkDownload.objects.exists()


def test_the_join_page_says_what_the_organisation_receives(client, cohort):
    page = client.get(f"/org/join/{cohort.token}/").content.decode()
    assert "修了証" in page and "回答は伝わりません" in page


# --- navigation ---------------------------------------------------------------------------------


def test_the_profile_links_teachers_and_leaders_to_their_pages(client, leader, learner):
    from tests.classrooms.conftest import make_teacher

    client.force_login(leader)
    page = client.get("/accounts/profile/").content.decode()
    assert 'href="/org/"' in page and 'href="/classes/"' not in page
    teacher = make_teacher("teacher-nav@example.jp")
    LearnerProfileFactory(user=teacher)
    client.force_login(teacher)
    page = client.get("/accounts/profile/").content.decode()
    assert 'href="/classes/"' in page and 'href="/org/"' not in page
    client.force_login(learner)
    page = client.get("/accounts/profile/").content.decode()
    assert 'href="/classes/"' not in page and 'href="/org/"' not in page
