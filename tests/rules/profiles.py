"""Small builders for profile JSON, so each test states only what it is about."""

from __future__ import annotations

from typing import Any


def oral(
    dose_mg: float,
    form: str = "glycinate",
    basis: str = "elemental",
    times_per_day: int = 1,
    purpose: str = "supplement",
) -> dict[str, Any]:
    """An oral magnesium product as a client sends it."""
    return {
        "form": form,
        "route": "oral",
        "dose_mg": dose_mg,
        "dose_basis": basis,
        "times_per_day": times_per_day,
        "purpose": purpose,
    }


def antacid(dose_mg: float, form: str = "hydroxide") -> dict[str, Any]:
    """A magnesium antacid or laxative, dose in elemental mg per day."""
    return oral(dose_mg, form=form, purpose="antacid_laxative")


def topical(form: str = "chloride", **extra: Any) -> dict[str, Any]:
    """A topical magnesium product (never counted toward the upper limit)."""
    return {"form": form, "route": "topical", **extra}


def pain(**fields: Any) -> dict[str, Any]:
    """A back_pain object."""
    return dict(fields)


def meds(*names: str) -> list[dict[str, Any]]:
    """A medication list from free-text names."""
    return [{"name": n} for n in names]


def assert_sourced(finding: dict[str, Any]) -> None:
    """A finding a reviewer can trace: sources with title and locator, rule id and version."""
    assert finding["sources"], finding["code"]
    for source in finding["sources"]:
        assert source["title"] and source["locator"], source
    assert finding["rule"]["id"] and finding["rule"]["version"]
    assert finding["explanation"] and finding["action"] and finding["title"]
