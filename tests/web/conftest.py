"""Fixtures for the web form: a client that carries the CSRF token, and page parsing helpers."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest

PAGE_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
)


def csrf_token(html: str) -> str:
    """The CSRF token of a rendered form."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match[1]


def element(html: str, element_id: str) -> str:
    """The opening tag of the element with `element_id`."""
    match = re.search(rf'<[^>]*\bid="{re.escape(element_id)}"[^>]*>', html)
    assert match, f"no element with id {element_id}"
    return match[0]


def text_of(html: str) -> str:
    """The page's visible text, whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def submit(client) -> Callable[..., Any]:
    """POST the form with a valid CSRF token; keyword `data` holds the inputs."""

    def post(data: dict[str, Any]):
        token = csrf_token(client.get("/").get_data(as_text=True))
        return client.post("/", data={"csrf_token": token, **data})

    return post
