"""service/web/vocabulary.py: every token and form of the rules is offered, grouped as §6."""

from __future__ import annotations

from rules.data import tokens
from rules.data.forms import ELEMENTAL_FRACTION
from service.web import vocabulary


def test_every_red_flag_token_is_offered_once():
    offered = [t for g in vocabulary.RED_FLAG_GROUPS for t in g.tokens]
    assert sorted(offered) == sorted(tokens.RED_FLAG_TOKENS)


def test_every_symptom_token_is_offered_once():
    offered = [t for g in vocabulary.SYMPTOM_GROUPS for t in g.tokens]
    assert sorted(offered) == sorted(tokens.SYMPTOM_TOKENS)


def test_red_flag_groups_follow_clinical_md():
    groups = {g.legend: g.tokens for g in vocabulary.RED_FLAG_GROUPS}
    assert groups["Cauda equina"] == tokens.CAUDA_EQUINA
    assert groups["Aortic aneurysm"] == tokens.VASCULAR
    assert "Other" not in groups


def test_every_token_has_words():
    for token in tokens.ALL_TOKENS:
        assert token in vocabulary.TOKEN_LABELS, token


def test_unlabelled_token_is_worded_from_itself():
    assert vocabulary.token_label("new_red_flag") == "New red flag"


def test_every_form_is_offered_glycinate_first():
    options = vocabulary.form_options()
    assert {v for v, _ in options} == set(ELEMENTAL_FRACTION)
    assert options[0] == ("glycinate", "glycinate · 14.1 %")
