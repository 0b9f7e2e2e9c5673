"""Words the medication matcher reads past: salts, dose forms, strengths, directions (§13).

A medication name arrives as free text ("CIPROFLOXACIN HCL 500MG TAB", "doxycycline hyclate
100 mg", "lisinopril-HCTZ 20-12.5 daily"). Names are looked up as whole words; the words
below carry no drug identity, so they are never matched approximately, and a name made of
nothing else is not a medication the matcher can read. *choice*: the lists are this
project's, from the salts and abbreviations on US labels and prescriptions.
"""

# Salts and hydrates (CLINICAL.md §13: "salts and strengths stripped").
SALT_WORDS: frozenset[str] = frozenset(
    """
    hyclate monohydrate dihydrate trihydrate hemihydrate sesquihydrate anhydrous hydrate
    hydrochloride hcl dihydrochloride hydrobromide hbr sodium disodium potassium calcium
    magnesium mesylate maleate besylate tartrate bitartrate succinate fumarate citrate
    sulfate sulphate phosphate acetate bromide chloride lactate gluconate malate proxetil
    axetil marboxil medoxomil cilexetil valerate propionate dipropionate furoate
    hydrochlorid sodique sodico natrium strontium ethanolate hemiethanolate base
    """.split()
)

# Dose forms, routes, release types, units and directions.
FORM_WORDS: frozenset[str] = frozenset(
    """
    tab tabs tablet tablets cap caps capsule capsules caplet caplets softgel softgels chew
    chews chewable oral po solution suspension susp syrup liquid elixir powder granules
    packet sachet dr er xr xl sr ec ir cr la odt mr hd pd ped delayed extended sustained
    modified immediate release film coated enteric orally disintegrating injection inj
    injectable iv im sc subcut infusion vial cream ointment gel lotion drops drop eye ear
    ophthalmic otic nasal spray inhaler inhalation nebulizer patch topical mg mcg ug g gm
    gram grams ml l meq unit units iu percent tsp tbsp teaspoon teaspoons tablespoon
    tablespoons oz fl daily bid tid qid qd od qhs hs qam qpm prn q4h q6h q8h q12h q24h once
    twice thrice times time a an day days per every each at bedtime morning evening night
    nightly weekly week monthly month hour hours take takes taking with without and or of
    the for to in on as needed by mouth before after meal meals food breakfast lunch dinner
    water one two three four half generic otc rx brand usp 24hr 12hr hr pack kit dose doses
    strength maximum max regular extra plus junior children adult adults sprinkle
    """.split()
)

IGNORED_WORDS: frozenset[str] = SALT_WORDS | FORM_WORDS
