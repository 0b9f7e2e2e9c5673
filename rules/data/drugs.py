"""Interacting drugs: classes, members, brands, spellings, combinations, timing (CLINICAL.md §5).

Timing is hours the other drug is taken *before* magnesium, or *after* it. The article
groups diuretics with the drugs needing a 2–6 h separation; CLINICAL.md corrects that:
diuretics act through the kidney, so they carry monitoring and no separation.

Each row cites the US label section it rests on (`LABEL-x`), or says *choice* and why where
the label gives no interval. Label sections are as CLINICAL.md v2 and the current DailyMed
labels number them (read 2026-12); a reviewer changes a row here, never in a rule.
RxNorm codes live in `rules.data.rxnorm`.
"""

from dataclasses import dataclass

from rules.data.sources import cite, label
from rules.model import Source


@dataclass(frozen=True)
class Drug:
    generic: str
    drug_class: str
    brands: tuple[str, ...] = ()
    # International spellings and abbreviations (Doxycyclin, ciprofloxacine, HCTZ).
    aliases: tuple[str, ...] = ()
    before_hours: float | None = None  # take the drug at least this long before magnesium
    after_hours: float | None = None  # or at least this long after magnesium
    timing_note: str | None = None
    not_recommended: bool = False
    source: Source | None = None
    mechanism: str | None = None  # when the drug's own mechanism differs from its class's
    # A separation stated only in words (baloxavir: not on the day of the dose).
    separation_by_note: bool = False


@dataclass(frozen=True)
class DrugClass:
    code: str  # the finding code
    name: str
    mechanism: str
    action: str
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Combination:
    """A product of several ingredients: each interacting one raises its own finding."""

    name: str  # brand as written on the label: "Juluca"
    ingredients: tuple[str, ...]  # generic names of the interacting ingredients
    others: tuple[str, ...] = ()  # ingredients with no magnesium interaction (for reading)
    aliases: tuple[str, ...] = ()  # "Prilosec OTC", "lisinopril-HCTZ" spellings
    # The product label's own separation, when it gives one (Juluca: 4 / 6).
    before_hours: float | None = None
    after_hours: float | None = None
    source: Source | None = None


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
        # v2 (CLINICAL.md §5): drugs outside the classes above whose absorption falls.
        DrugClass(
            "interaction.absorption_reduced",
            "medicine whose absorption magnesium lowers",
            "Magnesium-containing products lower the absorption of this medicine, so it may "
            "work less well.",
            "Keep this medicine and magnesium apart as shown.",
            (cite("DAILYMED", "each drug's label, cited per drug (CLINICAL.md §5 v2)"),),
        ),
        DrugClass(
            "interaction.potassium_binder",
            "potassium binder",
            "Potassium binders act in the gut and bind other oral medicines taken at the same "
            "time.",
            "Take other oral medicines, magnesium included, at least 3 h before or 3 h after "
            "the binder, and check serum magnesium.",
            (
                label("KAYEXALATE", "Warnings: alkalosis with magnesium hydroxide"),
                label("VELTASSA", "sections 2.1 / 5.2 / 7: hypomagnesemia, 3 hours apart"),
            ),
        ),
        DrugClass(
            "interaction.magnesium_wasting",
            "medicine that makes the kidneys lose magnesium",
            "This medicine makes the kidneys lose magnesium, so serum magnesium can fall; "
            "spacing the doses does nothing.",
            "Check serum magnesium; magnesium may be needed to replace what is lost.",
            (cite("ODS", "Interactions and groups at risk: drugs causing magnesium loss"),),
        ),
    )
}

_FQ = "fluoroquinolone"
_TC = "tetracycline"
_BP = "bisphosphonate"
_II = "integrase_inhibitor"
_LT = "loop_thiazide_diuretic"
_KS = "potassium_sparing_diuretic"
_AR = "absorption_reduced"
_KB = "potassium_binder"
_MW = "magnesium_wasting"
_FIRST = "bisphosphonate first, on waking"
_CHOICE_TC = "choice: the label gives no interval; the class's 2 / 6 (CLINICAL.md §5)"

