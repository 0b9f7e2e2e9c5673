"""Request parsing for the JSON API: strict JSON (no NaN/Infinity), JSON content type only."""

from __future__ import annotations

import json
from typing import Any

from flask import Request
from webargs.flaskparser import FlaskParser, abort, is_json_request


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity; RFC 8259 does not, and neither do we.
    raise json.JSONDecodeError(f"{name} is not valid JSON", name, 0)


class StrictJSONParser(FlaskParser):
    """A webargs parser that answers 415 for non-JSON bodies and 400 for invalid JSON."""

    def _raw_load_json(self, req: Request) -> Any:
        if not is_json_request(req):
            abort(
                415,
                message="Send the profile as JSON with Content-Type: application/json.",
            )
        try:
            return json.loads(
                req.get_data(cache=True).decode("utf-8"), parse_constant=_reject_constant
            )
        except RecursionError:  # nested deeper than the parser can follow: bad input, not a 500
            abort(400, message="The body is not valid JSON: nested too deeply.")

    def _handle_invalid_json_error(self, error: Exception, req: Request, *args: Any, **kwargs: Any):  # noqa: ANN201
        detail = "The body is not valid JSON"
        if isinstance(error, json.JSONDecodeError):
            detail += f": {error.msg} (line {error.lineno}, column {error.colno})"
        abort(400, message=detail + ".")
