"""The sources findings cite, keyed as in shared/reference/CLINICAL.md."""

from rules.model import Source

_TITLES = {
    "ART": ("Does Magnesium Help With Back Pain? (source article)", None),
    "IOM97": (
        "Institute of Medicine. Dietary Reference Intakes for Calcium, Phosphorus, Magnesium, "
        "Vitamin D, and Fluoride (1997)",
        "https://nap.nationalacademies.org/catalog/5776",
    ),
    "IOM00": (
        "Institute of Medicine. DRI: Applications in Dietary Assessment (2000)",
        "https://nap.nationalacademies.org/catalog/9956",
    ),
    "ODS": (
        "NIH Office of Dietary Supplements. Magnesium fact sheet for health professionals",
        "https://ods.od.nih.gov/factsheets/Magnesium-HealthProfessional/",
    ),
    "SmPC": (
        "UK summary of product characteristics, oral magnesium products",
        "https://www.medicines.org.uk/emc/product/2678/smpc",
    ),
    "FDA-PPI-2011": (
        "FDA Drug Safety Communication: low magnesium levels with long-term use of proton "
        "pump inhibitors (2011)",
        "https://www.fda.gov/drugs/drug-safety-and-availability/"
        "fda-drug-safety-communication-low-magnesium-levels-can-be-associated-long-term-use-"
        "proton-pump-inhibitor-drugs-ppis",
    ),
    "ACP07": (
        "Chou R et al. Diagnosis and treatment of low back pain: ACP/APS guideline. "
        "Ann Intern Med 2007;147:478",
        "https://doi.org/10.7326/0003-4819-147-7-200710020-00006",
    ),
    "ACP11": (
        "Chou R et al. Diagnostic imaging for low back pain: advice for high-value care. "
        "Ann Intern Med 2011;154:181",
        "https://doi.org/10.7326/0003-4819-154-3-201102010-00008",
    ),
    "NICE-CKS": (
        "NICE Clinical Knowledge Summaries: sciatica; low back pain without radiculopathy",
        "https://cks.nice.org.uk/topics/back-pain-low-without-radiculopathy/",
    ),
    "NICE-NG156": (
        "NICE NG156: Abdominal aortic aneurysm: diagnosis and management",
        "https://www.nice.org.uk/guidance/ng156",
    ),
    "KDIGO": (
        "KDIGO 2012 Clinical Practice Guideline for the Evaluation and Management of CKD",
        "https://kdigo.org/guidelines/ckd-evaluation-and-management/",
    ),
    "GROBER17": (
        "Gröber U et al. Myth or reality: transdermal magnesium? Nutrients 2017;9:813",
        "https://doi.org/10.3390/nu9080813",
    ),
    "INKER21": (
        "Inker LA et al. New creatinine- and cystatin C-based equations to estimate GFR "
        "without race (CKD-EPI 2021). N Engl J Med 2021;385:1737",
        "https://doi.org/10.1056/NEJMoa2102953",
    ),
    "CG76": (
        "Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum creatinine. "
        "Nephron 1976;16:31",
        "https://doi.org/10.1159/000180580",
    ),
    "PMDA": (
        "PMDA (Japan) safety information on hypermagnesemia with magnesium oxide "
        "(2015, revised 2020)",
        "https://www.pmda.go.jp/english/safety/info-services/drugs/0001.html",
    ),
    "WAKAI19": (
        "Wakai E et al. Risk factors for the development of hypermagnesemia in patients "
        "prescribed magnesium oxide. J Pharm Health Care Sci 2019;5:4",
        "https://doi.org/10.1186/s40780-019-0133-8",
    ),
    "DOWNIE13": (
        "Downie A et al. Red flags to screen for malignancy and fracture in patients with "
        "low back pain: systematic review. BMJ 2013;347:f7095",
        "https://doi.org/10.1136/bmj.f7095",
    ),
    "ACR-PEDS": (
        "ACR Appropriateness Criteria: Back Pain—Child (2021)",
        "https://acsearch.acr.org/docs/3157436/Narrative/",
    ),
    "MGFA": (
        "Myasthenia Gravis Foundation of America: cautionary drugs list",
        "https://myasthenia.org/",
    ),
    "CHOICE": ("Project choice, documented in CLINICAL.md (reviewable engineering value)", None),
    "DAILYMED": ("US prescribing information (DailyMed)", "https://dailymed.nlm.nih.gov/"),
}


def cite(key: str, locator: str, title: str | None = None) -> Source:
    """Return a citation of source `key` at `locator` (page, section, table row)."""
    default_title, url = _TITLES[key]
    return Source(key=key, title=title or default_title, locator=locator, url=url)


def label(drug_label: str, locator: str) -> Source:
    """Cite a US prescribing information document, e.g. ``label("CIPRO", "section 2.4")``."""
    return Source(
        key=f"LABEL-{drug_label}",
        title=f"{drug_label} prescribing information",
        locator=locator,
        url="https://dailymed.nlm.nih.gov/",
    )