DRUGS: tuple[Drug, ...] = (
    # --- fluoroquinolones: per drug, per label -------------------------------------------
    Drug(
        "ciprofloxacin",
        _FQ,
        ("cipro", "cipro xr"),
        ("ciprofloxacine", "ciprofloxacino", "ciprofloxacinum", "ciprofloxacina"),
        2,
        6,
        source=label("CIPRO", "section 2.4"),
    ),
    Drug(
        "levofloxacin",
        _FQ,
        ("levaquin",),
        ("levofloxacine", "levofloxacino", "levofloxacinum"),
        2,
        2,
        source=label("LEVAQUIN", "section 2.4"),
    ),
    Drug(
        "moxifloxacin",
        _FQ,
        ("avelox",),
        ("moxifloxacine", "moxifloxacino"),
        4,
        8,
        source=label("AVELOX", "section 2.2"),
    ),
    Drug(
        "ofloxacin",
        _FQ,
        ("floxin",),
        ("ofloxacine", "ofloxacino"),
        2,
        2,
        source=label("OFLOXACIN", "Dosage and administration"),
    ),
    Drug(
        "delafloxacin",
        _FQ,
        ("baxdela",),
        ("delafloxacine",),
        2,
        6,
        source=label("BAXDELA", "sections 2.4 / 7.1: 2 h before or 6 h after"),
    ),
    # The label: antacids at least 3 h before or 2 h after gemifloxacin, so gemifloxacin
    # goes 2 h before magnesium or 3 h after it.
    Drug(
        "gemifloxacin",
        _FQ,
        ("factive",),
        ("gemifloxacine",),
        2,
        3,
        source=label("FACTIVE", "sections 2 / 7: magnesium antacids 3 h before or 2 h after"),
    ),
    Drug(
        "norfloxacin",
        _FQ,
        ("noroxin",),
        ("norfloxacine", "norfloxacino"),
        2,
        2,
        source=label("NOROXIN", "Precautions, drug interactions: not within 2 hours"),
    ),
    # --- tetracyclines: 2 / 6 (ODS upper bound), per label where it gives one -------------
    Drug(
        "doxycycline",
        _TC,
        (
            "vibramycin",
            "vibra-tabs",
            "doryx",
            "doryx mpc",
            "acticlate",
            "monodox",
            "targadox",
            "oracea",
            "periostat",
            "adoxa",
            "avidoxy",
            "mondoxyne",
            "lymepak",
            "okebo",
        ),
        ("doxycyclin", "doxycyclinum", "doxiciclina", "doxycycline"),
        2,
        6,
    ),
    Drug(
        "minocycline",
        _TC,
        ("minocin", "solodyn", "minolira", "ximino", "dynacin", "coremino"),
        ("minocyclin", "minociclina", "minocyclinum"),
        2,
        6,
    ),
    Drug("tetracycline", _TC, ("sumycin",), ("tetracyclin", "tetraciclina", "tetracyclinum"), 2, 6),
    Drug("demeclocycline", _TC, ("declomycin",), ("demeclocyclin", "demeclociclina"), 2, 6),
    Drug(
        "omadacycline",
        _TC,
        ("nuzyra",),
        (),
        4,
        4,
        source=label("NUZYRA", "section 2: fast 4 h before; no antacids for 4 h after"),
    ),
    Drug(
        "sarecycline",
        _TC,
        ("seysara",),
        (),
        2,
        6,
        _CHOICE_TC,
        source=label("SEYSARA", "section 7: antacids impair absorption (no interval)"),
    ),
    # --- bisphosphonates ---------------------------------------------------------------
    Drug(
        "alendronate",
        _BP,
        ("fosamax", "fosamax plus d", "binosto"),
        ("alendronic acid", "alendronat", "alendronato"),
        2,
        None,
        _FIRST,
    ),
    Drug(
        "risedronate",
        _BP,
        ("actonel", "atelvia"),
        ("risedronic acid", "risedronat", "risedronato"),
        2,
        None,
        _FIRST,
    ),
    Drug("ibandronate", _BP, ("boniva",), ("ibandronic acid", "ibandronat"), 2, None, _FIRST),
    Drug(
        "etidronate",
        _BP,
        ("didronel",),
        ("etidronic acid", "etidronat"),
        2,
        2,
        source=label("ETIDRONATE", "Dosage: not within 2 h of antacids or mineral supplements"),
    ),
    # --- levothyroxine -------------------------------------------------------------------
    Drug(
        "levothyroxine",
        "levothyroxine",
        (
            "synthroid",
            "levoxyl",
            "tirosint",
            "tirosint-sol",
            "unithroid",
            "euthyrox",
            "eltroxin",
            "levo-t",
            "thyquidity",
            "ermeza",
            "levothroid",
            "levoxine",
            "levotirox",
            "levothyrox",
        ),
        (
            "levothyroxin",
            "levotiroxina",
            "levothyroxinum",
            "l-thyroxine",
            "l-thyroxin",
            "l thyroxine",
            "thyroxine",
            "thyroxin",
            "levothyroxine sodium",
        ),
        4,
        4,
    ),
    # --- integrase inhibitors ------------------------------------------------------------
    Drug("dolutegravir", _II, ("tivicay", "tivicay pd"), (), 2, 6),
    Drug(
        "raltegravir",
        _II,
        ("isentress", "isentress hd"),
        (),
        None,
        None,
        "not recommended together with magnesium products",
        not_recommended=True,
    ),
    Drug(
        "bictegravir",
        _II,
        (),
        (),
        2,
        6,
        "US label: 2 h before, fasting, or together with food",
        source=label("BIKTARVY", "section 7 (EU SmPC 4.5: 2 h before or 6 h after)"),
    ),
    Drug(
        "elvitegravir",
        _II,
        (),
        (),
        2,
        2,
        source=label("GENVOYA", "section 7: antacids 2 hours apart"),
    ),
    Drug(
        "cabotegravir",
        _II,
        ("vocabria",),
        (),
        4,
        2,
        "oral tablets; the injection does not interact in the gut",
        source=label("VOCABRIA", "section 7: antacids 2 h before or 4 h after"),
    ),
    # --- gabapentin ----------------------------------------------------------------------
    Drug(
        "gabapentin",
        "gabapentin",
        ("neurontin", "gralise", "gabarone"),
        ("gabapentine", "gabapentina", "gabapentinum"),
        None,
        2,
        "gabapentin at least 2 h after magnesium",
    ),
    # --- loop and thiazide diuretics: monitor, never spaced -----------------------------
    Drug(
        "furosemide",
        _LT,
        ("lasix", "furoscix"),
        ("furosemid", "furosemida", "frusemide", "frusemid"),
    ),
    Drug("bumetanide", _LT, ("bumex",), ("bumetanid", "bumetanida")),
    Drug("torsemide", _LT, ("demadex", "soaanz"), ("torasemide", "torasemid", "torasemida")),
    Drug(
        "hydrochlorothiazide",
        _LT,
        ("microzide", "esidrix", "hydrodiuril"),
        ("hctz", "hct", "hydrochlorothiazid", "hidroclorotiazida", "hydrochlorothiazidum"),
    ),
    Drug(
        "chlorthalidone",
        _LT,
        ("thalitone", "hygroton"),
        ("chlortalidone", "chlortalidon", "clortalidona"),
    ),
    Drug("metolazone", _LT, ("zaroxolyn",), ("metolazon",)),
    Drug("indapamide", _LT, ("lozol",), ("indapamid", "indapamida")),
    Drug("ethacrynic acid", _LT, ("edecrin",), ("etacrynic acid", "ethacrynate")),
    Drug("chlorothiazide", _LT, ("diuril",), ("chlorothiazid",)),
    # --- potassium-sparing diuretics ---------------------------------------------------
    Drug("spironolactone", _KS, ("aldactone", "carospir"), ("spironolacton", "espironolactona")),
    Drug("amiloride", _KS, ("midamor",), ("amilorid", "amilorida")),
    Drug("triamterene", _KS, ("dyrenium",), ("triamteren",)),
    Drug("eplerenone", _KS, ("inspra",), ("eplerenon",)),
    # --- proton pump inhibitors --------------------------------------------------------
    Drug("omeprazole", "ppi", ("prilosec", "losec"), ("omeprazol",)),
    Drug("esomeprazole", "ppi", ("nexium",), ("esomeprazol",)),
    Drug("lansoprazole", "ppi", ("prevacid",), ("lansoprazol",)),
    Drug("pantoprazole", "ppi", ("protonix",), ("pantoprazol",)),
    Drug("dexlansoprazole", "ppi", ("dexilant", "kapidex"), ("dexlansoprazol",)),
    Drug("rabeprazole", "ppi", ("aciphex",), ("rabeprazol",)),
    # --- digoxin -------------------------------------------------------------------------
    Drug(
        "digoxin",
        "digoxin",
        ("lanoxin", "digitek", "digox", "lanoxicaps"),
        ("digoxine", "digoxina", "digoxinum"),
    ),
    # --- v2: absorption reduced (CLINICAL.md §5, one finding, own timing) ---------------
    Drug(
        "eltrombopag",
        _AR,
        ("promacta", "alvaiz", "revolade"),
        (),
        2,
        4,
        source=label("PROMACTA", "sections 2.4 / 7.1: 2 h before or 4 h after polyvalent cations"),
    ),
    Drug(
        "mycophenolate mofetil",
        _AR,
        ("cellcept",),
        ("mycophenolate",),
        2,
        2,
        "not at the same time; 2 h is a choice: the label gives no interval",
        source=label("CELLCEPT", "section 7: antacids with magnesium lower absorption"),
    ),
    Drug(
        "mycophenolic acid",
        _AR,
        ("myfortic",),
        ("mycophenolate sodium",),
        2,
        2,
        "not at the same time; 2 h is a choice: the label gives no interval",
        source=label("MYFORTIC", "section 7: antacids with magnesium lower absorption"),
    ),
    Drug(
        "penicillamine",
        _AR,
        ("cuprimine", "depen"),
        (),
        2,
        2,
        "label: 1 h apart from any drug, food or milk; 2 h is a choice",
        source=label("CUPRIMINE", "Dosage and administration: 1 h apart"),
    ),
    Drug(
        "dasatinib",
        _AR,
        ("sprycel", "phyrago"),
        (),
        2,
        2,
        source=label("SPRYCEL", "section 7: antacids at least 2 h before or after"),
    ),
    Drug(
        "rilpivirine",
        _AR,
        ("edurant", "edurant ped"),
        (),
        4,
        2,
        source=label("EDURANT", "section 7: antacids at least 2 h before or 4 h after"),
    ),
    Drug(
        "atazanavir",
        _AR,
        ("reyataz",),
        (),
        2,
        1,
        source=label("REYATAZ", "section 7: 2 h before or 1 h after antacids"),
    ),
    Drug(
        "itraconazole",
        _AR,
        ("sporanox", "onmel", "tolsura"),
        ("itraconazol",),
        2,
        1,
        source=label("SPORANOX", "capsules, section 7: antacids 1 h before or 2 h after"),
    ),
    Drug(
        "ketoconazole",
        _AR,
        ("nizoral",),
        ("ketoconazol",),
        2,
        1,
        source=label(
            "KETOCONAZOLE", "tablets, drug interactions: as itraconazole capsules (CLINICAL.md §5)"
        ),
    ),
    Drug(
        "cefdinir",
        _AR,
        ("omnicef",),
        (),
        2,
        2,
        source=label("OMNICEF", "Drug interactions: antacids 2 hours apart"),
    ),
    Drug(
        "cefpodoxime",
        _AR,
        ("vantin",),
        (),
        2,
        2,
        source=label("VANTIN", "Drug interactions: antacids 2 hours apart"),
    ),
    Drug(
        "hydroxychloroquine",
        _AR,
        ("plaquenil", "sovuna"),
        ("hydroxychloroquin", "hidroxicloroquina"),
        4,
        4,
        source=label("PLAQUENIL", "section 7: antacids at least 4 hours apart"),
    ),
    Drug(
        "baloxavir",
        _AR,
        ("xofluza",),
        ("baloxavir marboxil",),
        None,
        None,
        "avoid magnesium on the day of the dose (choice: the label gives no interval)",
        source=label("XOFLUZA", "section 7: avoid co-administration with polyvalent cations"),
        separation_by_note=True,
    ),
    # --- v2: potassium binders (3 / 3, both labels) -------------------------------------
    Drug(
        "sodium polystyrene sulfonate",
        _KB,
        ("kayexalate", "kionex", "sps"),
        ("polystyrene sulfonate", "polystyrene sulphonate", "sodium polystyrene sulphonate"),
        3,
        3,
        source=label("KAYEXALATE", "Warnings; Drug interactions: 3 hours apart"),
        mechanism="Sodium polystyrene sulfonate binds other oral medicines in the gut.",
    ),
    Drug(
        "patiromer",
        _KB,
        ("veltassa",),
        (),
        3,
        3,
        source=label("VELTASSA", "sections 2.1 / 5.2: binds magnesium; 3 hours apart"),
        mechanism="Patiromer binds magnesium in the gut and lowers serum magnesium.",
    ),
    # --- v2: magnesium-wasting drugs (ODS; each drug's label): monitor ------------------
    Drug(
        "tacrolimus",
        _MW,
        ("prograf", "envarsus", "envarsus xr", "astagraf xl"),
        source=label("PROGRAF", "section 6: hypomagnesemia"),
    ),
    Drug(
        "cyclosporine",
        _MW,
        ("neoral", "sandimmune", "gengraf"),
        ("ciclosporin", "ciclosporine", "ciclosporina"),
        source=label("NEORAL", "Warnings: hypomagnesemia"),
    ),
    Drug(
        "cisplatin",
        _MW,
        ("platinol",),
        ("cisplatine", "cisplatino"),
        source=label("CISPLATIN", "section 5: electrolyte disturbances"),
    ),
    Drug(
        "carboplatin",
        _MW,
        ("paraplatin",),
        ("carboplatine", "carboplatino"),
        source=label("PARAPLATIN", "Adverse reactions: electrolytes"),
    ),
    Drug(
        "amphotericin b",
        _MW,
        ("ambisome", "abelcet", "fungizone"),
        ("amphotericin", "amphotericine b"),
        source=label("AMBISOME", "section 6: hypomagnesemia"),
    ),
    Drug(
        "foscarnet",
        _MW,
        ("foscavir",),
        (),
        source=label("FOSCAVIR", "section 5: mineral and electrolyte abnormalities"),
    ),
    Drug(
        "pentamidine",
        _MW,
        ("pentam", "nebupent"),
        (),
        source=label("PENTAM", "Adverse reactions: hypomagnesemia"),
    ),
    Drug(
        "cetuximab",
        _MW,
        ("erbitux",),
        (),
        source=label("ERBITUX", "section 5: hypomagnesemia and electrolyte abnormalities"),
    ),
    Drug(
        "panitumumab",
        _MW,
        ("vectibix",),
        (),
        source=label("VECTIBIX", "section 5: electrolyte depletion"),
    ),
    Drug(
        "gentamicin",
        _MW,
        ("garamycin",),
        ("gentamycin", "gentamicine", "gentamicina"),
        source=label("GENTAMICIN", "Warnings: hypomagnesemia"),
    ),
    Drug(
        "tobramycin",
        _MW,
        ("tobi", "bethkis", "kitabis"),
        ("tobramycine", "tobramicina"),
        source=label("TOBRAMYCIN", "Warnings: electrolyte loss"),
    ),
    Drug(
        "amikacin",
        _MW,
        ("arikayce",),
        ("amikacine", "amikacina"),
        source=label("AMIKACIN", "Adverse reactions: hypomagnesemia"),
    ),
)

