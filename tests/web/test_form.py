"""service/web/form.py: form text → the profile dict, and errors back beside the inputs."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from service.schemas import ProfileSchema
from service.web.form import (
    FormState,
    Paths,
    choices,
    field_id,
    map_errors,
    to_profile_data,
)


def profile_data(**inputs: str | list[str]) -> dict:
    form = MultiDict()
    for key, value in inputs.items():
        for v in value if isinstance(value, list) else [value]:
            form.add(key, v)
    return to_profile_data(FormState.from_form(form))[0]


def load_errors(**inputs: str | list[str]) -> dict[str, str]:
    state = FormState.from_form(MultiDict(list(inputs.items())))
    data, paths = to_profile_data(state)
    with pytest.raises(ValidationError) as info:
        ProfileSchema().load(data)
    return {e.name: e.message for e in map_errors(info.value.messages, paths)}


def test_untouched_form_is_age_and_sex_only():
    defaults = FormState.initial().values
    data = profile_data(**defaults, age="45", sex="female")
    assert data == {
        "age": 45,
        "sex": "female",
        "pregnant": False,
        "lactating": False,
        "red_flags": [],
        "symptoms": [],
        "conditions": [],
        "medications": [],
        "magnesium_products": [],
        "route_preference": "any",
    }
    ProfileSchema().load(data)


def test_kidney_inputs_build_creatinine_and_weight():
    data = profile_data(
        age="70",
        sex="male",
        **{
            "kidney.creatinine.value": "1.4",
            "kidney.creatinine.unit": "µmol/L",
            "weight_kg": "62.5",
        },
        conditions=["dehydration", "heart_block"],
    )
    assert data["kidney"] == {"creatinine": {"value": 1.4, "unit": "µmol/L"}}
    assert data["weight_kg"] == 62.5
    assert data["conditions"] == ["dehydration", "heart_block"]
    ProfileSchema().load(data)


def test_a_creatinine_error_lands_beside_its_input():
    errors = load_errors(
        age="70",
        sex="male",
        **{"kidney.creatinine.value": "abc", "kidney.creatinine.unit": "mg/dL"},
    )
    assert list(errors) == ["kidney.creatinine.value"]
    assert errors["kidney.creatinine.value"].startswith("Enter serum creatinine as a number")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("58", 58),
        (" 58 ", 58),
        ("58.0", 58.0),
        ("24.5", 24.5),
        (".5", 0.5),
        ("abc", "abc"),
        ("2,500", "2,500"),
        ("1e3", "1e3"),
        ("58 years", "58 years"),
    ],
)
def test_numbers_are_digits_only_anything_else_reaches_the_schema(text, expected):
    assert profile_data(age=text)["age"] == expected


def test_nested_values_and_lists():
    data = profile_data(
        **{
            "kidney.egfr": "24",
            "kidney.dialysis": "true",
            "serum_magnesium.value": "0.7",
            "serum_magnesium.unit": "mmol/L",
            "back_pain.onset": "sudden",
            "back_pain.severity": "8",
            "back_pain.radiating": "true",
            "red_flags": ["fever", "night_pain"],
            "symptoms": ["nausea"],
            "medications": "Cipro 500 mg\r\n\r\n  LaSiX  \n",
        },
    )
    assert data["kidney"] == {"egfr": 24, "dialysis": True}
    assert data["serum_magnesium"] == {"value": 0.7, "unit": "mmol/L"}
    assert data["back_pain"] == {"onset": "sudden", "severity": 8, "radiating": True}
    assert data["red_flags"] == ["fever", "night_pain"]
    assert data["symptoms"] == ["nausea"]
    assert data["medications"] == [{"name": "Cipro 500 mg"}, {"name": "LaSiX"}]


def test_serum_unit_alone_is_no_lab_value():
    assert "serum_magnesium" not in profile_data(**{"serum_magnesium.unit": "mg/dL"})


def test_blank_product_rows_are_skipped_and_rows_remembered():
    rows = {
        "magnesium_products[0].route": "oral",
        "magnesium_products[0].times_per_day": "1",
        "magnesium_products[2].form": "glycinate",
        "magnesium_products[2].dose_mg": "1250",
        "magnesium_products[2].dose_basis": "compound",
        "magnesium_products[2].times_per_day": "2",
    }
    state = FormState.from_form(MultiDict(rows))
    data, paths = to_profile_data(state)
    assert data["magnesium_products"] == [
        {"form": "glycinate", "dose_mg": 1250, "dose_basis": "compound", "times_per_day": 2}
    ]
    assert paths.product_rows == (2,)


def test_rows_beyond_the_fixed_four_are_read():
    state = FormState.from_form(MultiDict({"magnesium_products[6].form": "citrate"}))
    assert state.product_rows == 7


def test_unknown_inputs_are_ignored():
    state = FormState.from_form(MultiDict({"is_admin": "1", "magnesium_products[0].x": "1"}))
    assert state.values == {}


@pytest.mark.parametrize(
    ("inputs", "name", "words"),
    [
        ({"age": "abc", "sex": "male"}, "age", "whole number of years"),
        ({"age": "130", "sex": "male"}, "age", "Age must be from 0 to 120 years"),
        ({"age": "58.5", "sex": "male"}, "age", "whole number"),
        ({"age": "58"}, "sex", "Choose the patient's sex"),
        ({"sex": "male"}, "age", "Enter the age"),
        (
            {"age": "58", "sex": "male", "kidney.egfr": "-1"},
            "kidney.egfr",
            "eGFR must be from 0 to 200 mL/min/1.73 m²",
        ),
        ({"age": "58", "sex": "male", "kidney.egfr": "2,5"}, "kidney.egfr", "2500, not 2,500"),
        (
            {"age": "58", "sex": "male", "back_pain.severity": "11"},
            "back_pain.severity",
            "from 0 to 10",
        ),
        ({"age": "58", "sex": "male", "pregnant": "true"}, "pregnant", "cannot be pregnant"),
        (
            {"age": "58", "sex": "male", "magnesium_products[3].form": "oxide"},
            "magnesium_products[3].dose_mg",
            "Required for an oral product",
        ),
        (
            {
                "age": "58",
                "sex": "male",
                "magnesium_products[1].form": "glycinate",
                "magnesium_products[1].dose_mg": "0",
                "magnesium_products[1].dose_basis": "elemental",
            },
            "magnesium_products[1].dose_mg",
            "more than 0",
        ),
        (
            {
                "age": "58",
                "sex": "male",
                "magnesium_products[0].dose_mg": "200",
                "magnesium_products[0].dose_basis": "elemental",
            },
            "magnesium_products[0].form",
            "Enter the form",
        ),
    ],
)
def test_errors_land_on_their_input_in_clinician_words(inputs, name, words):
    errors = load_errors(**inputs)
    assert name in errors, errors
    assert words in errors[name]


def test_medication_errors_name_the_line():
    long = "x" * 501
    errors = load_errors(age="58", sex="male", medications=f"Cipro\n\n{long}")
    assert errors["medications"].startswith("Line 3: ")


def test_product_error_label_names_the_row():
    state = FormState.from_form(MultiDict({"magnesium_products[2].form": "oxide"}))
    data, paths = to_profile_data(state)
    data.update(age=58, sex="male")
    with pytest.raises(ValidationError) as info:
        ProfileSchema().load(data)
    labels = {e.label for e in map_errors(info.value.messages, paths)}
    assert "Product 3, dose per intake" in labels


def test_choices_come_from_the_schema():
    assert choices("sex") == ["female", "male", "other", "unknown"]
    assert choices("magnesium_products[].dose_basis") == ["elemental", "compound"]
    assert choices("serum_magnesium.unit") == ["mg/dL", "mmol/L", "mEq/L"]


def test_field_ids_are_css_safe():
    assert field_id("magnesium_products[2].dose_mg") == "f-magnesium_products-2-dose_mg"
    assert field_id("kidney.egfr") == "f-kidney-egfr"


def test_paths_default_when_unknown():
    [error] = map_errors({"magnesium_products": {5: {"form": ["x"]}}}, Paths())
    assert error.name == "magnesium_products[5].form"


def test_too_many_products_is_said_plainly():
    rows = {f"magnesium_products[{i}].form": "glycinate" for i in range(25)}
    rows.update({f"magnesium_products[{i}].dose_mg": "100" for i in range(25)})
    rows.update({f"magnesium_products[{i}].dose_basis": "elemental" for i in range(25)})
    errors = load_errors(age="58", sex="male", **rows)
    assert errors["magnesium_products"].startswith("Enter at most ")
    assert errors["magnesium_products"].endswith(" magnesium products.")
