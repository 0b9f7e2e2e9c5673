"""POST /v1/recommendations: the example from the issue, and the error contract."""

from __future__ import annotations

import json

import pytest

from rules import KnowledgeBase
from service import create_app
from tests.conftest import codes, finding

ISSUE_EXAMPLE = {
    "age": 58,
    "sex": "female",
    "pregnant": False,
    "lactating": False,
    "kidney": {"egfr": 45, "dialysis": False},
    "serum_magnesium": {"value": 2.1, "unit": "mg/dL"},
    "back_pain": {"onset": "gradual", "severity": 6, "radiating": False, "duration_weeks": 8},
    "red_flags": ["night_pain"],
    "symptoms": ["constipation"],
    "medications": [{"name": "Cipro 500 mg"}, {"name": "FUROSEMIDE 40MG TAB", "rxnorm": "4603"}],
    "magnesium_products": [
        {
            "form": "glycinate",
            "route": "oral",
            "dose_mg": 1000,
            "dose_basis": "compound",
            "times_per_day": 2,
            "purpose": "supplement",
        },
        {
            "form": "hydroxide",
            "route": "oral",
            "dose_mg": 500,
            "dose_basis": "elemental",
            "times_per_day": 1,
            "purpose": "antacid_laxative",
        },
        {"form": "chloride", "route": "topical"},
    ],
    "route_preference": "any",
}


def test_issue_example_is_explained_and_sourced(client):
    response = client.post("/v1/recommendations", json=ISSUE_EXAMPLE)
    assert response.status_code == 200
    rec = response.get_json()
    assert rec["disposition"] == "refer"  # night pain is a malignancy red flag
    assert rec["referral"]["urgency"] == "urgent"
    assert rec["plan"] is None
    assert rec["intake"]["supplemental_elemental_mg_per_day"] == 782.0
    assert rec["intake"]["upper_limit_mg"] == 350
    assert rec["intake"]["rda_mg"] == 320
    glycinate = rec["intake"]["products"][0]
    assert glycinate["elemental_mg_per_day"] == 282.0 and glycinate["counted_toward_upper_limit"]
    assert rec["intake"]["products"][2]["counted_toward_upper_limit"] is False
    cipro = finding(rec, "interaction.fluoroquinolone")
    assert cipro["details"]["drug"] == "ciprofloxacin"
    assert cipro["details"]["matched"] == "Cipro 500 mg"
    assert cipro["details"]["separation"] == {
        "drug_before_magnesium_hours": 2,
        "drug_after_magnesium_hours": 6,
    }
    diuretic = finding(rec, "interaction.loop_thiazide_diuretic")
    assert "separation" not in diuretic["details"]  # the article's correction
    assert {
        "red_flag.malignancy",
        "intake.ul_exceeded",
        "intake.no_headroom",
        "kidney.moderate",
        "intake.compound_converted",
        "intake.antacid_laxative_counted",
    } <= codes(rec)
    for f in rec["findings"]:
        assert f["sources"] and f["explanation"] and f["action"] and f["rule"]["id"]
    assert rec["knowledge_base"]["rules_evaluated"] > 30


def test_caution_plan_carries_separations_and_ceiling(recommend):
    rec = recommend(medications=[{"name": "Cipro 500 mg"}])
    assert rec["disposition"] == "caution"
    assert rec["plan"]["form"] == "glycinate"
    assert rec["plan"]["max_supplemental_elemental_mg_per_day"] == 350
    assert rec["plan"]["separations"] == [
        {
            "drug": "ciprofloxacin",
            "drug_before_magnesium_hours": 2,
            "drug_after_magnesium_hours": 6,
            "note": None,
        }
    ]
    assert rec["referral"] is None


