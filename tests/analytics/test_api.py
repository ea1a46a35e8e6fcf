"""GET /api/v1/stats/completions: the contract, suppression, scope, and bad input."""

import datetime

import pytest

from accounts.models import AnalystScope
from accounts.roles import ANALYST, ensure_groups
from analytics import stats

pytestmark = pytest.mark.django_db
URL = "/api/v1/stats/completions"


@pytest.fixture
def analyst(django_user_model):
    def make(prefectures=None):
        groups = ensure_groups()
        user = django_user_model.objects.create_user(
            email=f"a{len(prefectures or [])}-{'-'.join(prefectures or ['all'])}@example.jp", password="x" * 12
        )
        user.groups.add(groups[ANALYST])
        AnalystScope.objects.create(user=user, is_national=not prefectures, prefectures=prefectures or [])
        return user

    return make


def test_contract_for_the_public_with_suppression(client, complete):
    complete(prefecture="13", sector="resident", count=25)
    complete(prefecture="13", sector="welfare", count=4)
    complete(prefecture="14", sector="resident", count=12)
    body = client.get(URL, {"group_by": "prefecture,sector"}).json()
    assert body["suppressed_below"] == 10
    assert body["total"] == 41
    rows = {(r["prefecture"], r["sector"]): r["count"] for r in body["rows"]}
    # 4 is hidden; Tokyo's total (29) is public, so 25 is hidden too (complementary); then the
    # resident column has one hidden cell, so Kanagawa's 12 goes as well.
    assert rows == {("13", "resident"): None, ("13", "welfare"): None, ("14", "resident"): None}
    by_pref = client.get(URL, {"group_by": "prefecture"}).json()["rows"]
    assert by_pref == [{"prefecture": "13", "count": 29}, {"prefecture": "14", "count": 12}]
    assert client.get(URL, {"prefecture": "13", "sector": "welfare"}).json()["total"] is None


def test_analyst_sees_exact_figures_in_scope(client, complete, analyst):
    complete(prefecture="13", count=3)
    complete(prefecture="27", count=5)
    client.force_login(analyst(["13"]))
    body = client.get(URL, {"group_by": "prefecture"}).json()
    assert body == {"total": 3, "rows": [{"prefecture": "13", "count": 3}], "suppressed_below": None, "synthetic": 0}
    response = client.get(URL, {"group_by": "sector", "prefecture": "27"})
    assert response.status_code == 403
    assert "大阪府" in response.json()["detail"] and "権限" in response.json()["detail"]
    client.force_login(analyst())
    body = client.get(URL, {"group_by": "prefecture"}).json()
    assert {r["prefecture"]: r["count"] for r in body["rows"]} == {"13": 3, "27": 5}


@pytest.mark.parametrize(
    "params,message",
    [
        ({"group_by": "town"}, "group_by に使えない項目"),
        ({"group_by": "sector,sector"}, "重複"),
        ({"group_by": "month,fiscal_year"}, "同時に"),
        ({"sector": "astronaut"}, "存在しない値"),
        ({"prefecture": "48"}, "存在しない値"),
        ({"from": "2026-13-01"}, "YYYY-MM-DD"),
        ({"from": "1999-01-01"}, "2019-04-01"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "from は to より前"),
    ],
)
def test_bad_input_is_400_in_japanese(client, params, message):
    response = client.get(URL, params)
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_date_range_and_group_by_month(client, complete, analyst):
    complete(on=datetime.date(2026, 4, 30), count=2)
    complete(on=datetime.date(2026, 5, 1), count=3)
    complete(on=datetime.date(2026, 5, 31), count=4)
    client.force_login(analyst())
    body = client.get(URL, {"group_by": "month", "from": "2026-04-30", "to": "2026-05-30"}).json()
    assert body["rows"] == [{"month": "2026-04", "count": 2}, {"month": "2026-05", "count": 3}]
    body = client.get(URL, {"group_by": "fiscal_year"}).json()
    assert body["rows"] == [{"fiscal_year": 2026, "count": 9}]


def test_synthetic_records_are_counted_and_declared(client, complete):
    complete(count=15)
    complete(count=20, synthetic=True)
    body = client.get(URL).json()
    assert body["total"] == 35 and body["synthetic"] == 20


class TestSuppression:
    def test_primary_and_complementary_in_rows_and_columns(self):
        cells = {("a", "x"): 50, ("a", "y"): 4, ("b", "x"): 30, ("b", "y"): 40, ("c", "x"): 12}
        hidden = stats.suppress(cells, 2)
        assert ("a", "y") in hidden  # under 10
        assert ("a", "x") in hidden  # row a would otherwise give it away
        # column y: (a,y) hidden, so (b,y) hidden too; column x then has two hidden
        assert ("b", "y") in hidden
        for axis in (0, 1):
            lines = {}
            for key in cells:
                lines.setdefault(key[:axis] + key[axis + 1 :], []).append(key in hidden)
            assert all(sum(line) != 1 for line in lines.values())

    def test_one_dimension_with_a_total(self):
        hidden = stats.suppress({("13",): 100, ("14",): 3, ("27",): 20}, 1)
        assert hidden == {("14",), ("27",)}

    def test_nothing_small_nothing_hidden(self):
        assert stats.suppress({("13",): 100, ("14",): 30}, 1) == set()

    def test_cannot_be_recovered_by_differencing(self):
        """Brute force: each hidden cell has at least two values consistent with all line totals."""
        cells = {("p1", "s1"): 3, ("p1", "s2"): 40, ("p1", "s3"): 15, ("p2", "s1"): 22, ("p2", "s2"): 9}
        hidden = stats.suppress(cells, 2)
        for axis in (0, 1):
            for line_key in {k[:axis] + k[axis + 1 :] for k in cells}:
                members = [k for k in cells if k[:axis] + k[axis + 1 :] == line_key]
                assert sum(1 for k in members if k in hidden) != 1
