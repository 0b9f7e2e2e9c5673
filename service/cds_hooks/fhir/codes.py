"""The code systems and codes the FHIR reading uses; discovery (services.py) imports them.

LOINC codes follow CLINICAL.md §3 (eGFR, creatinine), §4 (serum magnesium) and the v2 list.
SNOMED CT codes are given with the concept's fully specified name; each §11 code was checked
against independent published uses (FHIR value sets and implementation guides, clinical
code lists) naming the same concept. Where those disagreed (7200002, 9209005, 26629001
were each found under two different names) the code is left out and the condition's text
is matched instead (conditions.py), as CLINICAL.md §11 asks. Confirm against the SNOMED CT
browser before relying on a code.
"""

from __future__ import annotations

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
GTS_ABBREVIATION = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"

# CLINICAL.md §3 v2: every eGFR code the mapping lists is used; one it cannot read is said.
EGFR_CODES = (
    "98979-8",  # eGFR, creatinine, CKD-EPI 2021
    "98980-6",  # eGFR, creatinine and cystatin C, CKD-EPI 2021
    "62238-1",  # eGFR, creatinine, CKD-EPI
    "33914-3",  # eGFR, creatinine, MDRD (also a panel holding components)
    "48642-3",  # eGFR, creatinine, MDRD, non-Black
    "48643-1",  # eGFR, creatinine, MDRD, Black (the FHIR f205 example's component)
    "48643-3",  # as CLINICAL.md §3 v2 lists it
    "50044-7",  # eGFR, creatinine, MDRD, female
    "50210-4",  # eGFR, cystatin C
    "69405-9",  # eGFR (no method stated)
    "70969-1",  # eGFR, creatinine, MDRD, non-Black, by IDMS-traceable method
    "77147-7",  # eGFR, creatinine, MDRD, by IDMS-traceable method
    "88293-6",  # eGFR, creatinine, CKD-EPI, Black
    "88294-4",  # eGFR, creatinine, CKD-EPI, non-Black
)
# Panels whose eGFR values may sit in components (§3 v2): the f205 example is 33914-3.
EGFR_PANEL_CODES = ("33914-3", "45066-8")
CREATININE_CODES = ("2160-0", "14682-9")  # mass/volume (mg/dL), moles/volume (µmol/L)
MAGNESIUM_CODES = {"19123-9": "mg/dL", "2601-3": "mmol/L"}
PREGNANCY_STATUS_CODES = ("82810-3",)
BODY_WEIGHT_CODES = ("29463-7",)

# SNOMED CT, Condition.code (concept id: fully specified name).
DIALYSIS_CODES = frozenset(
    {
        "105502003",  # Dependence on renal dialysis (finding)
        "714152005",  # Chronic kidney disease stage 5 on dialysis (disorder)
    }
)
CKD_STAGE_5_CODES = frozenset(
    {
        "714152005",  # Chronic kidney disease stage 5 on dialysis (disorder)
        "433146000",  # Chronic kidney disease stage 5 (disorder)
        "46177005",  # End-stage renal disease (disorder)
    }
)
CKD_STAGE_4_CODES = frozenset({"431857002"})  # Chronic kidney disease stage 4 (disorder)
SCIATICA = "23056005"  # Sciatica (disorder)
CAUDA_EQUINA_SYNDROME = "192970008"  # Cauda equina syndrome (disorder)
PREGNANCY_CONDITION_CODES = frozenset(
    {"77386006", "72892002"}  # Pregnancy (finding); Normal pregnancy (finding)
)
PREGNANT, NOT_PREGNANT = "77386006", "60001007"  # Pregnant; Not pregnant (findings)
PACEMAKER_CODES = frozenset({"441509002"})  # Cardiac pacemaker in situ (finding)

# CLINICAL.md §11 condition tokens by SNOMED CT code. Only concepts whose id and name were
# checked are listed; everything else (ileus, acute abdomen, alcohol use disorder, short
# bowel, bariatric surgery, ...) is found by its text in conditions.py.
CONDITION_TOKENS: dict[str, str] = {
    "91637004": "myasthenia_gravis",  # Myasthenia gravis (disorder)
    "27885002": "heart_block",  # Complete atrioventricular block (disorder)
    "195042002": "heart_block",  # Second degree atrioventricular block (disorder)
    "81060008": "bowel_obstruction",  # Intestinal obstruction (disorder)
    "34095006": "dehydration",  # Dehydration (disorder)
    "44054006": "type_2_diabetes",  # Diabetes mellitus type 2 (disorder)
    "34000006": "malabsorption",  # Crohn's disease (disorder)
    "396331005": "malabsorption",  # Celiac disease (disorder)
    "236071009": "chronic_diarrhea",  # Chronic diarrhea (disorder)
}

RXNORM_CODE_SYSTEMS = (RXNORM, "urn:oid:2.16.840.1.113883.6.88")