def test_plain_adult_is_suitable_with_no_findings(recommend):
    rec = recommend()
    assert rec["disposition"] == "suitable"
    assert rec["findings"] == []
    assert rec["plan"]["form"] == "glycinate" and rec["plan"]["route"] == "oral"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sex": "female"}, "age"),
        ({"age": 45}, "sex"),
        ({"age": "45", "sex": "female"}, "age"),
        ({"age": 45.5, "sex": "female"}, "age"),
        ({"age": 121, "sex": "female"}, "age"),
        ({"age": -1, "sex": "female"}, "age"),
        ({"age": True, "sex": "female"}, "age"),
        ({"age": 45, "sex": "F"}, "sex"),
        ({"age": 45, "sex": "female", "pregnant": "yes"}, "pregnant"),
        ({"age": 45, "sex": "female", "kidney": {"egfr": "low"}}, "kidney.egfr"),
        ({"age": 45, "sex": "female", "kidney": {"gfr": 40}}, "kidney.gfr"),
        ({"age": 45, "sex": "female", "red_flags": ["headache"]}, "red_flags"),
        ({"age": 45, "sex": "female", "symptoms": ["sore_toe"]}, "symptoms"),
        (
            {"age": 45, "sex": "female", "serum_magnesium": {"value": 2, "unit": "g/L"}},
            "serum_magnesium.unit",
        ),
        ({"age": 45, "sex": "female", "back_pain": {"severity": 11}}, "back_pain.severity"),
        (
            {"age": 45, "sex": "female", "magnesium_products": [{"form": "oxide"}]},
            "magnesium_products[0].dose_mg",
        ),
        (
            {
                "age": 45,
                "sex": "female",
                "magnesium_products": [
                    {"form": "stearate", "dose_mg": 500, "dose_basis": "compound"}
                ],
            },
            "magnesium_products[0].form",
        ),
        ({"age": 45, "sex": "female", "medications": [{"name": "x"}] * 101}, "medications"),
        ({"age": 45, "sex": "female", "route_preference": "iv"}, "route_preference"),
        ({"age": 45, "sex": "female", "extra": 1}, "extra"),
        ({"age": 30, "sex": "male", "pregnant": True}, "pregnant"),
        # v2 fields (CLINICAL.md §3, §11)
        ({"age": 45, "sex": "female", "conditions": ["gout"]}, "conditions"),
        ({"age": 45, "sex": "female", "conditions": ["lethargy"]}, "conditions"),
        ({"age": 45, "sex": "female", "symptoms": ["heart_block"]}, "symptoms"),
        ({"age": 45, "sex": "female", "conditions": "heart_block"}, "conditions"),
        ({"age": 45, "sex": "female", "weight_kg": 0}, "weight_kg"),
        ({"age": 45, "sex": "female", "weight_kg": "70"}, "weight_kg"),
        (
            {"age": 45, "sex": "female", "kidney": {"creatinine": {"value": 1, "unit": "mmol/L"}}},
            "kidney.creatinine.unit",
        ),
        (
            {"age": 45, "sex": "female", "kidney": {"creatinine": {"value": 0, "unit": "mg/dL"}}},
            "kidney.creatinine.value",
        ),
        (
            {"age": 45, "sex": "female", "kidney": {"creatinine": {"value": 41, "unit": "mg/dL"}}},
            "kidney.creatinine.value",
        ),
        (
            {"age": 45, "sex": "female", "kidney": {"creatinine": {"unit": "mg/dL"}}},
            "kidney.creatinine.value",
        ),
    ],
)
def test_invalid_profiles_get_422_naming_the_field(client, body, field):
    response = client.post("/v1/recommendations", json=body)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 422
    assert field in {e["field"] for e in problem["errors"]}, problem


def test_unknown_form_with_compound_dose_names_the_form(client):
    body = {
        "age": 45,
        "sex": "female",
        "magnesium_products": [{"form": "stearate", "dose_mg": 500, "dose_basis": "compound"}],
    }
    problem = client.post("/v1/recommendations", json=body).get_json()
    assert "stearate" in problem["detail"]


def test_unknown_form_with_elemental_dose_is_counted(recommend):
    rec = recommend(
        magnesium_products=[{"form": "stearate", "dose_mg": 100, "dose_basis": "elemental"}]
    )
    assert rec["intake"]["supplemental_elemental_mg_per_day"] == 100


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        ('{"age": NaN, "sex": "male"}', "application/json", 400),
        ('{"age": Infinity, "sex": "male"}', "application/json", 400),
        ('{"age": 45, "sex": ', "application/json", 400),
        ("age=45&sex=male", "application/x-www-form-urlencoded", 415),
        ('{"age": 45, "sex": "male"}', "text/plain", 415),
        ("[1, 2]", "application/json", 422),
        ("null", "application/json", 422),
        (b"\xff\xfe", "application/json", 400),
    ],
)
def test_malformed_bodies_get_4xx_problems(client, data, content_type, status):
    response = client.post("/v1/recommendations", data=data, content_type=content_type)
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    assert response.get_json()["status"] == status


