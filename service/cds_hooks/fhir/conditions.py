"""Conditions (SNOMED CT) → dialysis and CKD stage, sciatica, cauda equina syndrome,
pregnancy, and the CLINICAL.md §11 condition tokens.

A condition is matched by its SNOMED CT code when codes.py lists it, otherwise by the words
of its text and displays (§11: a code that could not be verified is left out and the text
is matched instead).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from service.cds_hooks.fhir.codes import (
    CAUDA_EQUINA_SYNDROME,
    CKD_STAGE_4_CODES,
    CKD_STAGE_5_CODES,
    CONDITION_CLINICAL,
    CONDITION_TOKENS,
    CONDITION_VERIFICATION,
    DIALYSIS_CODES,
    PACEMAKER_CODES,
    PREGNANCY_CONDITION_CODES,
    SCIATICA,
    SNOMED,
)
from service.cds_hooks.fhir.elements import codes, concept_words, obj, ref
from service.cds_hooks.fhir.notes import Reading, UnreadableResource

ACTIVE = {"active", "recurrence", "relapse"}
NOT_TRUE = {"entered-in-error", "refuted"}
# §11 tokens by words, for conditions sent as text or with codes not in codes.py.
TOKEN_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("myasthenia_gravis", re.compile(r"\bmyasthenia gravis\b")),
    (
        "heart_block",
        re.compile(
            r"\b(second|2nd|third|3rd)[- ]degree (av |atrioventricular |heart )?block\b"
            r"|\bcomplete (av |atrioventricular |heart )block\b|\bmobitz\b"
        ),
    ),
    (
        "bowel_obstruction",
        re.compile(r"\b(bowel|intestinal) obstruction\b|\bileus\b|\bacute abdomen\b"),
    ),
    ("dehydration", re.compile(r"\bdehydration\b")),
    (
        "alcohol_use_disorder",
        re.compile(r"\balcohol(ism| use disorder| dependence| abuse)\b"),
    ),
    (
        "type_2_diabetes",
        re.compile(r"\b(type 2|type ii|t2) diabetes\b|\bdiabetes mellitus,? type (2|ii)\b"),
    ),
    (
        "malabsorption",
        re.compile(
            r"\bmalabsorption\b|\bcrohn'?s\b|\bc[o]?eliac\b|\bshort bowel\b"
            r"|\bbariatric\b|\bgastric bypass\b"
        ),
    ),
    ("chronic_diarrhea", re.compile(r"\bchronic diarrh(o)?ea\b")),
)
PACEMAKER_WORDS = re.compile(r"\bpacemaker\b")
SCIATICA_WORDS = re.compile(r"\bsciatica\b|\bradiculopathy\b")
CAUDA_EQUINA_WORDS = re.compile(r"\bcauda equina\b")


@dataclass
class ConditionFacts:
    dialysis: bool = False
    ckd_stage: int | None = None  # 5 or 4, from the problem list
    ckd_source: str | None = None
    sciatica: bool = False
    cauda_equina: bool = False
    pregnant: bool = False
    tokens: set[str] = field(default_factory=set)


def read_conditions(resources: list[Mapping[str, Any]]) -> Reading[ConditionFacts]:
    """The facts the active, not refuted Conditions state."""
    reading: Reading[ConditionFacts] = Reading(ConditionFacts())
    facts = reading.value
    pacemaker = False
    heart_block_sources: list[str] = []
    for resource in resources:
        if resource.get("resourceType") != "Condition":
            continue
        source = ref(resource)
        try:
            if not _active(resource, source):
                continue
            concept = obj(resource, "code", source)
            found = set(codes(concept, SNOMED, source))
            words = concept_words(concept, source).lower()
        except UnreadableResource as error:
            reading.unreadable(source, error)
            continue
        if not found and not words:
            reading.note(
                source, "a condition with no code or text: not checked", affects_safety=True
            )
            continue
        facts.dialysis |= bool(found & DIALYSIS_CODES)
        for stage, stage_codes in ((5, CKD_STAGE_5_CODES), (4, CKD_STAGE_4_CODES)):
            if found & stage_codes and (facts.ckd_stage or 0) < stage:
                facts.ckd_stage, facts.ckd_source = stage, source
        facts.sciatica |= SCIATICA in found or bool(SCIATICA_WORDS.search(words))
        facts.cauda_equina |= CAUDA_EQUINA_SYNDROME in found or bool(
            CAUDA_EQUINA_WORDS.search(words)
        )
        facts.pregnant |= bool(found & PREGNANCY_CONDITION_CODES)
        pacemaker |= bool(found & PACEMAKER_CODES) or bool(PACEMAKER_WORDS.search(words))
        tokens = {CONDITION_TOKENS[c] for c in found if c in CONDITION_TOKENS}
        tokens |= {token for token, pattern in TOKEN_WORDS if pattern.search(words)}
        if "heart_block" in tokens:
            heart_block_sources.append(source)
        facts.tokens |= tokens
    if pacemaker and "heart_block" in facts.tokens:
        # §11: a patient with a pacemaker is not sent as heart_block.
        facts.tokens.discard("heart_block")
        for source in heart_block_sources:
            reading.note(source, "heart block with a pacemaker in place: not read as heart block")
    return reading


def _active(condition: Mapping[str, Any], source: str) -> bool:
    verification = codes(
        obj(condition, "verificationStatus", source), CONDITION_VERIFICATION, source
    )
    if {v.lower() for v in verification} & NOT_TRUE:
        return False
    clinical = codes(obj(condition, "clinicalStatus", source), CONDITION_CLINICAL, source)
    return not clinical or bool({c.lower() for c in clinical} & ACTIVE)
