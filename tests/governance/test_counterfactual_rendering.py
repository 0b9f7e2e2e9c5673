"""The counterfactual reaches every reader: the JSON API, the CDS Hooks card, the web page."""

from __future__ import annotations

from tests.cds_hooks import scenarios
from tests.cds_hooks.test_views import PATIENT_VIEW, by_code
from tests.web.conftest import csrf_token, text_of

SEVERE = "Would not apply if eGFR were 30 mL/min/1.73 m² or more (now 24)."


def test_json_finding_carries_the_counterfactual(recommend):
    rec = recommend(age=58, sex="female", kidney={"egfr": 24})
    (finding,) = rec["findings"]
    assert finding["code"] == "kidney.severe"
    cf = finding["counterfactual"]
    assert cf["text"] == SEVERE
    assert cf["changeable"] is True
    assert cf["options"] == [
        {
            "changes": [
                {
                    "input": "egfr",
                    "label": "eGFR",
                    "now": 24,
                    "condition": "egfr ≥ 30",
                    "set": 30,
                    "text": "eGFR were 30 mL/min/1.73 m² or more (now 24)",
                }
            ]
        }
    ]


def test_info_finding_has_a_null_counterfactual(recommend):
    rec = recommend(age=46, sex="female", symptoms=["constipation"])
    assert [(f["code"], f["counterfactual"]) for f in rec["findings"]] == [
        ("form.citrate_for_constipation", None)
    ]


def test_card_detail_says_what_would_change_it(client):
    body = client.post(PATIENT_VIEW, json=scenarios.scenario_a_request()).get_json()
    detail = by_code(body)["kidney.severe"]["detail"]
    assert "**What would change this:** " + SEVERE in detail
    # A caution under an avoid answer does not decide it: no counterfactual is computed.
    interaction = by_code(body)["interaction.loop_thiazide_diuretic"]["detail"]
    assert "What would change this" not in interaction


def test_web_page_shows_it_beside_the_finding(client):
    token = csrf_token(client.get("/").get_data(as_text=True))
    html = client.post(
        "/", data={"csrf_token": token, "age": "58", "sex": "female", "kidney.egfr": "24"}
    ).get_data(as_text=True)
    assert 'class="finding__counterfactual"' in html
    assert "What would change this: " + SEVERE in text_of(html)
