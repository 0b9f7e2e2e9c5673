"""Words for the knowledge base's vocabularies: the checkbox groups and the form select.

The tokens themselves come from `rules.data.tokens` and `rules.data.forms`; this module only
names them for people and groups them as CLINICAL.md §6 does. A token added to the rules
without a label here still appears (under "Other"), worded from its token.
"""

from __future__ import annotations

from dataclasses import dataclass

from rules.data import tokens
from rules.data.forms import ELEMENTAL_FRACTION


@dataclass(frozen=True)
class Group:
    key: str
    legend: str
    hint: str | None
    tokens: tuple[str, ...]


TOKEN_LABELS: dict[str, str] = {
    "saddle_anesthesia": "Saddle anaesthesia (numbness around the anus, genitals or inner thighs)",
    "urinary_retention": "Urinary retention",
    "bladder_or_bowel_incontinence": "Bladder or bowel incontinence",
    "bilateral_sciatica": "Sciatica in both legs",
    "sexual_dysfunction": "New sexual dysfunction",
    "pulsatile_abdominal_mass": "Pulsatile abdominal mass",
    "progressive_leg_weakness": "Progressive leg weakness",
    "foot_drop": "Foot drop",
    "fever": "Fever",
    "iv_drug_use": "Intravenous drug use",
    "immunosuppression": "Immunosuppression",
    "recent_bacterial_infection": "Recent bacterial infection",
    "history_of_cancer": "History of cancer",
    "unexplained_weight_loss": "Unexplained weight loss",
    "night_pain": "Pain at night",
    "significant_trauma": "Significant trauma (e.g. fall from a height, road accident)",
    "minor_trauma": "Minor trauma (e.g. fall from standing height)",
    "osteoporosis": "Osteoporosis",
    "long_term_corticosteroids": "Long-term corticosteroids",
    "morning_stiffness": "Morning stiffness",
    "improves_with_exercise": "Improves with exercise",
    "waking_second_half_of_night": "Wakes in the second half of the night",
    "alternating_buttock_pain": "Alternating buttock pain",
    "muscle_weakness": "Muscle weakness",
    "lethargy": "Lethargy",
    "confusion": "Confusion",
    "low_blood_pressure": "Low blood pressure",
    "slow_heartbeat": "Slow heartbeat",
    "flushing": "Flushing",
    "nausea": "Nausea",
    "diarrhea": "Diarrhoea",
    "abdominal_cramping": "Abdominal cramping",
    "constipation": "Constipation",
    "visual_disturbance": "Visual disturbance (blurred or yellow-green vision, haloes)",
    "muscle_cramps": "Muscle cramps",
    "tremor": "Tremor",
    "palpitations": "Palpitations",
    "myasthenia_gravis": "Myasthenia gravis",
    "heart_block": "Heart block, second or third degree (no pacemaker)",
    "bowel_obstruction": "Bowel obstruction, ileus or acute abdomen",
    "dehydration": "Dehydration",
    "alcohol_use_disorder": "Alcohol use disorder",
    "type_2_diabetes": "Type 2 diabetes",
    "malabsorption": "Malabsorption (Crohn's, coeliac disease, bariatric surgery, short bowel)",
    "chronic_diarrhea": "Chronic diarrhoea",
}


def token_label(token: str) -> str:
    return TOKEN_LABELS.get(token, token.replace("_", " ").capitalize())


def _unique(*groups: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for g in groups for t in g))


def _with_other(groups: list[Group], every: frozenset[str], key: str) -> tuple[Group, ...]:
    listed = {t for g in groups for t in g.tokens}
    rest = tuple(sorted(every - listed))
    if rest:
        groups.append(Group(f"{key}-other", "Other", None, rest))
    return tuple(groups)


# CLINICAL.md §6, one fieldset per finding.
RED_FLAG_GROUPS: tuple[Group, ...] = _with_other(
    [
        Group("cauda-equina", "Cauda equina", None, tokens.CAUDA_EQUINA),
        Group("vascular", "Aortic aneurysm", None, tokens.VASCULAR),
        Group("neuro", "Neurological deficit", None, tokens.NEUROLOGICAL_DEFICIT),
        Group("infection", "Infection", None, tokens.INFECTION),
        Group("malignancy", "Malignancy", None, tokens.MALIGNANCY),
        Group(
            "fracture",
            "Fracture",
            "Minor trauma counts with osteoporosis, long-term corticosteroids or older age.",
            _unique(tokens.FRACTURE_MAJOR, tokens.FRACTURE_MINOR, tokens.FRACTURE_RISK),
        ),
        Group(
            "inflammatory",
            "Inflammatory back pain",
            "Two or more features, with pain for 12 weeks or more, suggest a rheumatology review.",
            tokens.INFLAMMATORY_FEATURES,
        ),
    ],
    tokens.RED_FLAG_TOKENS,
    "red-flags",
)

# CLINICAL.md §4, §7 and §11.
SYMPTOM_GROUPS: tuple[Group, ...] = _with_other(
    [
        Group("digestive", "Digestive", None, _unique(tokens.GI_SYMPTOMS, tokens.CONSTIPATION)),
        Group(
            "high-magnesium",
            "Signs of high magnesium",
            "With oral magnesium, one sign plus age 65 or over, kidney disease, high intake or "
            "antacid or laxative use suggests toxicity; so do two signs.",
            tuple(t for t in tokens.TOXICITY_SIGNS if t not in tokens.GI_SYMPTOMS),
        ),
        Group(
            "digoxin",
            "With digoxin",
            "Nausea, slow heartbeat, confusion or visual disturbance suggest digoxin toxicity.",
            tokens.VISUAL,
        ),
        Group("low-magnesium", "Signs of low magnesium", None, tokens.DEFICIENCY_SIGNS),
    ],
    tokens.SYMPTOM_TOKENS,
    "symptoms",
)

# CLINICAL.md §11.
CONDITION_GROUPS: tuple[Group, ...] = _with_other(
    [
        Group(
            "contraindications",
            "Magnesium contraindicated",
            None,
            tokens.MYASTHENIA_GRAVIS + tokens.HEART_BLOCK + tokens.BOWEL_OBSTRUCTION,
        ),
        Group("fluids", "Caution", None, tokens.DEHYDRATION),
        Group("deficiency", "Deficiency more likely", None, tokens.DEFICIENCY_RISK),
    ],
    tokens.CONDITION_TOKENS,
    "conditions",
)


def form_options() -> list[tuple[str, str]]:
    """(value, label) for each form with a known elemental fraction (shown), glycinate first."""
    forms = sorted(ELEMENTAL_FRACTION, key=lambda f: (f != "glycinate", f))
    return [(f, f"{f} · {ELEMENTAL_FRACTION[f] * 100:.3g} %") for f in forms]
