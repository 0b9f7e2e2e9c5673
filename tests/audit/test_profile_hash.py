"""The audit's view of a profile: its keyed hash (stable for a key) and its plain form."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json

from hypothesis import given

from service.evaluation import profile_as_plain, profile_hash, profile_hash_key
from tests.rules.test_properties import SETTINGS, load, profiles

KEY = b"test-profile-hash-key"
# The unkeyed SHA-256 of {"age": 50, "sex": "male", "kidney": {"egfr": 45}} that rows
# written before the keyed hash carry (release 2026.11.1): the canonical text is unchanged.
KNOWN_UNKEYED = "608edf8d1f343484c635bc921253a5e88eb933337b04d1a4c19138af9f0efda4"


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


def canonical_text(profile) -> bytes:
    """The documented canonical form: sorted-key compact JSON of that plain form."""
    return json.dumps(asdict_sets_sorted(profile), sort_keys=True, separators=(",", ":")).encode()


def canonical_hash(profile, key: bytes = KEY) -> str:
    """The documented hash: HMAC-SHA-256 of the canonical form."""
    return hmac.new(key, canonical_text(profile), hashlib.sha256).hexdigest()


@SETTINGS
@given(body=profiles())
def test_the_hash_is_the_canonical_json_of_the_profile(body):
    profile = load(body)
    assert profile_hash(profile, KEY) == canonical_hash(profile)


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
    assert profile_hash(a, KEY) == profile_hash(b, KEY) != profile_hash(c, KEY)


def test_the_canonical_text_is_the_one_old_rows_hashed():
    # Old rows' SHA-256 and the new HMAC share the canonical text: a deployment holding
    # a profile can still find its old rows by hashing it the old way.
    profile = load({"age": 50, "sex": "male", "kidney": {"egfr": 45}})
    assert hashlib.sha256(canonical_text(profile)).hexdigest() == KNOWN_UNKEYED
    assert profile_hash(profile, KEY) == canonical_hash(profile)


def test_the_hash_is_keyed():
    profile = load({"age": 50, "sex": "male", "kidney": {"egfr": 45}})
    keyed = profile_hash(profile, KEY)
    assert keyed != KNOWN_UNKEYED  # a guessed profile hashed without the key matches nothing
    assert keyed != profile_hash(profile, b"another key")
    assert keyed == profile_hash(profile, KEY)


def test_the_key_is_the_setting_else_derived_from_the_secret_key():
    assert profile_hash_key({"PROFILE_HASH_KEY": "k1", "SECRET_KEY": "s"}) == b"k1"
    derived = profile_hash_key({"SECRET_KEY": "s"})
    assert derived == profile_hash_key({"SECRET_KEY": "s"}) != profile_hash_key({"SECRET_KEY": "t"})
    assert derived != b"s"  # not the secret key itself


def test_audit_rows_say_which_hash_they_carry(client, app):
    answer = client.post("/v1/recommendations", json={"age": 50, "sex": "male"}).get_json()
    row = app.extensions["audit"].get_evaluation(answer["evaluation_id"])
    assert row["profile_hash_scheme"] == "hmac-sha256"
    expected = canonical_hash(
        load({"age": 50, "sex": "male"}), profile_hash_key({"SECRET_KEY": "test-secret"})
    )
    assert row["profile_hash"] == expected


def test_a_field_added_later_changes_the_hash_once_it_is_used():
    plain = load({"age": 50, "sex": "male", "kidney": {"egfr": 45}})
    used = load({"age": 50, "sex": "male", "kidney": {"egfr": 45}, "weight_kg": 70})
    assert profile_hash(used, KEY) != profile_hash(plain, KEY)
    assert profile_hash(used, KEY) == canonical_hash(used)
