"""service/web/views.py through the Flask test client (CSRF on, as in production)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules.data.tokens import ALL_TOKENS
from rules.errors import EvaluationError
from service.web.form import field_id
from tests.web.conftest import PAGE_HEADERS, csrf_token, element, text_of

CIPRO_GLYCINATE = {
    "age": "50",
    "sex": "male",
    "medications": "Cipro 500 mg",
    "magnesium_products[0].form": "glycinate",
    "magnesium_products[0].dose_mg": "1250",
    "magnesium_products[0].dose_basis": "compound",
    "magnesium_products[0].times_per_day": "2",
    "magnesium_products[0].route": "oral",
    "magnesium_products[0].purpose": "supplement",
}


CONDITION_TOKENS = [
    "myasthenia_gravis",
    "heart_block",
    "bowel_obstruction",
    "dehydration",
    "alcohol_use_disorder",
    "type_2_diabetes",
    "malabsorption",
    "chronic_diarrhea",
]
NEW_SYMPTOMS = [
    "muscle_weakness",
    "lethargy",
    "confusion",
    "low_blood_pressure",
    "slow_heartbeat",
    "flushing",
    "visual_disturbance",
    "muscle_cramps",
    "tremor",
    "palpitations",
]


def test_form_offers_every_field(client):
    html = client.get("/").get_data(as_text=True)
    for token in ALL_TOKENS:
        assert f'value="{token}"' in html, token
    for token in CONDITION_TOKENS:
        assert f'name="conditions" value="{token}"' in html, token
    for token in NEW_SYMPTOMS:
        assert f'name="symptoms" value="{token}"' in html, token
    for name in ("kidney.creatinine.value", "kidney.creatinine.unit", "weight_kg"):
        assert f'name="{name}"' in html, name
    for name in (
        "age",
        "sex",
        "kidney.egfr",
        "kidney.dialysis",
        "serum_magnesium.value",
        "serum_magnesium.unit",
        "back_pain.onset",
        "back_pain.severity",
        "back_pain.duration_weeks",
        "back_pain.radiating",
        "pregnant",
        "lactating",
        "medications",
        "route_preference",
    ):
        assert f'name="{name}"' in html, name
    for row in range(4):
        assert f'name="magnesium_products[{row}].dose_basis"' in html
    assert html.count("required aria-required") == 2  # age and sex only


def test_every_input_has_a_label(client):
    html = client.get("/").get_data(as_text=True)
    ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', html)
    assert len(ids) > 50
    for input_id in ids:
        assert f'for="{input_id}"' in html, input_id


def test_fieldsets_have_legends(client):
    html = client.get("/").get_data(as_text=True)
    assert html.count("<fieldset") == html.count("<legend>")
    for legend in (
        "Cauda equina",
        "Aortic aneurysm",
        "Neurological deficit",
        "Infection",
        "Malignancy",
        "Fracture",
        "Inflammatory back pain",
        "Conditions",
        "Magnesium contraindicated",
        "Deficiency more likely",
        "Signs of high magnesium",
        "Signs of low magnesium",
        "With digoxin",
    ):
        assert f"<legend>{legend}</legend>" in html


@pytest.mark.parametrize("path", ["/", "/assets/web.css", "/assets/web.js"])
def test_security_headers(client, path):
    with client.get(path) as response:  # a static file stays open until closed
        assert response.status_code == 200
    for header in PAGE_HEADERS:
        assert header in response.headers, header
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_hold_patient_data_so_are_not_cached(client, submit):
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert submit({"age": "50", "sex": "male"}).headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/docs", "/docs/init.js", "/docs/assets/swagger-ui.css"])
def test_swagger_page_has_the_same_security_headers(client, path):
    # Its start-up script is a file (/docs/init.js), so the strict policy fits it too;
    # only img-src adds data: for the stylesheet's icons (tests/web/test_docs_browser.py).
    response = client.get(path)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()  # a file response holds its file open until closed


def test_the_session_cookie_is_secure_over_https_only(client):
    over_https = client.get("/", base_url="https://cds.example.org")
    assert "Secure" in over_https.headers["Set-Cookie"].split("; ")
    plain = client.get("/", base_url="http://127.0.0.1")
    assert "Secure" not in plain.headers["Set-Cookie"].split("; ")


@pytest.mark.parametrize("data", [{"age": "50", "sex": "male"}, CIPRO_GLYCINATE])
def test_pages_have_no_inline_script_or_style(client, submit, data):
    for html in (client.get("/").get_data(as_text=True), submit(data).get_data(as_text=True)):
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert not re.search(r"\sstyle=", html)
        assert "<style" not in html
        assert not re.search(r"\son[a-z]+=", html)


def test_missing_csrf_token_is_400_page_not_500(client):
    response = client.post("/", data={"age": "50", "sex": "male", "kidney.egfr": "24"})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "Nothing was evaluated" in html
    assert 'value="24"' in element(html, field_id("kidney.egfr"))  # entries kept
    assert "csrf_token" in html  # with a fresh token to submit again
    for header in PAGE_HEADERS:
        assert header in response.headers


def test_wrong_csrf_token_is_400(client):
    client.get("/")
    response = client.post("/", data={"csrf_token": "forged", "age": "50", "sex": "male"})
    assert response.status_code == 400


def test_json_api_and_cds_hooks_are_not_csrf_checked(client):
    response = client.post("/v1/recommendations", json={"age": 50, "sex": "male"})
    assert response.status_code == 200
    response = client.post("/cds-services/magnesium-back-pain-review", json={})
    assert "json" in response.mimetype and b"CSRF" not in response.data


def test_avoid_with_kidney_finding(submit):
    response = submit({"age": "60", "sex": "female", "kidney.egfr": "24"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="disposition disposition--avoid"' in html
    assert 'data-code="kidney.severe"' in html
    assert "No magnesium plan" in html


def test_caution_shows_separation_and_ul_arithmetic(submit):
    html = submit(CIPRO_GLYCINATE).get_data(as_text=True)
    text = text_of(html)
    assert "CAUTION" in text
    assert "Take ciprofloxacin at least 2 h before magnesium, or at least 6 h after it." in text
    assert "at most 350 mg elemental magnesium per day" in text
    assert "1250 mg compound × 0.141 × 2/day" in text
    assert "352.5 mg/day" in text and "2.5 mg/day above the UL" in text
    assert 'data-code="intake.ul_exceeded"' in html
    assert "LABEL-CIPRO" in text  # sources shown


def test_referral_banner_comes_before_everything(submit):
    html = submit({"age": "40", "sex": "male", "red_flags": "saddle_anesthesia"}).get_data(
        as_text=True
    )
    body = html[html.index("<body>") :]
    banner = body.index('id="referral"')
    assert banner < body.index('class="masthead"') < body.index('id="result"')
    assert "Refer · Emergency" in text_of(body[banner : banner + 600])
    assert "Possible cauda equina syndrome" in text_of(body[banner : body.index("</section>")])


def test_form_round_trip_keeps_every_value(submit):
    data = {
        **CIPRO_GLYCINATE,
        "kidney.egfr": "45",
        "kidney.dialysis": "true",
        "serum_magnesium.value": "1.7",
        "serum_magnesium.unit": "mg/dL",
        "back_pain.onset": "gradual",
        "back_pain.severity": "4",
        "back_pain.duration_weeks": "3",
        "back_pain.radiating": "true",
        "symptoms": "constipation",
        "route_preference": "oral",
        "medications": "Cipro 500 mg\nFUROSEMIDE 40MG TAB",
    }
    html = submit(data).get_data(as_text=True)
    assert 'value="45"' in element(html, field_id("kidney.egfr"))
    assert "checked" in element(html, field_id("kidney.dialysis"))
    assert "checked" in element(html, field_id("back_pain.radiating"))
    assert "checked" in element(html, field_id("symptoms-constipation"))
    assert "checked" not in element(html, field_id("symptoms-nausea"))
    assert "checked" in element(html, field_id("route_preference-oral"))
    assert 'value="1250"' in element(html, field_id("magnesium_products[0].dose_mg"))
    assert '<option value="compound" selected>' in html
    assert '<option value="gradual" selected>' in html
    assert "Cipro 500 mg\nFUROSEMIDE 40MG TAB</textarea>" in html


def test_invalid_age_error_beside_field_rest_kept(submit):
    response = submit({**CIPRO_GLYCINATE, "age": "abc", "kidney.egfr": "45"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    age = element(html, "f-age")
    assert 'aria-invalid="true"' in age and "f-age-error" in age
    at = html.index('id="f-age"')
    field = html[html.rindex('<div class="field', 0, at) : at]  # the input's own field block
    assert 'id="f-age-error"' in field and "whole number of years" in field
    start = html.index('id="error-summary"')
    summary = html[start : html.index("</ul>", start)]
    assert 'href="#f-age"' in summary
    assert 'value="abc"' in age  # what was typed stays, to be corrected
    assert 'value="45"' in element(html, field_id("kidney.egfr"))
    assert 'value="1250"' in element(html, field_id("magnesium_products[0].dose_mg"))
    assert 'id="result"' not in html


def test_product_row_error_lands_on_its_row(submit):
    html = submit(
        {
            "age": "50",
            "sex": "male",
            "magnesium_products[2].form": "oxide",
            "magnesium_products[2].dose_mg": "400",
        }
    ).get_data(as_text=True)
    assert 'aria-invalid="true"' in element(html, field_id("magnesium_products[2].dose_basis"))
    assert "Product 3, the dose is" in html


def test_profile_error_from_the_knowledge_base_is_shown_beside_field(submit, app, monkeypatch):
    from rules.errors import ProfileError

    def refuse(profile):
        raise ProfileError("magnesium_products[0].form", "cannot convert this form")

    monkeypatch.setattr(app.extensions["knowledge_base"], "evaluate", refuse)
    response = submit(CIPRO_GLYCINATE)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in element(html, field_id("magnesium_products[0].form"))


def test_engine_failure_fails_closed(submit, app, monkeypatch):
    def fail(profile):
        raise EvaluationError("boom")

    monkeypatch.setattr(app.extensions["knowledge_base"], "evaluate", fail)
    response = submit(CIPRO_GLYCINATE)
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "No recommendation was made" in html and 'id="result"' not in html
    assert 'value="1250"' in element(html, field_id("magnesium_products[0].dose_mg"))


def test_form_evaluations_are_marked_as_form(submit, app):
    seen = []
    app.extensions["evaluation_hooks"].append(lambda event: seen.append(event.interface))
    submit({"age": "50", "sex": "male"})
    assert seen == ["form"]


def test_csrf_token_survives_a_round_trip(client):
    html = client.get("/").get_data(as_text=True)
    response = client.post("/", data={"csrf_token": csrf_token(html), "age": "50", "sex": "male"})
    assert response.status_code == 200
    again = client.post(
        "/",
        data={
            "csrf_token": csrf_token(response.get_data(as_text=True)),
            "age": "51",
            "sex": "male",
        },
    )
    assert again.status_code == 200


INPUT_NAMES = sorted(
    {
        "age",
        "sex",
        "pregnant",
        "lactating",
        "kidney.egfr",
        "kidney.dialysis",
        "serum_magnesium.value",
        "serum_magnesium.unit",
        "back_pain.onset",
        "back_pain.severity",
        "back_pain.duration_weeks",
        "back_pain.radiating",
        "red_flags",
        "symptoms",
        "medications",
        "route_preference",
        "magnesium_products[0].form",
        "magnesium_products[0].dose_mg",
        "magnesium_products[0].dose_basis",
        "magnesium_products[0].times_per_day",
        "magnesium_products[0].route",
        "magnesium_products[0].purpose",
        "magnesium_products[7].dose_mg",
        "magnesium_products[999].form",
    }
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.dictionaries(
        st.sampled_from(INPUT_NAMES) | st.text(max_size=20),
        st.sampled_from(
            ["", "0", "24", "-1", "1e400", "nan", "glycinate", "compound", "fever", "male", "true"]
        )
        | st.text(max_size=40),
        max_size=12,
    )
)
def test_any_submission_is_a_page_never_a_500(client, data):
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post("/", data={**data, "csrf_token": token})
    assert response.status_code in (200, 422), response.status_code
    assert response.mimetype == "text/html"


def test_page_shows_the_clinician_directed_plan_and_computed_kidney_function(client, submit):
    html = submit(
        {
            "age": "70",
            "sex": "female",
            "kidney.creatinine.value": "1.2",
            "kidney.creatinine.unit": "mg/dL",
            "weight_kg": "50",
        }
    ).get_data(as_text=True)
    text = text_of(html)
    assert "upper bound 350 mg elemental magnesium per day" in text
    assert "Clinician-directed dose only" in text
    assert (
        "Moderately reduced kidney function: the dose is for the clinician to set. The "
        "figure is an upper bound, not a dose to take."
    ) in text
    assert 'data-code="kidney.egfr_estimated"' in html
    # female 70, 50 kg, 1.2 mg/dL: clearance 70 × 50 / (72 × 1.2) × 0.85 = 34.43 decides
    assert "Creatinine clearance 34.43 mL/min (Cockcroft–Gault)" in text


def test_page_labels_the_topical_ceiling(client, submit):
    text = text_of(
        submit({"age": "50", "sex": "male", "route_preference": "topical"}).get_data(as_text=True)
    )
    assert "at most 350 mg elemental magnesium per day" in text
    assert (
        "ceiling for any oral magnesium taken besides (supplements and "
        "magnesium-containing medicines); topical magnesium is not counted toward the "
        "upper limit"
    ) in text
    assert "Topical magnesium is not counted toward the upper limit" in text


def test_page_lists_what_was_not_checked(client, submit):
    html = submit(
        {
            "age": "16",
            "sex": "male",
            "kidney.creatinine.value": "1.0",
            "kidney.creatinine.unit": "mg/dL",
        }
    ).get_data(as_text=True)
    assert 'id="not-checked"' in html
    text = text_of(html)
    assert "Not checked (1)" in text
    assert (
        "Value: serum creatinine — kidney function was not estimated from creatinine at age 16"
    ) in text


def test_page_without_anything_unchecked_has_no_not_checked_panel(client, submit):
    html = submit({"age": "50", "sex": "male"}).get_data(as_text=True)
    assert 'id="not-checked"' not in html


def test_page_shows_the_excess_the_knowledge_base_computed(client, submit):
    html = submit(
        {
            "age": "50",
            "sex": "male",
            "magnesium_products[0].form": "glycinate",
            "magnesium_products[0].dose_mg": "350.004",
            "magnesium_products[0].dose_basis": "elemental",
        }
    ).get_data(as_text=True)
    text = text_of(html)
    assert 'data-code="intake.ul_exceeded"' in html
    # 350.004 mg is 350 to the tenth: the excess is the knowledge base's, never "0 mg over"
    assert "350 mg/day elemental against a UL of 350 mg/day : 0.004 mg/day above the UL" in text


def test_conditions_reach_the_knowledge_base(client, submit):
    html = submit({"age": "50", "sex": "male", "conditions": "myasthenia_gravis"}).get_data(
        as_text=True
    )
    assert 'data-code="condition.myasthenia_gravis"' in html
    assert 'value="myasthenia_gravis" checked' in html
