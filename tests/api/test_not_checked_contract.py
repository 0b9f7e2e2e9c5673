"""The JSON API contract for what was not checked and the intake figures (§12, §13)."""

from __future__ import annotations


def test_openapi_lists_not_checked_and_the_intake_figures(client):
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    assert schemas["Recommendation"]["properties"]["not_checked"]["items"] == {
        "$ref": "#/components/schemas/NotChecked"
    }
    assert set(schemas["NotChecked"]["properties"]) == {"kind", "item", "reason"}
    assert {"excess_mg_per_day", "over_upper_limit"} <= set(schemas["Intake"]["properties"])
    assert {"arithmetic", "source", "name", "dose_known"} <= set(
        schemas["ProductIntake"]["properties"]
    )


def test_a_recommendation_carries_not_checked_and_medicine_intake(client):
    response = client.post(
        "/v1/recommendations",
        json={
            "age": 50,
            "sex": "female",
            "medications": [{"name": "Xyzzoprin 5 mg"}, {"name": "Mag-Ox 400 1 tab daily"}],
        },
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["not_checked"] == [
        {
            "kind": "medication",
            "item": "Xyzzoprin 5 mg",
            "reason": "interactions with Xyzzoprin 5 mg were not checked",
        }
    ]
    [product] = body["intake"]["products"]
    assert (product["source"], product["elemental_mg_per_day"], product["arithmetic"]) == (
        "medication list",
        241.2,
        "Mag-Ox: 400 mg magnesium oxide (compound) × 0.603 × 1/day = 241.2 mg elemental",
    )
    assert (body["intake"]["excess_mg_per_day"], body["intake"]["over_upper_limit"]) == (0, False)
