"""Magnesium medicines named in a medication list, read as intake (CLINICAL.md §2 v2, §12).

"Milk of Magnesia 30 mL at bedtime", "Mag-Ox 400", "magnesium citrate oral solution",
Maalox, Mylanta, Phillips', Gaviscon, "Epsom salt" by mouth: each is magnesium the patient
takes, counted toward the upper limit like a supplement. `read_magnesium_medicine` reads
the name, salt, strength, volume and frequency out of the text (and the RxNorm name when
the code is one the tables hold); the JSON API and the FHIR mapping both call it.

Hand-written because no maintained library parses dose instructions ("30 mL at bedtime",
"1 tab bid") into amounts; units are few and fixed (mg, g, mL, teaspoon, tablespoon, fl oz).
What cannot be read is left unknown, never guessed: the amount then raises
`intake.dose_unknown`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rules.data.forms import ELEMENTAL_FRACTION, FORM_ALIASES
from rules.terminology import fold, lookup_rxnorm, normalise, read_text

Purpose = Literal["supplement", "antacid_laxative"]

# USP milk of magnesia: 400 mg magnesium hydroxide per 5 mL (CLINICAL.md §2); the
# concentrated product is twice that.
MILK_OF_MAGNESIA_MG_PER_ML = 400 / 5
CONCENTRATED_MILK_OF_MAGNESIA_MG_PER_ML = 800 / 5


@dataclass(frozen=True)
class _Brand:
    name: str
    form: str | None
    purpose: Purpose
    milk_of_magnesia: bool = False  # a liquid of USP milk-of-magnesia strength


# Normalised phrase → product (CLINICAL.md §2 v2: milk of magnesia and products sold as
# antacids or laxatives count as antacid_laxative; Mag-Ox as a supplement).
_BRANDS: dict[str, _Brand] = {
    "milk of magnesia": _Brand("milk of magnesia", "hydroxide", "antacid_laxative", True),
    "magnesia": _Brand("milk of magnesia", "hydroxide", "antacid_laxative", True),
    # "MOM 30 mL hs": the abbreviation medication records use for milk of magnesia (read
    # only in capitals: "Mom's multivitamin" is not it)
    "mom": _Brand("milk of magnesia", "hydroxide", "antacid_laxative", True),
    "phillips": _Brand("Phillips'", "hydroxide", "antacid_laxative", True),
    "maalox": _Brand("Maalox", "hydroxide", "antacid_laxative"),
    "mylanta": _Brand("Mylanta", "hydroxide", "antacid_laxative"),
    "rolaids": _Brand("Rolaids", "hydroxide", "antacid_laxative"),
    "gelusil": _Brand("Gelusil", "hydroxide", "antacid_laxative"),
    "gaviscon": _Brand("Gaviscon", "carbonate", "antacid_laxative"),
    "epsom": _Brand("Epsom salt", "sulfate", "antacid_laxative"),
    "mag ox": _Brand("Mag-Ox", "oxide", "supplement"),
    "magox": _Brand("Mag-Ox", "oxide", "supplement"),
    # "mag oxide", "mag citrate": magnesium shortened, as free text often writes it
    "mag oxide": _Brand("magnesium oxide", "oxide", "supplement"),
    "mag citrate": _Brand("magnesium citrate", "citrate", "supplement"),
    "uro mag": _Brand("Uro-Mag", "oxide", "supplement"),
    "beelith": _Brand("Beelith", "oxide", "supplement"),
    "slow mag": _Brand("Slow-Mag", "chloride", "supplement"),
    "mag tab": _Brand("Mag-Tab SR", "lactate", "supplement"),
    "mag g": _Brand("Mag-G", "gluconate", "supplement"),
    "magtrate": _Brand("Magtrate", "gluconate", "supplement"),
    "magonate": _Brand("Magonate", "gluconate", "supplement"),
}
_MOM_CAPITALS = re.compile(r"\bMOM\b")
_BRAND_LONGEST = max(len(k.split()) for k in _BRANDS)
# A text holding none of these words names no magnesium medicine (most medication texts).
_FIRST_WORDS = frozenset(k.split()[0] for k in _BRANDS) | {"magnesium"}

# Salts named after "magnesium": the table's forms and their other names.
_SALTS: dict[str, str | None] = {
    **{form: form for form in ELEMENTAL_FRACTION},
    **FORM_ALIASES,
    "threonate": "l-threonate",
    "bisglycinate": "glycinate",
    "trisilicate": "trisilicate",  # no fraction in the table: amount left unknown
}
# "magnesium stearate" is an excipient; "magnesium salicylate" an analgesic (Doan's).
_NOT_MEDICINE_SALTS = frozenset({"stearate", "salicylate"})

_ANTACID_WORDS = re.compile(
    r"\b(antacid|laxative|constipation|heartburn|indigestion|acid reflux|bowel prep\w*|"
    r"stool softener|purgative)\b"
)
_SUPPLEMENT_WORDS = re.compile(r"\b(supplement|dietary)\b")
_TOPICAL_WORDS = re.compile(
    r"\b(topical|bath|soak|foot ?soak|spray|lotion|cream|oil|gel|flakes|skin|transdermal)\b"
)
_ORAL_WORDS = re.compile(r"\b(by mouth|oral|orally|po|drink|dissolved? in water)\b")

_NUMBER = r"(\d+(?:\.\d+)?)"
_VOLUME_UNIT = (
    r"(ml|milliliters?|millilitres?|tsp|teaspoons?|tbsp|tablespoons?|fl\.? ?oz|ounces?|oz)"
)
_CONCENTRATION = re.compile(
    _NUMBER + r"\s*(mg|g)\s*(?:/|per|in|each|every)\s*" + r"(\d+(?:\.\d+)?)?\s*" + _VOLUME_UNIT
)
_STRENGTH = re.compile(_NUMBER + r"\s*(mg|g|gram|grams)\b")
_VOLUME = re.compile(_NUMBER + r"\s*" + _VOLUME_UNIT + r"(?![a-z])")
# A dose measured in millilitres or fluid ounces (not teaspoons: powders are measured so).
_LIQUID_DOSE = re.compile(_NUMBER + r"\s*(ml|milliliters?|millilitres?|fl\.? ?oz|ounces?|oz)\b")
# "Mag-Ox 400" names its strength; in "Mag-Ox 2 tablets" the number is a count, not mg
# (a count of 10 or fewer before a unit word, as _UNITS reads counts).
_BARE_STRENGTH = re.compile(
    r"(?:mag[\s-]?ox|uro[\s-]?mag|slow[\s-]?mag)\s*[-]?\s*(\d+(?:\.\d+)?)(?![\d.])"
    r"(\s*(?:tabs?|tablets?|caps?|capsules?|caplets?|chews?|softgels?|pills?)\b)?"
)
_MAX_COUNT = 10
_WORD_NUMBERS = {"one": 1.0, "two": 2.0, "three": 3.0, "four": 4.0, "half": 0.5}
_UNITS = re.compile(
    r"(\d+(?:\.\d+)?|one|two|three|four|half)\s*"
    r"(tabs?|tablets?|caps?|capsules?|caplets?|chews?|softgels?|gumm(?:y|ies)|pills?)\b"
)
_ML_PER = {
    "tsp": 5.0,
    "teaspoon": 5.0,
    "tbsp": 15.0,
    "tablespoon": 15.0,
    "oz": 29.5735,
    "ounce": 29.5735,
}

# Frequency words, most specific first: (pattern, times per day). None: as needed.
# 0: weekly or monthly, less than once a day.
_FREQUENCIES: tuple[tuple[re.Pattern[str], int | None], ...] = tuple(
    (re.compile(p), n)
    for p, n in (
        (r"\b(prn|as needed|when needed|if needed|as required)\b", None),
        (r"\b(weekly|(a|per|each|every|/) ?week|monthly|(a|per|each|every) ?month)\b", 0),
        (
            r"\b(q\.?i\.?d|four times (a|per|each|every) day|4 ?(times|x) ?(a|per|/)? ?day|"
            r"q ?6 ?h|every 6 hours)\b",
            4,
        ),
        (
            r"\b(t\.?i\.?d|three times (a|per|each|every) day|3 ?(times|x) ?(a|per|/)? ?day|"
            r"q ?8 ?h|every 8 hours|with (each|every|all) meals?|with meals)\b",
            3,
        ),
        (
            r"\b(b\.?i\.?d|twice|two times (a|per|each|every) day|2 ?(times|x) ?(a|per|/)? ?day|"
            r"q ?12 ?h|every 12 hours|morning and (evening|night))\b",
            2,
        ),
        (
            r"\b(q\.?d|o\.?d|daily|once|q ?24 ?h|every day|each day|a day|per day|/ ?day|"
            r"at bedtime|bedtime|q\.?hs|h\.?s|nightly|every (night|morning|evening)|"
            r"at night|in the (morning|evening)|each (night|morning))\b",
            1,
        ),
    )
)


@dataclass(frozen=True)
class MagnesiumMedicine:
    """A magnesium medicine read from one medication entry."""

    text: str  # the medication text as sent
    name: str  # what it was recognised as: "milk of magnesia", "Mag-Ox", "magnesium citrate"
    form: str | None  # the salt, as rules.data.forms names it; None when not stated
    route: Literal["oral", "topical"]
    purpose: Purpose
    dose_mg: float | None  # per administration, in `dose_basis`; None when unknown
    dose_basis: Literal["elemental", "compound"] | None
    times_per_day: int | None  # None: not stated, or as needed
    strength_mg: float | None = None  # per unit, or per `per_volume_ml` of a liquid
    per_volume_ml: float | None = None
    volume_ml: float | None = None  # per administration
    units: float | None = None  # tablets or capsules per administration
    frequency: str | None = None  # the words the frequency was read from
    as_needed: bool = False
    # Why the amount is unknown, in words; None when dose_mg and times_per_day are known.
    unknown: str | None = None
    assumed: tuple[str, ...] = ()  # defaults used, in words


def read_magnesium_medicine(text: str, rxnorm: str | None = None) -> MagnesiumMedicine | None:
    """Return the magnesium medicine `text` (or its RxNorm code's name) names, else None.

    None also for texts where magnesium is only the salt of another drug ("esomeprazole
    magnesium") or an excipient.
    """
    return _read(text, (rxnorm or "").strip())


@lru_cache(maxsize=4096)
def _read(text: str, rxnorm: str) -> MagnesiumMedicine | None:
    concept = lookup_rxnorm(rxnorm) if rxnorm else None
    # An RxNorm product's name holds the salt and strength; the text adds how often.
    source = f"{concept.name} {text}" if concept is not None and not concept.generics else text
    found = _recognise(source)
    if found is None:
        return None
    name, form, purpose, milk = found
    folded = re.sub(r"(?<=\d),(?=\d{3}\b)", "", fold(source))
    route: Literal["oral", "topical"] = "oral"
    if _TOPICAL_WORDS.search(folded) and not _ORAL_WORDS.search(folded):
        route = "topical"
    if _ANTACID_WORDS.search(folded):
        purpose = "antacid_laxative"  # Mag-Ox "for constipation" is a laxative (§2 v2)
    if name.startswith("magnesium") and form == "hydroxide":
        purpose = "antacid_laxative"  # CLINICAL.md §2 v2: magnesium hydroxide
    if (
        name == "magnesium citrate"
        and (re.search(r"\b(solution|liquid|bottle)\b", folded) or _LIQUID_DOSE.search(folded))
        and not _SUPPLEMENT_WORDS.search(folded)
    ):
        # magnesium citrate oral solution is a laxative; a dose in mL or fl oz is that liquid
        purpose = "antacid_laxative"
    return _amount(text, folded, name, form, route, purpose, milk)


def _recognise(text: str) -> tuple[str, str | None, Purpose, bool] | None:
    """Return (name, salt, purpose, is milk of magnesia) or None."""
    words = normalise(text).split()
    if _FIRST_WORDS.isdisjoint(words):
        return None
    for i in range(len(words)):
        for length in range(min(_BRAND_LONGEST, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + length])
            brand = _BRANDS.get(phrase)
            if phrase == "mom" and not _MOM_CAPITALS.search(text):
                brand = None
            if brand is not None:
                return brand.name, brand.form, brand.purpose, brand.milk_of_magnesia
    for i, word in enumerate(words):
        if word != "magnesium":
            continue
        following = words[i + 1 :]
        if following[:1] == ["as"]:  # "magnesium (as glycinate) 200 mg"
            following = following[1:]
        after = " ".join(following[:2])
        for salt in sorted(_SALTS, key=len, reverse=True):
            if after == salt or after.startswith(salt + " "):
                form = _SALTS[salt]
                return f"magnesium {form}", form, "supplement", False
        if following[:1] and following[0] in _NOT_MEDICINE_SALTS:
            return None
        # "esomeprazole magnesium" is the salt of the drug before it; "calcium 600 mg,
        # magnesium 250 mg" or "magnesium 250 mg" alone is magnesium the patient takes.
        if i > 0 and read_text(words[i - 1]).drugs:
            return None
        return "magnesium", None, "supplement", False
    return None


def _amount(
    text: str,
    folded: str,
    name: str,
    form: str | None,
    route: Literal["oral", "topical"],
    purpose: Purpose,
    milk: bool,
) -> MagnesiumMedicine:
    assumed: list[str] = []
    elemental = form is None or "elemental" in folded or re.search(r"\(\s*as\b", folded)
    basis: Literal["elemental", "compound"] = "elemental" if elemental else "compound"
    # Concentration of a liquid ("400 mg/5 mL"), then a dose volume ("30 mL").
    per_ml = per_volume = strength = None
    rest = folded
    conc = _CONCENTRATION.search(folded)
    if conc:
        amount = float(conc.group(1)) * (1000 if conc.group(2) == "g" else 1)
        per_volume = _ml(float(conc.group(3) or 1), conc.group(4))
        strength, per_ml = amount, amount / per_volume
        rest = folded[: conc.start()] + " " + folded[conc.end() :]
    volume = None
    vol = _VOLUME.search(rest)
    if vol:
        volume = _ml(float(vol.group(1)), vol.group(2))
        rest = rest[: vol.start()] + " " + rest[vol.end() :]
    if strength is None:
        strength = _strength(rest, name)
    units = None
    unit = _UNITS.search(rest)
    if unit:
        value = _WORD_NUMBERS.get(unit.group(1)) or float(unit.group(1))
        if value <= 10:  # "400 tablet" is a strength, not a count
            units = value
    times, frequency, as_needed = _frequency(folded)

    # Milk of magnesia with no stated strength is the USP liquid, also when the volume is
    # not in the text (a FHIR dosage may carry it), unless the text gives tablets' mg.
    if per_ml is None and milk and form == "hydroxide" and (volume is not None or strength is None):
        concentrated = "concentrat" in folded
        per_ml = (
            CONCENTRATED_MILK_OF_MAGNESIA_MG_PER_ML if concentrated else MILK_OF_MAGNESIA_MG_PER_ML
        )
        basis = "compound"
        strength, per_volume = per_ml * 5, 5.0
        assumed.append(
            f"{'concentrated ' if concentrated else ''}milk of magnesia: "
            f"{per_ml * 5:g} mg magnesium hydroxide per 5 mL (USP)"
        )

    dose: float | None = None
    unknown: str | None = None
    if volume is not None:
        if per_ml is not None:
            dose = volume * per_ml
        else:
            unknown = f"the strength of {name} per mL is not stated"
    elif strength is not None and per_ml is None:
        dose = strength * (units or 1)
    elif per_ml is not None:
        unknown = f"the volume taken of {name} is not stated"
    else:
        unknown = f"the amount of {name} is not stated"
    convertible = form is not None and form in ELEMENTAL_FRACTION
    if dose is not None and basis == "compound" and not convertible:
        unknown = f"magnesium {form} cannot be converted to elemental magnesium"
        dose = None
    if dose is not None and times is None:
        if as_needed:
            unknown = f"{name} is taken as needed: how much a day is not known"
        elif frequency:
            unknown = f"{name} is taken {frequency}: how much a day is not known"
        else:
            unknown = f"how often {name} is taken is not stated"
    return MagnesiumMedicine(
        text=text,
        name=name,
        form=form,
        route=route,
        purpose=purpose,
        dose_mg=dose,
        dose_basis=basis if dose is not None else None,
        times_per_day=times,
        strength_mg=strength,
        per_volume_ml=per_volume,
        volume_ml=volume,
        units=units,
        frequency=frequency,
        as_needed=as_needed,
        unknown=unknown,
        assumed=tuple(assumed),
    )


def _ml(value: float, unit: str) -> float:
    unit = unit.replace(".", "").replace(" ", "")
    for key, ml in _ML_PER.items():
        if key in unit:
            return value * ml
    return value  # millilitres


def _strength(text: str, name: str) -> float | None:
    """The strength per unit: "400 mg" after the name, or a bare number after a brand."""
    strengths = list(_STRENGTH.finditer(text))
    if strengths:
        # In "calcium carbonate 700 mg / magnesium hydroxide 300 mg", the one after magnesium.
        mention = text.find("magnes")
        after = [m for m in strengths if m.start() > mention >= 0]
        chosen = after[0] if after else strengths[0]
        if len(strengths) > 1 and not after:
            return None  # several strengths and none tied to magnesium: not guessed
        return float(chosen.group(1)) * (1000 if chosen.group(2).startswith("g") else 1)
    bare = _BARE_STRENGTH.search(text)
    if bare and not (bare.group(2) and float(bare.group(1)) <= _MAX_COUNT):
        return float(bare.group(1))  # "Mag-Ox 400": 400 mg magnesium oxide per tablet
    return None


def _frequency(text: str) -> tuple[int | None, str | None, bool]:
    """Return (times per day, the words read, as needed)."""
    for pattern, times in _FREQUENCIES:
        found = pattern.search(text)
        if found:
            if times == 0:  # weekly or monthly: less than daily, amount a day not known
                return None, found.group(0), False
            return times, found.group(0), times is None
    return None, None, False
