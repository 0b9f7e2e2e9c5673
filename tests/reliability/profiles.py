"""Varied, valid patient profiles from a seed (plain random, so thousands are cheap)."""

from __future__ import annotations

import random
from typing import Any

from bench.profiles import HEAVY
from rules.data.forms import ELEMENTAL_FRACTION
from rules.data.tokens import RED_FLAG_TOKENS, SYMPTOM_TOKENS

# The heavy benchmark profile's medications, plus a few more (one that interacts with nothing).
MEDICATIONS = (
    *HEAVY["medications"],
    {"name": "levofloxacin"},
    {"name": "raltegravir 400 mg"},
    {"name": "ibuprofen 400 mg"},
)
FORMS = tuple(sorted(ELEMENTAL_FRACTION))
RED_FLAGS = tuple(sorted(RED_FLAG_TOKENS))
SYMPTOMS = tuple(sorted(SYMPTOM_TOKENS))


def random_profile(rng: random.Random) -> dict[str, Any]:
    """Return one valid profile; about a third have no red flag, so every disposition occurs."""
    sex = rng.choice(("female", "male", "other", "unknown"))
    profile: dict[str, Any] = {"age": rng.randint(0, 120), "sex": sex}
    if sex == "female" and rng.random() < 0.15:
        profile["pregnant" if rng.random() < 0.5 else "lactating"] = True
    if rng.random() < 0.8:
        kidney: dict[str, Any] = {"egfr": round(rng.uniform(5, 120), rng.choice((0, 1)))}
        if rng.random() < 0.05:
            kidney["dialysis"] = True
        profile["kidney"] = kidney
    if rng.random() < 0.4:
        unit = rng.choice(("mg/dL", "mmol/L", "mEq/L"))
        scale = {"mg/dL": 1.0, "mmol/L": 1 / 2.431, "mEq/L": 2 / 2.431}[unit]
        profile["serum_magnesium"] = {"value": round(rng.uniform(0.8, 9) * scale, 2), "unit": unit}
    if rng.random() < 0.8:
        profile["back_pain"] = {
            "onset": rng.choice(("sudden", "gradual")),
            "severity": rng.randint(0, 8),
            "radiating": rng.random() < 0.1,
            "duration_weeks": rng.randint(0, 8),
        }
    if rng.random() < 0.3:
        profile["red_flags"] = rng.sample(RED_FLAGS, rng.randint(0, 3))
    if rng.random() < 0.3:
        profile["symptoms"] = rng.sample(SYMPTOMS, rng.randint(0, 3))
    profile["medications"] = [dict(m) for m in rng.sample(MEDICATIONS, rng.randint(0, 6))]
    products = []
    for _ in range(rng.randint(0, 4)):
        if rng.random() < 0.15:
            products.append({"form": "chloride", "route": "topical"})
            continue
        products.append(
            {
                "form": rng.choice(FORMS),
                "route": "oral",
                "dose_mg": rng.choice((50, 100, 200, 250, 350, 400, 500, 1000)),
                "dose_basis": rng.choice(("elemental", "compound")),
                "times_per_day": rng.randint(1, 3),
                "purpose": rng.choice(("supplement", "supplement", "antacid_laxative")),
            }
        )
    profile["magnesium_products"] = products
    profile["route_preference"] = rng.choice(("oral", "topical", "any"))
    return profile


def random_profiles(seed: int, count: int) -> list[dict[str, Any]]:
    """Return `count` profiles from `seed`, the same every time."""
    rng = random.Random(seed)
    return [random_profile(rng) for _ in range(count)]
