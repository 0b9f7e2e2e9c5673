"""The vocabularies a profile may use: red flags, symptoms, conditions (CLINICAL.md §4–§11).

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
# v2: long-term corticosteroids refer with or without trauma (ACP07 table 2; Downie 2013);
# osteoporosis refers with sudden onset.
FRACTURE_STEROIDS = ("long_term_corticosteroids",)
FRACTURE_SUDDEN_ONSET_RISK = ("osteoporosis",)
# v2: in a child aged 5–17, these with back pain refer (ACR Back Pain—Child, 2021).
PEDIATRIC_SIGNS = (
    ("night_pain", "fever", "unexplained_weight_loss") + NEUROLOGICAL_DEFICIT + CAUDA_EQUINA
)
INFLAMMATORY_FEATURES = (
    "morning_stiffness",
    "improves_with_exercise",
    "waking_second_half_of_night",
    "alternating_buttock_pain",
)

# CLINICAL.md §4 (v2): signs of magnesium toxicity. Cardinal signs count alone (with a risk
# context, §4); the minor signs do not: flushing counts with a risk context, nausea never
# alone, and flushing with nausea and nothing else is a GI side effect (§7).
TOXICITY_CARDINAL = (
    "muscle_weakness",
    "lethargy",
    "confusion",
    "low_blood_pressure",
    "slow_heartbeat",
)
TOXICITY_FLUSHING = ("flushing",)
TOXICITY_MINOR = ("flushing", "nausea")
TOXICITY_SIGNS = TOXICITY_CARDINAL + TOXICITY_MINOR

# CLINICAL.md §4 (v2): the classic signs of digoxin toxicity, with digoxin in the medication list.
DIGOXIN_TOXICITY_SIGNS = ("nausea", "slow_heartbeat", "confusion", "visual_disturbance")
VISUAL = ("visual_disturbance",)

# CLINICAL.md §11: signs of magnesium deficiency (deficiency.signs).
DEFICIENCY_SIGNS = ("muscle_cramps", "tremor", "palpitations")

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
    TOXICITY_SIGNS + DIGOXIN_TOXICITY_SIGNS + DEFICIENCY_SIGNS + GI_SYMPTOMS + CONSTIPATION
)
ALL_TOKENS: frozenset[str] = RED_FLAG_TOKENS | SYMPTOM_TOKENS

# CLINICAL.md §11: the `conditions` field, its own vocabulary (not accepted among symptoms).
MYASTHENIA_GRAVIS = ("myasthenia_gravis",)
HEART_BLOCK = ("heart_block",)  # second- or third-degree AV block, no pacemaker
BOWEL_OBSTRUCTION = ("bowel_obstruction",)  # also ileus, acute abdomen
DEHYDRATION = ("dehydration",)
DEFICIENCY_RISK = (
    "alcohol_use_disorder",
    "type_2_diabetes",
    "malabsorption",  # Crohn's, coeliac disease, bariatric surgery, short bowel
    "chronic_diarrhea",
)
CONDITION_TOKENS: frozenset[str] = frozenset(
    MYASTHENIA_GRAVIS + HEART_BLOCK + BOWEL_OBSTRUCTION + DEHYDRATION + DEFICIENCY_RISK
)
