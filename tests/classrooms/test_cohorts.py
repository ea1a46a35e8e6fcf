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
