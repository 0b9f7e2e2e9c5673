"""service/web/present.py: numbers, timing sentences and the intake chart's geometry."""

from __future__ import annotations

import pytest

from service.web import present


@pytest.mark.parametrize(
    ("value", "text"),
    [(350.0, "350"), (352.5, "352.5"), (0.141, "0.141"), (2, "2"), (None, "—"), (True, "yes")],
)
def test_num(value, text):
    assert present.num(value) == text


@pytest.mark.parametrize(
    ("before", "after", "note", "text"),
    [
        (2, 6, None, "Take ciprofloxacin at least 2 h before magnesium, or at least 6 h after it."),
        (None, 2, None, "Take ciprofloxacin at least 2 h after magnesium."),
        (4, None, None, "Take ciprofloxacin at least 4 h before magnesium."),
        (None, None, "Not recommended together.", "Not recommended together."),
    ],
)
def test_separation_text(before, after, note, text):
    sep = {
        "drug": "ciprofloxacin",
        "drug_before_magnesium_hours": before,
        "drug_after_magnesium_hours": after,
        "note": note,
    }
    assert present.separation_text(sep) == text


def product(mg: float, route: str = "oral", counted: bool = True, **extra) -> dict:
    return {
        "form": "glycinate",
        "route": route,
        "purpose": "supplement",
        "dose_mg": 1250.0,
        "dose_basis": "compound",
        "times_per_day": 2,
        "elemental_fraction": 0.141,
        "elemental_mg_per_day": mg,
        "counted_toward_upper_limit": counted,
        **extra,
    }


def test_chart_marks_the_part_above_the_ul():
    chart = present.chart(
        {
            "supplemental_elemental_mg_per_day": 700.0,
            "antacid_laxative_elemental_mg_per_day": 0,
            "upper_limit_mg": 350.0,
            "rda_mg": 420.0,
            "excess_mg_per_day": 350.0,
            "over_upper_limit": True,
            "products": [product(700.0), product(0.0, route="topical", counted=False)],
        }
    )
    glycinate, topical, total = chart.bars
    assert glycinate.over_ul and total.over_ul and not topical.over_ul
    assert total.width == pytest.approx(100 / 1.1, abs=0.01)
    assert total.within == chart.ul_at == pytest.approx(50 / 1.1, abs=0.01)
    assert chart.excess == 350.0
    assert topical.kind == "uncounted" and topical.detail == "not counted: topical"
    assert glycinate.detail == "1250 mg compound × 0.141 × 2/day"


def test_chart_within_the_ul_scales_to_the_largest_reference():
    chart = present.chart(
        {
            "supplemental_elemental_mg_per_day": 100.0,
            "upper_limit_mg": 350.0,
            "rda_mg": 420.0,
            "products": [product(100.0, dose_basis="elemental", dose_mg=100.0, times_per_day=1)],
        }
    )
    assert chart.excess == 0 and not chart.bars[-1].over_ul
    assert chart.rda_at == pytest.approx(100 / 1.1, abs=0.01)
    assert chart.bars[0].detail == "100 mg elemental × 1/day"


def test_chart_without_an_upper_limit():
    chart = present.chart(
        {
            "supplemental_elemental_mg_per_day": 50.0,
            "upper_limit_mg": None,
            "rda_mg": None,
            "products": [product(50.0)],
        }
    )
    assert chart.ul_at is None and chart.rda_at is None and chart.excess == 0
    assert not any(bar.over_ul for bar in chart.bars)


def test_chart_takes_the_excess_from_the_knowledge_base_not_the_rounded_total():
    # 350.004 mg is over the UL: the total shows as 350 but the excess is the rules' figure.
    chart = present.chart(
        {
            "supplemental_elemental_mg_per_day": 350.0,
            "upper_limit_mg": 350.0,
            "rda_mg": None,
            "excess_mg_per_day": 0.01,
            "over_upper_limit": True,
            "products": [product(350.0)],
        }
    )
    assert chart.excess == 0.01
    assert chart.bars[-1].over_ul


def test_a_product_of_unknown_amount_is_drawn_as_unknown():
    unknown = product(
        None,
        counted=False,
        source="medication list",
        name="Mag-Ox",
        arithmetic="Mag-Ox: amount unknown; not counted",
    )
    chart = present.chart(
        {
            "supplemental_elemental_mg_per_day": 0.0,
            "upper_limit_mg": 350.0,
            "rda_mg": None,
            "excess_mg_per_day": 0.0,
            "over_upper_limit": False,
            "products": [unknown],
        }
    )
    bar = chart.bars[0]
    assert (bar.kind, bar.mg, bar.over_ul) == ("unknown", 0.0, False)
    assert bar.label == "Mag-Ox (medication list, oral)"
    assert bar.detail == "Mag-Ox: amount unknown; not counted"
