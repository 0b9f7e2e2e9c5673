"""Drug terminology: normalise medication text, find drug names in it, look up RxNorm codes.

CLINICAL.md §5 and §13: free text is normalised first (Unicode NFKC, look-alike letters
folded, accents dropped, case folded, strengths split off), then brand, generic,
international and combination names are found as whole words, longest first. A word of six
letters or more that names nothing is compared with the known names by edit distance
(rapidfuzz ratio 90 or more): such a match is reported as "matched by approximate spelling:
confirm". Every lookup is cached per distinct text, so a repeated medication costs a dict
lookup.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from confusable_homoglyphs import confusables
from rapidfuzz import fuzz, process

from rules.data.common_drugs import COMMON_NAMES
from rules.data.drugs import COMBINATIONS, DRUGS, Combination, Drug
from rules.data.non_drug_words import INDICATION_WORD, NON_DRUG_WORDS
from rules.data.normalisation import IGNORED_WORDS
from rules.data.rxnorm import INGREDIENT_CODES, PRODUCT_CODES, RxNormCode

# CLINICAL.md §13: names of six letters or more, ratio 90 or more.
FUZZY_MIN_LENGTH = 6
FUZZY_MIN_RATIO = 90.0
APPROXIMATE_NOTE = "matched by approximate spelling: confirm"


@dataclass(frozen=True)
class NameMatch:
    """One interacting drug found in a text."""

    drug: Drug
    term: str  # the name found, as normalised ("cipro", "diovan hct")
    product: Combination | None = None  # the combination product it came from
    approximate: bool = False  # found by approximate spelling: the reader must confirm


@dataclass(frozen=True)
class TextReading:
    """What a medication text says, as far as the tables know."""

    normalised: str
    drugs: tuple[NameMatch, ...]  # interacting drugs, in the order found
    common: bool  # names a common drug with no magnesium interaction (§13 list)

    @property
    def recognised(self) -> bool:
        return bool(self.drugs) or self.common


# --- normalisation ------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _fold_char(ch: str) -> str:
    """Return the Latin letter a look-alike stands for (Cyrillic "о" → "o"), else `ch`."""
    found = confusables.is_confusable(ch, greedy=True, preferred_aliases=["latin"])
    if found:
        for glyph in found[0]["homoglyphs"]:
            if glyph["c"].isascii():
                return str(glyph["c"])
    return ch


_MICRO = re.compile("[\u00b5\u03bc](?=[gGlL])")
_DIGIT_LETTER = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """NFKC, look-alike letters folded to Latin, accents dropped, case folded."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        # Invisible format characters (zero-width space, soft hyphen) split no word.
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
        text = _MICRO.sub("mc", text)  # "50 µg" is 50 mcg, never "50 g"
        text = "".join(_fold_char(ch) if not ch.isascii() else ch for ch in text)
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return text.casefold()


def normalise(text: str) -> str:
    """Return `text` as the matcher reads it: folded words and numbers, single spaces."""
    folded = _DIGIT_LETTER.sub(" ", fold(text))
    return " ".join(_NOT_WORD.sub(" ", folded).split())


# --- the vocabulary -----------------------------------------------------------------------

_Entry = tuple[tuple[Drug, ...], Combination | None]


def _vocabulary() -> dict[str, _Entry]:
    by_generic = {d.generic: d for d in DRUGS}
    vocab: dict[str, _Entry] = {}
    for drug in DRUGS:
        for name in (drug.generic, *drug.brands, *drug.aliases):
            vocab.setdefault(normalise(name), ((drug,), None))
    for combo in COMBINATIONS:
        drugs = tuple(by_generic[g] for g in combo.ingredients)
        for name in (combo.name, *combo.aliases):
            vocab[normalise(name)] = (drugs, combo)  # a product name beats a brand name
    return vocab


_VOCAB = _vocabulary()
# A combination's other ingredients are, by its row, ones with no magnesium interaction
# ("cobicistat" of Stribild): named by their generics, they are known too.
_OTHER_INGREDIENTS = frozenset(name for combo in COMBINATIONS for name in combo.others)
_COMMON = (
    frozenset(normalise(name) for name in (*COMMON_NAMES, *_OTHER_INGREDIENTS)) - _VOCAB.keys()
)
# The longest phrase starting with each word: most words start none, so most positions
# try one lookup instead of one per phrase length.
_LONGEST_FROM: dict[str, int] = {}
for _key in (*_VOCAB, *_COMMON):
    _first, _length = _key.split()[0], len(_key.split())
    _LONGEST_FROM[_first] = max(_LONGEST_FROM.get(_first, 0), _length)
# Approximate spelling compares single words against single-word names of 6+ letters.
_FUZZY_NAMES = tuple(
    sorted(
        name
        for name in (*_VOCAB, *_COMMON)
        if " " not in name and len(name) >= FUZZY_MIN_LENGTH and name.isalpha()
    )
)


@lru_cache(maxsize=64)
def _fuzzy_candidates(length: int) -> tuple[str, ...]:
    """Names a word of `length` letters can reach ratio 90 with (a fifth of the work).

    ratio = 2·common / (a + b) ≤ 2·min(a, b) / (a + b); at 90 or more the lengths differ by
    at most a tenth of their sum.
    """
    slack = 100 - FUZZY_MIN_RATIO
    return tuple(n for n in _FUZZY_NAMES if abs(len(n) - length) * 100 <= slack * (len(n) + length))


