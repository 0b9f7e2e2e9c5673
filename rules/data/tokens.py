"""The vocabularies a profile may use for red flags and symptoms (CLINICAL.md §4, §6, §7).

`red_flags` and `symptoms` both accept any token below; the knowledge base reads the union,
so a red flag placed among the symptoms still refers (fail safe).
"""

# CLINICAL.md §6: red-flag groups, each its own finding.
CAUDA_EQUINA = (
    "saddle_anesthesia",
    "urinary_retention",
    "bladder_or_bowel_incontinence",
    "bilateral_sciatica",
    "sexual_dysfunction",
)
VASCULAR = ("pulsatile_abdominal_mass",)
NEUROLOGICAL_DEFICIT = ("progressive_leg_weakness", "foot_drop")
INFECTION = ("fever", "iv_drug_use", "immunosuppression", "recent_bacterial_infection")
MALIGNANCY = ("history_of_cancer", "unexplained_weight_loss", "night_pain")
FRACTURE_MAJOR = ("significant_trauma",)
FRACTURE_MINOR = ("minor_trauma",)
FRACTURE_RISK = ("osteoporosis", "long_term_corticosteroids")
INFLAMMATORY_FEATURES = (
    "morning_stiffness",
    "improves_with_exercise",
    "waking_second_half_of_night",
    "alternating_buttock_pain",
)

# CLINICAL.md §4: symptoms of hypermagnesemia. Nausea and flushing are listed there too;
# nausea is also the commonest GI side effect of supplements (§7), so it counts toward
# toxicity only with kidney failure/severe disease or a high serum value, not with high
# intake alone (project choice, documented in the rule).
HYPERMAGNESEMIA_SYSTEMIC = (
    "muscle_weakness",
    "lethargy",
    "confusion",
    "low_blood_pressure",
    "slow_heartbeat",
    "flushing",
)
HYPERMAGNESEMIA_NAUSEA = ("nausea",)

# CLINICAL.md §7: GI side effects; §8: constipation steers form choice.
GI_SYMPTOMS = ("diarrhea", "nausea", "abdominal_cramping")
CONSTIPATION = ("constipation",)
DIARRHEA = ("diarrhea",)

RED_FLAG_TOKENS: frozenset[str] = frozenset(
    CAUDA_EQUINA
    + VASCULAR
    + NEUROLOGICAL_DEFICIT
    + INFECTION
    + MALIGNANCY
    + FRACTURE_MAJOR
    + FRACTURE_MINOR
    + FRACTURE_RISK
    + INFLAMMATORY_FEATURES
)
SYMPTOM_TOKENS: frozenset[str] = frozenset(
    HYPERMAGNESEMIA_SYSTEMIC + HYPERMAGNESEMIA_NAUSEA + GI_SYMPTOMS + CONSTIPATION
)
ALL_TOKENS: frozenset[str] = RED_FLAG_TOKENS | SYMPTOM_TOKENS
