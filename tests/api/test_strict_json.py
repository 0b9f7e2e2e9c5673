"""The strict JSON reader: any text is a value or InvalidJSON, never another exception."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.api.strict_json import InvalidJSON, loads

SAFE_TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)))
SAFE_NUMBERS = st.integers(-(10**15), 10**15) | st.floats(
    allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | SAFE_NUMBERS | SAFE_TEXT,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(SAFE_TEXT, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_ordinary_json_reads_as_the_standard_library_does(value):
    text = json.dumps(value)
    assert loads(text) == json.loads(text)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_a_value_or_invalid_json(text):
    try:
        loads(text)
    except InvalidJSON:
        pass  # anything else (OverflowError, ValueError from int(), RecursionError) fails


@settings(max_examples=200, deadline=None)
@given(JSON_VALUES, st.sampled_from(["\x00", "a\x00", "\x00b"]))
def test_nul_anywhere_is_refused(value, nul):
    for wrapped in ([value, nul], {"k": [[nul]]}, {nul: 1}, {"k": {"j": nul}}, nul):
        with pytest.raises(InvalidJSON):
            loads(json.dumps(wrapped))


@pytest.mark.parametrize(
    "text",
    [
        "1" * 41,
        "-" + "1" * 40,
        "1e400",
        "-1e400",
        "0." + "0" * 40 + "1",
        "NaN",
        "-Infinity",
        '{"a": 1, "a": 1}',
        '[{"a": {"b": 1, "b": 2}}]',
        "[" * 50_000,
    ],
)
def test_refused(text):
    with pytest.raises(InvalidJSON):
        loads(text)


@pytest.mark.parametrize("text", ["1" * 40, "1e308", "-0.5", '{"a": {"a": 1}}', '"\\u0001"'])
def test_accepted_at_the_edges(text):
    assert loads(text) == json.loads(text)