def test_body_over_one_megabyte_is_413(client):
    body = json.dumps({"age": 45, "sex": "male", "medications": [{"name": "a" * 400}] * 3000})
    response = client.post("/v1/recommendations", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.content_type == "application/problem+json"


def test_405_keeps_allow_header(client):
    response = client.put("/v1/recommendations", json={})
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert response.content_type == "application/problem+json"


def test_knowledge_base_catalog(client):
    kb = client.get("/v1/knowledge-base").get_json()
    assert kb["version"]
    ids = [r["id"] for r in kb["rules"]]
    assert len(ids) == len(set(ids))
    for rule in kb["rules"]:
        assert rule["code"] and rule["version"] and rule["sources"] and rule["title"]
        assert rule["severity"] in {"critical", "warning", "info"}


def test_v2_profile_fields_are_accepted_and_answered(client):
    body = {
        "age": 85,
        "sex": "female",
        "weight_kg": 40,
        "kidney": {"creatinine": {"value": 79.6, "unit": "µmol/L"}},
        "conditions": ["type_2_diabetes"],
        "symptoms": ["tremor"],
    }
    rec = client.post("/v1/recommendations", json=body).get_json()
    # 79.6 µmol/L = 0.9 mg/dL: clearance 55 × 40 / 64.8 × 0.85 = 28.86 decides
    assert codes(rec) == {
        "kidney.severe",
        "kidney.egfr_estimated",
        "deficiency.risk",
        "deficiency.signs",
    }
    assert finding(rec, "kidney.severe")["details"]["decided_by"] == "creatinine_clearance"
    assert rec["not_checked"] == []


def test_openapi_lists_the_v2_profile_fields(client):
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    profile = schemas["Profile"]["properties"]
    assert profile["conditions"]["items"]["enum"] == [
        "alcohol_use_disorder",
        "bowel_obstruction",
        "chronic_diarrhea",
        "dehydration",
        "heart_block",
        "malabsorption",
        "myasthenia_gravis",
        "type_2_diabetes",
    ]
    assert {"muscle_cramps", "tremor", "palpitations", "visual_disturbance"} <= set(
        profile["symptoms"]["items"]["enum"]
    )
    assert profile["weight_kg"]["type"] == "number"
    assert "creatinine" in schemas["Kidney"]["properties"]
    assert set(schemas["Creatinine"]["properties"]) == {"value", "unit"}
    assert {"dosing", "ceiling_label", "notes"} <= set(schemas["Plan"]["properties"])


def test_openapi_document_and_page_are_served(client):
    spec = client.get("/openapi.json").get_json()
    assert "/v1/recommendations" in spec["paths"]
    assert "ProfileSchema" in json.dumps(spec) or "Profile" in json.dumps(spec)
    page = client.get("/docs")
    assert page.status_code == 200 and b"/docs/assets/" in page.data
    asset = client.get("/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200
    asset.close()  # a streamed file: close it, or the test leaks the handle


def test_back_pain_with_details_keeps_its_v1_plain_form(client):
    # `reported` is set only for an object without details (an under-5 is referred either
    # way); with details the profile reads, and hashes, as it did before the field existed.
    from service.evaluation import profile_as_plain
    from service.schemas import PROFILE_SCHEMA

    detailed = PROFILE_SCHEMA.load({"age": 3, "sex": "male", "back_pain": {"severity": 2}})
    empty = PROFILE_SCHEMA.load({"age": 3, "sex": "male", "back_pain": {}})
    assert "reported" not in profile_as_plain(detailed)["back_pain"]
    assert profile_as_plain(empty)["back_pain"]["reported"] is True
    for body in (
        {"age": 3, "sex": "male", "back_pain": {"severity": 2}},
        {"age": 3, "sex": "male", "back_pain": {}},
    ):
        rec = client.post("/v1/recommendations", json=body).get_json()
        assert "red_flag.pediatric" in codes(rec)


def boom(fact):
    raise RuntimeError("rule action failed")


def test_a_failing_knowledge_base_gives_a_500_problem_not_empty_findings(tmp_path):
    kb = KnowledgeBase(on_fire={"interaction-fluoroquinolone": boom})
    app = create_app(
        {
            "TESTING": True,
            "KNOWLEDGE_BASE": kb,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'audit.sqlite3'}",
        }
    )
    client = app.test_client()
    failed = client.post(
        "/v1/recommendations", json={"age": 45, "sex": "male", "medications": [{"name": "Cipro"}]}
    )
    assert failed.status_code == 500
    assert failed.content_type == "application/problem+json"
    problem = failed.get_json()
    assert problem["type"].endswith("/evaluation-failed")
    assert "findings" not in problem and "disposition" not in problem
    # the same knowledge base still answers profiles the broken rule does not touch
    assert client.post("/v1/recommendations", json={"age": 45, "sex": "male"}).status_code == 200
