"""Hostile input on every route: arbitrary JSON and arbitrary bytes (Hypothesis).

Routes come from the app's URL map, so new interfaces are fuzzed as they are added. Every
answer is a 2xx, 3xx or 4xx, never a 5xx, and comes within a deadline (never a hang); a
4xx from the JSON API (/v1) is an RFC 9457 problem.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service import create_app

DEADLINE_SECONDS = 10.0
SKIPPED_PREFIXES = ("/static/", "/docs/assets/", "/assets/")  # files, not request handlers
FUZZED_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")

# Keys the profile and the CDS Hooks request use, so generated objects reach deep
# validation and not just "unknown field".
KEYS = (
    "age",
    "sex",
    "pregnant",
    "lactating",
    "kidney",
    "egfr",
    "dialysis",
    "serum_magnesium",
    "value",
    "unit",
    "back_pain",
    "onset",
    "severity",
    "radiating",
    "duration_weeks",
    "red_flags",
    "symptoms",
    "medications",
    "name",
    "rxnorm",
    "magnesium_products",
    "form",
    "route",
    "dose_mg",
    "dose_basis",
    "times_per_day",
    "purpose",
    "route_preference",
    "hook",
    "hookInstance",
    "context",
    "patientId",
    "userId",
    "prefetch",
    "patient",
    "resourceType",
    "entry",
    "resource",
    "feedback",
    "card",
    "outcome",
    "outcomeTimestamp",
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "female",
            "oral",
            "mg/dL",
            "glycinate",
            "patient-view",
            "night_pain",
            "compound",
            "Cipro 500 mg",
            "",
            "1e400",
            "NaN",
        ]
    )
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=6)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=12), children, max_size=8)
    ),
    max_leaves=40,
)


def _routes() -> list[tuple[str, str]]:
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "t"})
    seen = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(SKIPPED_PREFIXES):
            continue
        # What the route takes, and a POST whatever it takes (405 is an answer too).
        for method in (set(rule.methods or ()) & set(FUZZED_METHODS)) | {"POST"}:
            seen.add((method, rule.rule))
    return sorted(seen, key=lambda x: (x[1], x[0]))


ROUTES = _routes()


@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory):
    db = tmp_path_factory.mktemp("fuzz") / "audit.sqlite3"
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{db}", "SECRET_KEY": "t"})
    return app.test_client()


def _path(rule: str, segment: str) -> str:
    """Fill each `<converter:name>` with `segment` (a real id or generated text)."""
    out, rest = "", rule
    while "<" in rest:
        head, _, tail = rest.partition("<")
        out += head
        _, _, rest = tail.partition(">")
        out += segment
    return out + rest


def _call(client, method: str, path: str, **kwargs: Any):
    """Send one request; fail if it takes longer than the deadline (a hang)."""
    box: dict[str, Any] = {}

    def send() -> None:
        try:
            box["response"] = client.open(path, method=method, **kwargs)
        except BaseException as exc:  # reported below, in the test's thread
            box["error"] = exc

    worker = threading.Thread(target=send, daemon=True)
    worker.start()
    worker.join(DEADLINE_SECONDS)
    assert not worker.is_alive(), f"{method} {path} did not answer within {DEADLINE_SECONDS} s"
    if "error" in box:
        raise box["error"]
    return box["response"]


def _check(response, method: str, path: str) -> None:
    assert response.status_code < 500, (
        f"{method} {path} answered {response.status_code}: {response.get_data()[:500]!r}"
    )
    if path.startswith("/v1/") and 400 <= response.status_code < 500:
        assert response.mimetype == "application/problem+json", (method, path, response.mimetype)
        problem = response.get_json()
        assert problem["status"] == response.status_code
        assert problem["title"]


segments = st.sampled_from(["magnesium-back-pain-review", "x"]) | st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="/?#%"),
    min_size=1,
    max_size=20,
)
fuzz_settings = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize(("method", "rule"), ROUTES)
@fuzz_settings
@given(body=json_values, segment=segments)
def test_arbitrary_json_never_breaks_a_route(fuzz_client, method, rule, body, segment):
    path = _path(rule, segment)
    data = json.dumps(body)
    response = _call(fuzz_client, method, path, data=data, content_type="application/json")
    _check(response, method, path)


@pytest.mark.parametrize(("method", "rule"), [r for r in ROUTES if r[0] == "POST"])
@fuzz_settings
@given(
    body=st.binary(max_size=400)
    | st.sampled_from(
        [
            b"NaN",
            b'{"age": NaN}',
            b'{"age": Infinity, "sex": "male"}',
            b"\xff\xfe{",
            b"[" * 5000,
            b'{"age": 1e999}',
            b'{"a":' * 3000,
        ]
    ),
    content_type=st.sampled_from(
        [
            "application/json",
            "text/plain",
            "",
            "application/x-www-form-urlencoded",
            "application/json; charset=latin-1",
        ]
    ),
    segment=segments,
)
def test_arbitrary_bytes_never_break_a_route(
    fuzz_client, method, rule, body, content_type, segment
):
    path = _path(rule, segment)
    response = _call(fuzz_client, method, path, data=body, content_type=content_type or None)
    _check(response, method, path)


@pytest.mark.parametrize(("method", "rule"), [r for r in ROUTES if r[0] == "POST"])
def test_deeply_nested_json_is_a_4xx(fuzz_client, method, rule):
    """5,000 nested arrays exceed Python's recursion limit in json.loads: a 400, not a 500."""
    path = _path(rule, "magnesium-back-pain-review")
    for body in (b"[" * 5000 + b"]" * 5000, b'{"a":' * 5000 + b"1" + b"}" * 5000):
        response = _call(fuzz_client, method, path, data=body, content_type="application/json")
        _check(response, method, path)
