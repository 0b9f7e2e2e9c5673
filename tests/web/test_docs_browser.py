"""/docs under the same security headers as the form: Swagger UI still renders in Chromium.

The page fixture fails the test on any CSP violation, script error or failed asset.
"""

from __future__ import annotations

import pytest

from tests.web.test_browser import CHROMIUM, base_url, browser, page  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (CI installs it)"),
]


def test_swagger_ui_renders_under_the_strict_policy(page, base_url):  # noqa: F811
    response = page.goto(base_url + "/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    page.wait_for_selector(".opblock", timeout=10_000)
    assert page.locator(".opblock").count() >= 3  # the operations are listed