# v2: combination products. Each interacting ingredient raises its own finding; the plan's
# separation for the product is the stricter of the ingredients', or the label's own.
_HCTZ = ("hydrochlorothiazide",)
COMBINATIONS: tuple[Combination, ...] = (
    Combination("Triumeq", ("dolutegravir",), ("abacavir", "lamivudine"), ("triumeq pd",)),
    Combination("Dovato", ("dolutegravir",), ("lamivudine",)),
    Combination(
        "Juluca",
        ("dolutegravir", "rilpivirine"),
        (),
        (),
        4,
        6,
        label("JULUCA", "section 7: 4 h before or 6 h after antacids"),
    ),
    Combination("Biktarvy", ("bictegravir",), ("emtricitabine", "tenofovir alafenamide")),
    Combination(
        "Genvoya", ("elvitegravir",), ("cobicistat", "emtricitabine", "tenofovir alafenamide")
    ),
    Combination(
        "Stribild",
        ("elvitegravir",),
        ("cobicistat", "emtricitabine", "tenofovir disoproxil fumarate"),
    ),
    Combination("Complera", ("rilpivirine",), ("emtricitabine", "tenofovir disoproxil")),
    Combination("Odefsey", ("rilpivirine",), ("emtricitabine", "tenofovir alafenamide")),
    Combination("Evotaz", ("atazanavir",), ("cobicistat",)),
    Combination("Zestoretic", _HCTZ, ("lisinopril",)),
    Combination("Prinzide", _HCTZ, ("lisinopril",)),
    Combination("Hyzaar", _HCTZ, ("losartan",)),
    Combination("Diovan HCT", _HCTZ, ("valsartan",)),
    Combination("Benicar HCT", _HCTZ, ("olmesartan",)),
    Combination("Avalide", _HCTZ, ("irbesartan",)),
    Combination("Micardis HCT", _HCTZ, ("telmisartan",)),
    Combination("Exforge HCT", _HCTZ, ("amlodipine", "valsartan")),
    Combination("Tribenzor", _HCTZ, ("olmesartan", "amlodipine")),
    Combination("Ziac", _HCTZ, ("bisoprolol",)),
    Combination("Tenoretic", ("chlorthalidone",), ("atenolol",)),
    Combination("Edarbyclor", ("chlorthalidone",), ("azilsartan",)),
    Combination("Dyazide", ("triamterene", "hydrochlorothiazide")),
    Combination("Maxzide", ("triamterene", "hydrochlorothiazide"), (), ("maxzide-25",)),
    Combination("Aldactazide", ("spironolactone", "hydrochlorothiazide")),
    Combination("Moduretic", ("amiloride", "hydrochlorothiazide")),
    Combination("Zegerid", ("omeprazole",), ("sodium bicarbonate",)),
    Combination("Vimovo", ("esomeprazole",), ("naproxen",)),
)
