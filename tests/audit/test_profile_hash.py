"""service.evaluation.profile_hash: the audit's fingerprint of a profile, stable over time."""

from __future__ import annotations

import dataclasses
import hashlib
import json

from hypothesis import given

from service.evaluation import profile_hash
from tests.rules.test_properties import SETTINGS, load, profiles

# profile_hash of {"age": 50, "sex": "male", "kidney": {"egfr": 45}} since release 2026.11.1.
KNOWN = "608edf8d1f343484c635bc921253a5e88eb933337b04d1a4c19138af9f0efda4"


def canonical_hash(profile) -> str:
    """The documented form: sorted-key JSON of dataclasses.asdict, sets sorted."""
    def default(value):
        if isinstance(value, frozenset | set):
            return sorted(value)
        raise TypeError(type(value).__name__)

    text = json.dumps(dataclasses.asdict(profile), sort_keys=True, default=default,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@SETTINGS
@given(body=profiles())
def test_the_hash_is_the_canonical_json_of_the_profile(body):
    profile = load(body)
    assert profile_hash(profile) == canonical_hash(profile)


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
