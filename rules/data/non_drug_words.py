"""Words that name no drug in one part of a medication entry (CLINICAL.md §13 coverage).

An entry such as "metformin 500 mg and tafamidis 61 mg" is read part by part (rules.terminology
`drug_parts`): every part that could name a drug must be recognised, or it is reported as
not checked. A part made only of the words below, of the salts and dose words of
`rules.data.normalisation`, or of numbers, names no drug ("500 mg", "Oral Tablet",
"twice daily", "ACTUAT"): it is not a part to check.

Sources:
- RxNorm display strings (SCD/SBD names: "Fluticasone 0.1 MG/ACTUAT [Flovent]",
  "120 ACTUAT Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler"): the dose form and unit words
  are those of the RxNorm dose forms (TTY=DF) and strength units, NLM RxNorm Technical
  Documentation, "RxNorm Naming Conventions" (https://www.nlm.nih.gov/research/umls/rxnorm/
  docs/techdoc.html), as they appear in the products of `rxnorm_products.tsv`, Synthea's
  records and the CDS Hooks sandbox list. The bracketed brand of an SBD name is the brand of
  the ingredients named before it, and is not a part of its own.
- Devices: the inhaler and pen names of the products' US labels (Ellipta, Diskus, Respimat,
  HandiHaler, FlexPen, KwikPen, SoloStar, FlexTouch, RespiClick, Inhub).
- Label qualifiers ("Baby", "Low-Dose", "Non-Drowsy"): *choice*, from US OTC product names.
- Directions: *choice*, the words of prescription directions (sig) US prescriptions use;
  a direction says how, not what.
- An indication starts with "for" ("for blood pressure"): the words after it in that part
  name a condition, not a drug (*choice*); so do the usual as-needed indications written
  without it ("prn back pain").
"""

# RxNorm dose forms and packaging beyond those in rules.data.normalisation.FORM_WORDS.
RXNORM_FORM_WORDS: frozenset[str] = frozenset(
    """
    actuat metered dry auto injector pen prefilled syringe cartridge transdermal system
    intrauterine implant drug pack mucosal sublingual buccal vaginal rectal effervescent
    lozenge troche chewing gum shampoo foam wash pad strip suppository enema ring insert
    emulsion concentrate irrigation medicated soluble pellet jelly paste mouthwash rinse
    bar applicator device disintegrating toothpaste ophthalmic intravenous intramuscular
    subcutaneous intradermal prefill injectable suspension product extended release oral
    tablet capsule hr
    """.split()
)

# Inhaler and pen device names that follow a drug or brand name ("Breo Ellipta", "Lantus
# SoloStar", "albuterol HFA"): the device, not the drug (names from the products' US labels).
DEVICE_WORDS: frozenset[str] = frozenset(
    """
    hfa diskus ellipta respimat handihaler flexpen kwikpen solostar flextouch autoinjector
    respiclick inhub pump nebule nebules
    """.split()
)

# Directions and quantities of a prescription's sig (words of one or two letters are never
# read as a drug name, so "x", "up" and "no" need no entry).
DIRECTION_WORDS: frozenset[str] = frozenset(
    """
    hold if use using apply inhale inhalations inhalation puff puffs sprays instill
    directed sig qty dispense disp refill refills full glass milk total until stop start
    continue continued then repeat not more than less only when usual usually
    chronic home current currently taken supply
    """.split()
)

# Who or what a product is sold as ("Baby-Aspirin", "Low-Dose", "Women's", "Non-Drowsy"):
# label qualifiers that name no drug (*choice*, from US OTC product names).
QUALIFIER_WORDS: frozenset[str] = frozenset(
    """
    baby infant infants kids children childrens women womens men mens senior silver low
    high rapid fast quick acting long short non drowsy nighttime daytime free strength
    """.split()
)

# What a drug is taken for, when a sig names it without "for" ("prn back pain", "as needed,
# headache"): the usual as-needed indications on US prescriptions (*choice*).
INDICATION_WORDS: frozenset[str] = frozenset(
    """
    pain back headache migraine sleep insomnia nausea vomiting anxiety allergy allergies
    constipation heartburn reflux cramps spasm spasms fever cough itching itch rash blood
    pressure sugar cholesterol diabetes wheezing shortness breath chest swelling
    """.split()
)

# The word that starts an indication; the rest of its part names no drug.
INDICATION_WORD = "for"

NON_DRUG_WORDS: frozenset[str] = (
    RXNORM_FORM_WORDS | DEVICE_WORDS | DIRECTION_WORDS | QUALIFIER_WORDS | INDICATION_WORDS
)
