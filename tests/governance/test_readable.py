"""Conditions in words, from the engine JSON (any knowledge-base version's)."""

from __future__ import annotations

from rules.conditions import F, any_true, flag
from rules.governance.document import thresholds
from rules.governance.readable import readable


def test_nested_conditions_keep_their_brackets():
    cond = (F.t_significant_trauma == True) | (  # noqa: E712
        (F.t_minor_trauma == True) & (any_true(flag("osteoporosis")) | (F.age >= 70))  # noqa: E712
    )
    assert readable(cond.json) == (
        "flag:significant_trauma = true or (flag:minor_trauma = true and "
        "(flag:osteoporosis = true or age ≥ 70))"
    )


def test_every_operator_and_value_type():
    cond = (F.a < 1.5) & (F.b <= 2) & (F.c > 3) & (F.d != "sudden") & (F.e == False)  # noqa: E712
    assert readable(cond.json) == 'a < 1.5 and b ≤ 2 and c > 3 and d ≠ "sudden" and e = false'


def test_thresholds_are_the_numeric_comparisons_only():
    cond = (F.egfr_known == True) & (F.egfr >= 15) & (F.egfr < 30) & (F.onset != "x")  # noqa: E712
    assert thresholds(cond.json) == [
        {"field": "egfr", "op": "$gte", "value": 15},
        {"field": "egfr", "op": "$lt", "value": 30},
    ]
