"""Request parsing for the JSON API: strict JSON (service.api.strict_json), JSON type only."""

from __future__ import annotations

import json
from typing import Any

from flask import Request
from webargs.flaskparser import FlaskParser, abort, is_json_request

from service.api import strict_json


class StrictJSONParser(FlaskParser):
    """A webargs parser that answers 415 for non-JSON bodies and 400 for invalid JSON."""

    def _raw_load_json(self, req: Request) -> Any:
        if not is_json_request(req):
            abort(
                415,
                message="Send the profile as JSON with Content-Type: application/json.",
            )
        text = req.get_data(cache=True).decode("utf-8")
        if not text:
            raise json.JSONDecodeError("empty body", "", 0)  # webargs: no body at all
        try:
            return strict_json.loads(text)
        except strict_json.InvalidJSON as error:
            abort(400, message=f"The body is not valid JSON: {error}.")

    def _handle_invalid_json_error(self, error: Exception, req: Request, *args: Any, **kwargs: Any):
        detail = "The body is not valid JSON"
        if isinstance(error, json.JSONDecodeError):
            detail += f": {error.msg} (line {error.lineno}, column {error.colno})"
        abort(400, message=detail + ".")
