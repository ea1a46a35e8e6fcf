import pytest

pytestmark = pytest.mark.django_db


def test_openapi_description_is_served(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    spec = response.json()
    assert spec["info"]["title"] == "Tsunagari API"
    assert "/api/v1/reference/prefectures" in spec["paths"]


def test_prefecture_reference_lists_the_47_with_population(client):
    rows = client.get("/api/v1/reference/prefectures").json()

    assert len(rows) == 47
    assert rows[12] == {
        "code": "13",
        "name_ja": "東京都",
        "name_en": "Tokyo",
        "region_ja": "関東",
        "region_en": "Kanto",
        "lg_code": "130001",
        "population_2020": rows[12]["population_2020"],
    }
    assert sum(r["population_2020"] for r in rows) == 126_146_099
