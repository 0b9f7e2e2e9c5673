"""Interacting drugs: classes, members, brands, RxNorm codes and timing (CLINICAL.md §5).

Timing is hours the other drug is taken *before* magnesium, or *after* it. The article
groups diuretics with the drugs needing a 2–6 h separation; CLINICAL.md corrects that:
diuretics act through the kidney, so they carry monitoring and no separation.
"""

from dataclasses import dataclass

from rules.data.sources import cite, label
from rules.model import Source


@dataclass(frozen=True)
class Drug:
    generic: str
    drug_class: str
    brands: tuple[str, ...] = ()
    rxnorm: tuple[str, ...] = ()
    before_hours: float | None = None  # take the drug at least this long before magnesium
    after_hours: float | None = None  # or at least this long after magnesium
    timing_note: str | None = None
    not_recommended: bool = False
    source: Source | None = None


@dataclass(frozen=True)
class DrugClass:
    code: str  # the finding code
    name: str
    mechanism: str
    action: str
    sources: tuple[Source, ...]


CLASSES: dict[str, DrugClass] = {
    c.code.split(".", 1)[1]: c
    for c in (
        DrugClass(
            "interaction.fluoroquinolone",
            "fluoroquinolone antibiotic",
            "Magnesium binds (chelates) fluoroquinolones in the gut, so less antibiotic is "
            "absorbed and the infection may not be treated.",
            "Space the antibiotic and magnesium as shown; if that is impractical, pause "
            "magnesium for the course.",
            (label("CIPRO", "section 2.4 / 7"), cite("ODS", "Interactions: antibiotics")),
        ),
        DrugClass(
            "interaction.tetracycline",
            "tetracycline antibiotic",
            "Magnesium chelates tetracyclines in the gut and lowers their absorption.",
            "Take the tetracycline at least 2 h before or 6 h after magnesium.",
            (
                cite("ODS", "Interactions: antibiotics (2 h before or 4–6 h after)"),
                label("VIBRAMYCIN", "Drug interactions: antacids containing magnesium"),
            ),
        ),
        DrugClass(
            "interaction.bisphosphonate",
            "bisphosphonate",
            "Magnesium lowers bisphosphonate absorption.",
            "Take the bisphosphonate first, on waking with plain water, and magnesium at "
            "least 2 h later.",
            (
                cite("ODS", "Interactions: bisphosphonates (2 h apart)"),
                label("FOSAMAX", "section 2: 30 min before any other medication"),
            ),
        ),
        DrugClass(
            "interaction.levothyroxine",
            "thyroid hormone",
            "Magnesium-containing products lower levothyroxine absorption.",
            "Keep levothyroxine and magnesium at least 4 h apart.",
            (label("SYNTHROID", "section 7.1: at least 4 hours apart"),),
        ),
        DrugClass(
            "interaction.integrase_inhibitor",
            "HIV integrase inhibitor",
            "Magnesium chelates integrase inhibitors and lowers their levels, risking "
            "treatment failure and resistance.",
            "Follow the timing shown; for raltegravir, do not take magnesium products with it.",
            (
                label("TIVICAY", "section 2 / 7: 2 h before or 6 h after"),
                label("ISENTRESS", "section 7"),
            ),
        ),
        DrugClass(
            "interaction.gabapentin",
            "gabapentin",
            "Magnesium-containing antacids lower gabapentin bioavailability by about 20 %.",
            "Take gabapentin at least 2 h after magnesium.",
            (label("NEURONTIN", "section 7: about 2 hours following antacid"),),
        ),
        DrugClass(
            "interaction.loop_thiazide_diuretic",
            "loop or thiazide diuretic",
            "These diuretics increase magnesium loss in the urine. This works through the "
            "kidney, so spacing the doses does nothing (the article's 2–6 h separation does "
            "not apply here).",
            "Check serum magnesium; magnesium may be needed to replace what is lost.",
            (cite("ODS", "Interactions: diuretics"), cite("SmPC", "section 4.5")),
        ),
        DrugClass(
            "interaction.potassium_sparing_diuretic",
            "potassium-sparing diuretic",
            "These diuretics reduce magnesium excretion, so levels can rise, more so with "
            "kidney disease. Spacing the doses does nothing.",
            "Monitor serum magnesium and kidney function; keep to the lowest useful dose.",
            (cite("ODS", "Interactions: potassium-sparing diuretics"),),
        ),
        DrugClass(
            "interaction.ppi",
            "proton pump inhibitor",
            "Long-term use (mostly over a year) can cause low magnesium; supplements alone "
            "fail to correct it in about a quarter of cases.",
            "Check serum magnesium before and during supplementation; review the PPI.",
            (cite("FDA-PPI-2011", "Drug Safety Communication, 2 March 2011"),),
        ),
        DrugClass(
            "interaction.digoxin",
            "digoxin",
            "Low magnesium raises the risk of digoxin toxicity.",
            "Monitor serum magnesium (and potassium) and digoxin levels.",
            (cite("SmPC", "section 4.5: cardiac glycosides"),),
        ),
    )
}

