"""The audit's view of a profile: its hash (stable over time) and its plain form."""

from __future__ import annotations

import dataclasses
import hashlib
import json

from hypothesis import given

from service.evaluation import profile_as_plain, profile_hash
from tests.rules.test_properties import SETTINGS, load, profiles

# profile_hash of {"age": 50, "sex": "male", "kidney": {"egfr": 45}} since release 2026.11.1.
KNOWN = "608edf8d1f343484c635bc921253a5e88eb933337b04d1a4c19138af9f0efda4"


# Fields added in 2026.12.0 and their defaults, written out: left out at the default so
# profiles that could be written before them keep their hash.
ADDED_LATER = {
    (): {"weight_kg": None, "conditions": [], "not_checked": []},
    ("kidney",): {"creatinine": None},
    ("back_pain",): {"reported": False},
}


def asdict_sets_sorted(profile):
    """The documented plain form: dataclasses.asdict, sets sorted, tuples as lists, and the
    fields added later left out at their default."""
    def fix(value):
        if isinstance(value, frozenset | set):
            return sorted(value)
        if isinstance(value, dict):
            return {k: fix(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [fix(v) for v in value]
        return value

    plain = fix(dataclasses.asdict(profile))
    for path, defaults in ADDED_LATER.items():
        node = plain
        for key in path:
            node = node[key]
        for name, default in defaults.items():
            if node.get(name) == default:
                del node[name]
    return plain


def canonical_hash(profile) -> str:
    """The documented hash: sorted-key compact JSON of that plain form."""
    text = json.dumps(asdict_sets_sorted(profile), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@SETTINGS
@given(body=profiles())
def test_the_hash_is_the_canonical_json_of_the_profile(body):
    profile = load(body)
    assert profile_hash(profile) == canonical_hash(profile)


@SETTINGS
@given(body=profiles())
def test_the_raw_profile_the_audit_keeps_is_the_plain_form(body):
    profile = load(body)
    plain = profile_as_plain(profile)
    assert plain == asdict_sets_sorted(profile)
    assert json.loads(json.dumps(plain)) == plain  # JSON values only


def test_order_of_lists_given_as_sets_does_not_matter_and_content_does():
    a = load({"age": 50, "sex": "male", "red_flags": ["fever", "night_pain"]})
    b = load({"age": 50, "sex": "male", "red_flags": ["night_pain", "fever"]})
    c = load({"age": 51, "sex": "male", "red_flags": ["fever", "night_pain"]})
    assert profile_hash(a) == profile_hash(b) != profile_hash(c)


def test_a_known_profile_keeps_its_hash_across_releases():
    # Stored audit rows carry this value; a change here breaks comparisons with them.
    profile = load({"age": 50, "sex": "male", "kidney": {"egfr": 45}})
    assert profile_hash(profile) == canonical_hash(profile)
    assert profile_hash(profile) == KNOWN


def test_a_field_added_later_changes_the_hash_once_it_is_used():
    plain = load({"age": 50, "sex": "male", "kidney": {"egfr": 45}})
    used = load({"age": 50, "sex": "male", "kidney": {"egfr": 45}, "weight_kg": 70})
    assert profile_hash(used) != profile_hash(plain)
    assert profile_hash(used) == canonical_hash(used)
