"""The API against its own OpenAPI document (schemathesis, in process through WSGI).

Every operation, with generated valid and invalid requests: never a 5xx, and every
response matches its documented status code, content type and schema.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from service import create_app

MAX_EXAMPLES = 60

# schemathesis parametrizes at collection, so the app is built here, once, on its own
# temporary database (its pytest fixture loader does not work with this pytest).
_tmp = Path(tempfile.mkdtemp(prefix="cds-schemathesis-"))
atexit.register(shutil.rmtree, _tmp, ignore_errors=True)
# Every operation shares one caller's budget: with 600 a minute the operations generated
# last met 429 (once /v1/reports/feedback joined them). Rate limits have their own tests.
app = create_app(
    {
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{_tmp / 'audit.sqlite3'}",
        "SECRET_KEY": "t",
        "RATE_LIMIT": "100000 per minute",
    }
)
schema = schemathesis.openapi.from_wsgi("/openapi.json", app)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
    derandomize=True,
)
def test_responses_conform_to_the_openapi_document(case):
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ]
    )