_FQ = "fluoroquinolone"
_TC = "tetracycline"
_BP = "bisphosphonate"
_II = "integrase_inhibitor"
_LT = "loop_thiazide_diuretic"
_KS = "potassium_sparing_diuretic"

DRUGS: tuple[Drug, ...] = (
    Drug("ciprofloxacin", _FQ, ("cipro",), ("2551",), 2, 6, source=label("CIPRO", "section 2.4")),
    Drug(
        "levofloxacin",
        _FQ,
        ("levaquin",),
        ("82122",),
        2,
        2,
        source=label("LEVAQUIN", "section 2.4"),
    ),
    Drug(
        "moxifloxacin", _FQ, ("avelox",), ("139462",), 4, 8, source=label("AVELOX", "section 2.2")
    ),
    Drug("ofloxacin", _FQ, (), (), 2, 2, source=label("OFLOXACIN", "Dosage and administration")),
    Drug("doxycycline", _TC, ("vibramycin", "doryx"), (), 2, 6),
    Drug("minocycline", _TC, ("minocin",), (), 2, 6),
    Drug("demeclocycline", _TC, (), (), 2, 6),
    Drug("tetracycline", _TC, (), (), 2, 6),
    Drug("alendronate", _BP, ("fosamax",), (), 2, None, "bisphosphonate first, on waking"),
    Drug(
        "risedronate", _BP, ("actonel", "atelvia"), (), 2, None, "bisphosphonate first, on waking"
    ),
    Drug("ibandronate", _BP, ("boniva",), (), 2, None, "bisphosphonate first, on waking"),
    Drug("levothyroxine", "levothyroxine", ("synthroid", "levoxyl", "tirosint"), (), 4, 4),
    Drug("dolutegravir", _II, ("tivicay", "triumeq", "dovato"), (), 2, 6),
    Drug(
        "raltegravir",
        _II,
        ("isentress",),
        (),
        None,
        None,
        "not recommended together with magnesium products",
        not_recommended=True,
    ),
    Drug(
        "gabapentin",
        "gabapentin",
        ("neurontin",),
        (),
        None,
        2,
        "gabapentin at least 2 h after magnesium",
    ),
    Drug("furosemide", _LT, ("lasix",), ("4603",)),
    Drug("bumetanide", _LT, ("bumex",)),
    Drug("torsemide", _LT),
    Drug("hydrochlorothiazide", _LT, (), ("5487",)),
    Drug("chlorthalidone", _LT),
    Drug("spironolactone", _KS, ("aldactone",), ("9997",)),
    Drug("amiloride", _KS),
    Drug("triamterene", _KS),
    Drug("eplerenone", _KS),
    Drug("omeprazole", "ppi", ("prilosec",), ("7646",)),
    Drug("esomeprazole", "ppi", ("nexium",), ("283742",)),
    Drug("lansoprazole", "ppi", ("prevacid",)),
    Drug("pantoprazole", "ppi", ("protonix",), ("40790",)),
    Drug("dexlansoprazole", "ppi", ("dexilant",)),
    Drug("rabeprazole", "ppi", ("aciphex",)),
    Drug("digoxin", "digoxin", ("lanoxin",)),
)
