"""The form in a real browser: Debian's Chromium driven by Playwright, against the real app.

Each scenario saves a full-page screenshot to test-artifacts/screenshots/. Accessibility is
checked with axe-core (npm, node_modules/axe-core). Skipped, with the reason, only when
/usr/bin/chromium or node_modules/axe-core is missing; CI installs both (.ci/run).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from service import create_app

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="no /usr/bin/chromium: apt-get install chromium (CI does, in .ci/run)",
    ),
    pytest.mark.skipif(
        not AXE.exists(), reason="no node_modules/axe-core: run `npm ci` at the repository root"
    ),
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory) -> Iterator[str]:
    """The real app, served on 127.0.0.1 with an ephemeral port, on a temporary database."""
    db = tmp_path_factory.mktemp("web") / "audit.sqlite3"
    app = create_app({"DATABASE_URL": f"sqlite:///{db}", "SECRET_KEY": "browser-test"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser) -> Iterator[Any]:
    """A page that records CSP violations and script errors; the test fails on any."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    # A 422 page is a console "error" in Chromium; what matters is CSP, scripts and assets.
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document"
            else None
        ),
    )
    yield page
    context.close()
    assert not problems, problems


@pytest.fixture
def axe_page(browser) -> Iterator[Any]:
    """A page for axe-core: its script is injected inline, so this context bypasses the CSP."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    yield context.new_page()
    context.close()


def shoot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def fill_patient(page, age: str = "58", sex: str = "female") -> None:
    page.get_by_label("Age (required)").fill(age)
    page.get_by_label("Sex (required)").select_option(sex)


def submit(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Get recommendation").click()


def fill_product(page, row: int, form: str, dose: str, basis: str, times: str) -> None:
    prefix = f"#f-magnesium_products-{row}-"
    page.select_option(prefix + "form", form)
    page.fill(prefix + "dose_mg", dose)
    page.select_option(prefix + "dose_basis", basis)
    page.fill(prefix + "times_per_day", times)


def axe_violations(page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


# --- the four scenarios of the issue ------------------------------------------------------


def test_a_egfr_24_avoid_with_kidney_finding(page, base_url):
    page.goto(base_url + "/")
    fill_patient(page, "62", "female")
    page.get_by_label("eGFR").fill("24")
    submit(page)
    disposition = page.locator("#disposition")
    assert "AVOID" in disposition.inner_text()
    assert "Avoid magnesium" in disposition.inner_text()
    kidney = page.locator('[data-code="kidney.severe"]')
    assert kidney.is_visible()
    assert "24" in kidney.inner_text() and "SmPC" in kidney.inner_text()
    assert page.get_by_label("eGFR").input_value() == "24"
    shoot(page, "a-egfr-24-avoid")


def test_b_cipro_and_2500_mg_glycinate_caution(page, base_url):
    page.goto(base_url + "/")
    fill_patient(page, "50", "male")
    page.get_by_label("Current medications, one per line").fill("Cipro 500 mg")
    fill_product(page, 0, "glycinate", "1250", "compound", "2")
    submit(page)
    assert "CAUTION" in page.locator("#disposition").inner_text()
    separations = page.locator("#plan-separations").inner_text()
    assert "ciprofloxacin" in separations
    assert "at least 2 h before magnesium" in separations
    assert "at least 6 h after" in separations
    assert "350 mg elemental" in page.locator("#plan-ceiling").inner_text()
    intake = page.locator("#intake").inner_text()
    assert "1250 mg compound × 0.141 × 2/day" in intake
    assert "352.5 mg/day" in intake
    assert "2.5 mg/day above the UL" in page.locator("#intake-summary").inner_text()
    assert page.locator(".fill--over").count() >= 1  # the part above the UL, drawn in red
    assert page.locator('[data-code="intake.ul_exceeded"]').is_visible()
    assert page.locator('[data-code="interaction.fluoroquinolone"]').is_visible()
    shoot(page, "b-cipro-glycinate-caution")


def test_c_saddle_anaesthesia_refers_above_all_else(page, base_url):
    page.goto(base_url + "/")
    fill_patient(page, "44", "male")
    page.get_by_label("Current medications, one per line").fill("Cipro 500 mg")
    page.get_by_label("Saddle anaesthesia").check()
    submit(page)
    banner = page.locator("#referral")
    assert "Refer · Emergency".upper() in banner.inner_text().upper()
    assert "cauda equina" in banner.inner_text().lower()
    top = banner.bounding_box()
    assert top is not None and top["y"] == 0
    for selector in (".masthead", "#result", "#findings", "#profile", "h1"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["y"] >= top["y"] + top["height"] - 1, selector
    first = page.evaluate(
        "() => [...document.body.children].find(e => !e.classList.contains('skip-link')).id"
    )
    assert first == "referral"
    assert page.evaluate("() => document.activeElement.id") == "referral"
    shoot(page, "c-saddle-anaesthesia-refer")


def test_d_invalid_age_error_beside_field_rest_kept(page, base_url):
    page.goto(base_url + "/")
    fill_patient(page, "abc", "female")
    page.get_by_label("eGFR").fill("45")
    page.get_by_label("Current medications, one per line").fill("Cipro 500 mg\nLasix")
    page.get_by_label("Pain at night").check()
    fill_product(page, 1, "citrate", "200", "elemental", "1")
    submit(page)
    error = page.locator("#f-age-error")
    assert "whole number of years" in error.inner_text()
    age = page.locator("#f-age")
    assert age.get_attribute("aria-invalid") == "true"
    assert "f-age-error" in (age.get_attribute("aria-describedby") or "")
    error_box, age_box = error.bounding_box(), age.bounding_box()
    assert error_box and age_box and abs(error_box["x"] - age_box["x"]) < 40
    assert 0 < age_box["y"] - error_box["y"] < 80  # directly above the input it concerns
    assert page.evaluate("() => document.activeElement.id") == "error-summary"
    assert page.locator("#result").count() == 0
    assert age.input_value() == "abc"
    assert page.get_by_label("Sex (required)").input_value() == "female"
    assert page.get_by_label("eGFR").input_value() == "45"
    assert page.get_by_label("Current medications, one per line").input_value() == (
        "Cipro 500 mg\nLasix"
    )
    assert page.get_by_label("Pain at night").is_checked()
    assert page.locator("#f-magnesium_products-1-form").input_value() == "citrate"
    assert page.locator("#f-magnesium_products-1-dose_mg").input_value() == "200"
    page.get_by_role("link", name="Age:", exact=False).click()
    assert page.evaluate("() => document.activeElement.id") == "f-age"
    shoot(page, "d-invalid-age-error")


# --- without JavaScript, keyboard, narrow screens, print ---------------------------------


def test_works_without_javascript(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(base_url + "/")
        fill_patient(page, "50", "male")
        fill_product(page, 3, "oxide", "400", "elemental", "1")
        submit(page)
        assert "CAUTION" in page.locator("#disposition").inner_text()
        assert page.locator('[data-code="intake.ul_exceeded"]').is_visible()
        assert page.locator("#add-product").is_hidden()  # needs the script
    finally:
        context.close()


def test_javascript_adds_product_rows(page, base_url):
    page.goto(base_url + "/")
    page.get_by_role("button", name="Add another product").click()
    assert page.locator("[data-product-row]").count() == 5
    assert page.evaluate("() => document.activeElement.id") == "f-magnesium_products-4-form"
    fill_patient(page, "50", "male")
    fill_product(page, 4, "glycinate", "100", "elemental", "1")
    submit(page)
    assert "100 mg elemental × 1/day" in page.locator("#intake").inner_text()
    assert page.locator("#f-magnesium_products-4-dose_mg").input_value() == "100"


def test_keyboard_only(page, base_url):
    def focused() -> str:
        return page.evaluate("() => document.activeElement.id || document.activeElement.className")

    page.goto(base_url + "/")
    page.keyboard.press("Tab")
    assert focused() == "skip-link"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert focused() == "f-age"
    page.keyboard.type("50")
    page.keyboard.press("Tab")
    assert focused() == "f-sex"
    page.keyboard.press("ArrowDown")
    assert page.locator("#f-sex").input_value() == "female"
    page.keyboard.press("Shift+Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # submits from any text input
    assert page.locator("#disposition").count() == 1


def test_narrow_screen_has_no_sideways_scroll(browser, base_url):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(base_url + "/")
        fill_patient(page, "50", "male")
        page.get_by_label("Current medications, one per line").fill("Cipro 500 mg")
        fill_product(page, 0, "glycinate", "1250", "compound", "2")
        submit(page)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, width
        shoot(page, "narrow-caution")
    finally:
        context.close()


def test_print_view_is_a_patient_handout(page, base_url):
    page.goto(base_url + "/")
    fill_patient(page, "50", "male")
    page.get_by_label("Current medications, one per line").fill("Cipro 500 mg")
    fill_product(page, 0, "glycinate", "1250", "compound", "2")
    submit(page)
    page.emulate_media(media="print")
    assert page.locator("#profile").is_hidden()
    assert page.locator(".masthead").is_hidden()
    assert page.locator(".print-heading").is_visible()
    assert page.locator("#plan").is_visible()
    shoot(page, "print-caution")
    page.pdf(path=str(SCREENSHOTS / "print-caution.pdf"))


# --- accessibility ------------------------------------------------------------------------


def test_axe_form_has_no_serious_violations(axe_page, base_url):
    axe_page.goto(base_url + "/")
    assert axe_violations(axe_page) == []
    shoot(axe_page, "form")


@pytest.mark.parametrize(
    ("name", "fill"),
    [
        (
            "caution",
            lambda p: (
                p.get_by_label("Current medications, one per line").fill("Cipro"),
                fill_product(p, 0, "glycinate", "1250", "compound", "2"),
            ),
        ),
        ("refer", lambda p: p.get_by_label("Saddle anaesthesia").check()),
        ("error", lambda p: p.get_by_label("Age (required)").fill("200")),
    ],
)
def test_axe_result_pages_have_no_serious_violations(axe_page, base_url, name, fill):
    axe_page.goto(base_url + "/")
    fill_patient(axe_page, "50", "male")
    fill(axe_page)
    submit(axe_page)
    assert axe_violations(axe_page) == []