@lru_cache(maxsize=8192)
def read_text(text: str) -> TextReading:
    """Find the interacting and the common drugs named in a medication text (cached)."""
    normalised = normalise(text)
    words = normalised.split()
    found: list[NameMatch] = []
    common = False
    unread: list[str] = []
    i = 0
    while i < len(words):
        longest = min(_LONGEST_FROM.get(words[i], 0), len(words) - i)
        for length in range(longest, 0, -1):
            phrase = " ".join(words[i : i + length])
            entry = _VOCAB.get(phrase)
            if entry is not None:
                drugs, product = entry
                found.extend(NameMatch(d, phrase, product) for d in drugs)
                break
            if phrase in _COMMON:
                common = True
                break
        else:
            unread.append(words[i])
            length = 1
        i += length
    for word in unread:
        if len(word) < FUZZY_MIN_LENGTH or not word.isalpha() or word in IGNORED_WORDS:
            continue
        best = process.extractOne(
            word, _fuzzy_candidates(len(word)), scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_RATIO
        )
        if best is None:
            continue
        name = best[0]
        entry = _VOCAB.get(name)
        if entry is None:
            common = True
            continue
        drugs, product = entry
        found.extend(NameMatch(d, name, product, approximate=True) for d in drugs)
    return TextReading(normalised, _first_per_drug(found), common)


def _first_per_drug(found: list[NameMatch]) -> tuple[NameMatch, ...]:
    """Keep one match per generic: an exact one over an approximate one, else the first."""
    out: dict[str, NameMatch] = {}
    for match in found:
        kept = out.get(match.drug.generic)
        if kept is None or (kept.approximate and not match.approximate):
            out[match.drug.generic] = match
    return tuple(out.values())


def has_readable_name(text: str) -> bool:
    """True when `text` holds a word that could name a drug (not only numbers and units)."""
    return any(
        word.isalpha() and len(word) > 1 and word not in IGNORED_WORDS
        for word in normalise(text).split()
    )


# --- parts of one entry ----------------------------------------------------------------------
# CLINICAL.md §13: an entry is recognised only when every drug it names is. A list entry may
# name several ("metformin 500 mg and tafamidis 61 mg", "fluticasone/umeclidinium/vilanterol"):
# it is read part by part. Hand-written: no library splits medication free text this way.

_BRACKETED = re.compile(r"\[[^\]]*\]")  # RxNorm SBD names end in "[Brand]"
_SEPARATOR = re.compile(r"\s+(?:and|with|plus|&)\s+|[/+,;&]", re.IGNORECASE)
_HYPHENATED = re.compile(r"([^\W\d_]+)-(?=([^\W\d_]+))")
_NON_DRUG = IGNORED_WORDS | NON_DRUG_WORDS


def _is_name(word: str) -> bool:
    key = normalise(word)
    return key in _VOCAB or key in _COMMON


def _split_hyphens(text: str) -> str:
    """Turn "lisinopril-HCTZ" into two parts; leave "Mag-Ox" and "Extended-Release" whole.

    A hyphen separates two drugs when a known name stands on either side of it and the
    hyphenated whole is not itself a known name.
    """

    def cut(m: re.Match[str]) -> str:
        left, right = m.group(1), m.group(2)
        if _is_name(f"{left} {right}") or not (_is_name(left) or _is_name(right)):
            return m.group(0)
        return f"{left}/"

    return _HYPHENATED.sub(cut, text)


def _names_a_drug(part: str) -> bool:
    """True when a part holds a word that could name a drug (before any indication)."""
    for word in normalise(part).split():
        if word == INDICATION_WORD:
            return False
        if word.isalpha() and len(word) > 2 and word not in _NON_DRUG:
            return True
    return False


@lru_cache(maxsize=8192)
def drug_parts(text: str) -> tuple[str, ...]:
    """Return the parts of a medication entry that could each name a drug, as written.

    Parts are cut at " and ", " with ", " plus ", "/", "+", ",", ";", "&" and a hyphen between
    two names; parts of dose, form, route, frequency or indication words only are dropped.
    A bracketed brand ("[Flovent]") is dropped when the rest names a drug.
    """
    text = unicodedata.normalize("NFKC", text)
    unbracketed = _BRACKETED.sub(" ", text)
    for source in (unbracketed, text):
        parts = tuple(
            " ".join(p.split())
            for p in _SEPARATOR.split(_split_hyphens(source))
            if _names_a_drug(p)
        )
        if parts:
            return parts
    return ()


# --- RxNorm -------------------------------------------------------------------------------

_BY_CODE: dict[str, RxNormCode] = {c.code: c for c in (*PRODUCT_CODES, *INGREDIENT_CODES)}
_DRUG_BY_GENERIC = {d.generic: d for d in DRUGS}


def lookup_rxnorm(code: str | None) -> RxNormCode | None:
    """Return the RxNorm concept the tables hold for `code` (IN, BN, SCD, SBD), or None."""
    if not code:
        return None
    return _BY_CODE.get(code.strip())


@lru_cache(maxsize=4096)
def read_rxnorm(code: str) -> tuple[NameMatch, ...] | None:
    """Return the interacting drugs an RxNorm code names, () for none, None if unknown."""
    concept = lookup_rxnorm(code)
    if concept is None:
        return None
    if concept.generics:  # an ingredient or brand code: the table says which drug
        return tuple(
            NameMatch(_DRUG_BY_GENERIC[g], concept.name.lower())
            for g in concept.generics
            if g in _DRUG_BY_GENERIC
        )
    return read_text(concept.name).drugs  # a product: its RxNorm name says what is in it
