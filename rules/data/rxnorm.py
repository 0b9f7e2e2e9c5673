"""RxNorm codes the knowledge base recognises (CLINICAL.md §5 v2), each row with where it was read.

Two tables:
- `INGREDIENT_CODES`: ingredient (IN) codes, and brand (BN) codes, mapped straight to the
  generic names of `rules.data.drugs`. Each row says the source and RxNorm release it was
  read from; a row that could not be checked against any release says "unverified".
- `rxnorm_products.tsv`: clinical and branded drugs (SCD, SBD) with their RxNorm names. The
  knowledge base reads those names through the same matcher as free text, so a product code
  and its name can never disagree about the drug.

Precise-ingredient codes (PIN, salts) are listed where a source shows them (chlorothiazide
sodium, ethacrynate sodium); others, such as doxycycline hyclate, and multiple-ingredient
(MIN) codes could not be checked against a release here, so they are not listed: such a
code arrives with its display text ("doxycycline hyclate"), which the matcher reads with
salts stripped.
A code in neither table is read through its display text; with no usable text it is
reported as not checked (CLINICAL.md §13), never ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

# Where rows were read. "release" is the RxNorm release the source was built from, as far
# as the source states it.
CPIC = (
    "CPIC drug table (github.com/cpicpgx/cpic-schema drug.sql, commit 97f9e3b, 2018-04-23); "
    "RxNorm release of early 2018"
)
PEDSNET = (
    "PEDSnet codesets (github.com/PEDSnet/Variable-Dictionary drugs/*.csv, commit 009e8ba; "
    "OMOP vocabulary, RxNorm releases 2019-11 to 2023-11 as the file names state)"
)
CLINICAL = "CLINICAL.md §5 and issue 11 (project clinical reference; release not stated)"
UNVERIFIED = (
    "unverified: from the RxNorm ingredient list as remembered, not checked against a "
    "release in this project; confirm before relying on the code"
)
SANDBOX = (
    "CDS Hooks sandbox prescribables (github.com/cds-hooks/sandbox "
    "src/assets/medication-list.js, commit ddcf7c7, 2018-04-20); RxNorm release of early "
    "2018 or before"
)


@dataclass(frozen=True)
class RxNormCode:
    code: str
    tty: str  # IN, PIN, BN, SCD, SBD
    name: str  # the RxNorm name
    generics: tuple[str, ...]  # for IN and BN: the drugs it names; SCD/SBD: read from `name`
    source: str
    verified: bool


def _in(code: str, name: str, source: str, *generics: str) -> RxNormCode:
    return RxNormCode(code, "IN", name, generics or (name,), source, source != UNVERIFIED)


INGREDIENT_CODES: tuple[RxNormCode, ...] = (
    # fluoroquinolones
    _in("2551", "ciprofloxacin", CPIC),
    _in("82122", "levofloxacin", CPIC),
    _in("139462", "moxifloxacin", CPIC),
    _in("7517", "norfloxacin", CPIC),
    _in("7623", "ofloxacin", UNVERIFIED),
    # tetracyclines
    _in("3640", "doxycycline", CLINICAL),
    _in("6980", "minocycline", UNVERIFIED),
    _in("10395", "tetracycline", UNVERIFIED),
    # bisphosphonates
    _in("46041", "alendronate", UNVERIFIED),
    _in("73056", "risedronate", UNVERIFIED),
    _in("115264", "ibandronate", UNVERIFIED),
    # levothyroxine
    _in("10582", "levothyroxine", CLINICAL),
    RxNormCode("224920", "BN", "Synthroid", ("levothyroxine",), UNVERIFIED, False),
    # integrase inhibitors
    _in("1433868", "dolutegravir", CPIC),
    _in("719872", "raltegravir", UNVERIFIED),
    # gabapentin
    _in("25480", "gabapentin", UNVERIFIED),
    # loop and thiazide diuretics
    _in("4603", "furosemide", CPIC),
    _in("1808", "bumetanide", PEDSNET),
    _in("38413", "torsemide", PEDSNET),
    _in("5487", "hydrochlorothiazide", CPIC),
    _in("2409", "chlorthalidone", PEDSNET),
    _in("4109", "ethacrynic acid", PEDSNET),
    _in("2396", "chlorothiazide", PEDSNET),
    RxNormCode("91217", "PIN", "chlorothiazide sodium", ("chlorothiazide",), PEDSNET, True),
    RxNormCode("484314", "PIN", "ethacrynate sodium", ("ethacrynic acid",), PEDSNET, True),
    RxNormCode("4108", "PIN", "ethacrynate sodium", ("ethacrynic acid",), PEDSNET, True),
    _in("6916", "metolazone", UNVERIFIED),
    _in("5764", "indapamide", UNVERIFIED),
    # potassium-sparing diuretics
    _in("9997", "spironolactone", CPIC),
    _in("644", "amiloride", UNVERIFIED),
    _in("10763", "triamterene", UNVERIFIED),
    _in("298869", "eplerenone", UNVERIFIED),
    # proton pump inhibitors
    _in("7646", "omeprazole", CPIC),
    _in("283742", "esomeprazole", CPIC),
    _in("17128", "lansoprazole", CPIC),
    _in("40790", "pantoprazole", CPIC),
    _in("114979", "rabeprazole", CPIC),
    _in("816346", "dexlansoprazole", CPIC),
    # digoxin
    _in("3407", "digoxin", CPIC),
    # absorption reduced (v2)
    _in("711942", "eltrombopag", CPIC),
    _in("68149", "mycophenolate mofetil", PEDSNET),
    _in("7145", "mycophenolic acid", CPIC),
    _in("475342", "dasatinib", PEDSNET),
    _in("343047", "atazanavir", CPIC),
    _in("5521", "hydroxychloroquine", CPIC),
    _in("1102270", "rilpivirine", UNVERIFIED),
    _in("28031", "itraconazole", UNVERIFIED),
    _in("6135", "ketoconazole", UNVERIFIED),
    _in("25037", "cefdinir", UNVERIFIED),
    _in("7975", "penicillamine", UNVERIFIED),
    # magnesium wasting (v2)
    _in("42316", "tacrolimus", CPIC),
    _in("3008", "cyclosporine", CPIC),
    _in("2555", "cisplatin", CPIC),
    _in("40048", "carboplatin", CPIC),
    _in("318341", "cetuximab", CPIC),
    _in("263034", "panitumumab", PEDSNET),
    _in("732", "amphotericin b", UNVERIFIED),
    _in("7994", "pentamidine", UNVERIFIED),
    _in("10627", "tobramycin", UNVERIFIED),
    _in("641", "amikacin", UNVERIFIED),
)


def _load_products() -> tuple[RxNormCode, ...]:
    text = resources.files("rules.data").joinpath("rxnorm_products.tsv").read_text("utf-8")
    rows = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        code, tty, name = line.split("\t")
        rows.append(RxNormCode(code, tty, name, (), SANDBOX, True))
    return tuple(rows)


PRODUCT_CODES: tuple[RxNormCode, ...] = _load_products()
