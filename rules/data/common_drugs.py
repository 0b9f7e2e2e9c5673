"""Common drugs with no magnesium interaction in CLINICAL.md §5 (CLINICAL.md §13 coverage).

A medication that matches an interaction class is checked by that class; one that matches
this list is checked and needs nothing; anything else raises `medication.not_recognized`
("interactions with ‹text› were not checked").

Source: ClinCalc DrugStats Database, The Top 300 of 2022 (Kane SP; from the Medical
Expenditure Panel Survey 2022), the first 200 by prescriptions, generic names and their
usual US brands, transcribed by hand (the page could not be fetched here; a reviewer
checks it against clincalc.com/DrugStats/Top300Drugs.aspx).

Left out on purpose, so they are reported as not checked rather than passed: every drug
of §5. Some listed drugs' US labels mention magnesium or aluminium antacids though §5 has
no row for them (rosuvastatin: antacid 2 h after; fexofenadine, azithromycin,
nitrofurantoin, iron salts: lower absorption; naproxen: delayed absorption): they are
listed as §13 defines the list (common, no §5 interaction), and named here for a
clinical reviewer, who may add a §5 row.
"""

from rules.model import Source

COMMON_DRUGS_SOURCE = Source(
    key="CLINCALC-2022",
    title="ClinCalc DrugStats Database: The Top 300 of 2022 (MEPS 2022)",
    locator="top 200 by prescriptions; drugs of CLINICAL.md §5 and antacid-labelled drugs excluded",
    url="https://clincalc.com/DrugStats/Top300Drugs.aspx",
)

# Generic names (one or more words, as normalised text reads them).
GENERICS: frozenset[str] = frozenset(
    """
    atorvastatin metformin lisinopril amlodipine metoprolol albuterol losartan sertraline
    escitalopram amphetamine dextroamphetamine bupropion fluoxetine semaglutide montelukast
    trazodone simvastatin amoxicillin tamsulosin hydrocodone acetaminophen paracetamol
    fluticasone meloxicam apixaban insulin glargine duloxetine ibuprofen famotidine
    empagliflozin carvedilol tramadol alprazolam prednisone hydroxyzine buspirone clopidogrel
    glipizide citalopram allopurinol aspirin cyclobenzaprine ergocalciferol oxycodone
    methylphenidate venlafaxine ondansetron zolpidem cetirizine estradiol pravastatin
    lamotrigine quetiapine salmeterol clonazepam dulaglutide latanoprost cholecalciferol
    propranolol ezetimibe topiramate paroxetine diclofenac atenolol lorazepam aspart
    lispro degludec detemir glimepiride pregabalin sitagliptin rivaroxaban budesonide
    formoterol tizanidine valsartan clonidine mirtazapine finasteride aripiprazole lovastatin
    levetiracetam cephalexin methotrexate sumatriptan oxybutynin dapagliflozin diltiazem
    fenofibrate amitriptyline valacyclovir metronidazole hydralazine donepezil tirzepatide
    liraglutide warfarin nifedipine triamcinolone benzonatate prednisolone mometasone baclofen
    methocarbamol ropinirole risperidone olmesartan irbesartan telmisartan candesartan
    benazepril ramipril enalapril quinapril nebivolol bisoprolol labetalol verapamil
    isosorbide nitroglycerin guanfacine lisdexamfetamine atomoxetine desvenlafaxine
    vortioxetine nortriptyline doxepin temazepam diazepam oxcarbazepine divalproex valproate
    carbamazepine lithium olanzapine ziprasidone lurasidone memantine pramipexole tolterodine
    mirabegron solifenacin tadalafil sildenafil dutasteride levocetirizine loratadine
    azelastine ipratropium tiotropium beclomethasone mupirocin clindamycin sulfamethoxazole
    trimethoprim clavulanate cefuroxime penicillin acyclovir oseltamivir fluconazole
    terbinafine nystatin metoclopramide promethazine meclizine dicyclomine hyoscyamine
    docusate senna sennosides bisacodyl loperamide ursodiol mesalamine colchicine febuxostat
    calcitriol cyanocobalamin pioglitazone glyburide linagliptin canagliflozin testosterone
    medroxyprogesterone norethindrone levonorgestrel progesterone raloxifene methimazole
    liothyronine methylprednisolone hydrocortisone clobetasol ketorolac celecoxib nabumetone
    etodolac indomethacin morphine buprenorphine naloxone naltrexone varenicline timolol
    brimonidine dorzolamide carbidopa levodopa amantadine rizatriptan diphenhydramine
    melatonin azathioprine enoxaparin heparin ticagrelor cilostazol ranolazine amiodarone
    sacubitril icosapent colesevelam gemfibrozil rosiglitazone phentermine tretinoin
    ethinyl drospirenone norgestimate emtricitabine tenofovir lamivudine abacavir
    ivermectin prochlorperazine dexmethylphenidate clonidine hydromorphone tapentadol
    insulin naproxen rosuvastatin fexofenadine azithromycin nitrofurantoin dexamethasone
    lidocaine carisoprodol metaxalone orphenadrine capsaicin glucosamine multivitamin
    multivitamins calcium
    """.split()
) | frozenset(
    (
        "potassium chloride",
        "polyethylene glycol",
        "folic acid",
        "vitamin d",
        "vitamin d3",
        "vitamin b12",
        "fish oil",
        "omega 3",
        "conjugated estrogens",
        "isosorbide mononitrate",
        "ferrous sulfate",
        "calcium carbonate",
        "calcium citrate",
        "prenatal vitamin",
        "prenatal vitamins",
    )
)

BRANDS: frozenset[str] = frozenset(
    """
    lipitor glucophage zestril prinivil norvasc lopressor toprol ventolin proair proventil
    cozaar zoloft lexapro adderall wellbutrin prozac ozempic wegovy rybelsus singulair
    desyrel zocor amoxil flomax norco vicodin flonase mobic eliquis lantus basaglar toujeo
    cymbalta advil motrin pepcid jardiance coreg ultram xanax atarax vistaril buspar plavix
    glucotrol celexa zyloprim flexeril effexor zofran ambien zyrtec estrace lamictal
    seroquel advair klonopin trulicity xalatan inderal zetia topamax paxil voltaren tenormin
    ativan novolog humalog tresiba levemir amaryl lyrica januvia xarelto symbicort zanaflex
    diovan catapres remeron proscar abilify keppra keflex imitrex ditropan farxiga cardizem
    tricor elavil valtrex flagyl aricept mounjaro victoza coumadin jantoven procardia
    kenalog tessalon medrol nasonex lioresal robaxin requip risperdal benicar avapro micardis
    atacand lotensin altace vasotec accupril bystolic zebeta trandate calan imdur nitrostat
    intuniv vyvanse strattera pristiq trintellix pamelor restoril valium trileptal depakote
    tegretol lithobid zyprexa geodon latuda namenda mirapex detrol myrbetriq vesicare cialis
    viagra avodart xyzal claritin astelin atrovent spiriva qvar bactroban cleocin bactrim
    augmentin ceftin acyclovir tamiflu diflucan lamisil reglan phenergan antivert bentyl
    levsin colace miralax senokot dulcolax imodium actigall lialda asacol colcrys uloric
    rocaltrol actos tradjenta invokana androgel provera premarin evista tapazole cytomel
    deltasone orapred cortef toradol celebrex relafen indocin suboxone narcan chantix
    timoptic alphagan trusopt sinemet tylenol benadryl imuran lovenox brilinta pletal
    ranexa entresto vascepa welchol lopid glucovance janumet synjardy xigduo tylenol
    crestor allegra zithromax macrobid aleve naprosyn anaprox lidoderm soma skelaxin
    norflex centrum
    """.split()
)

COMMON_NAMES: frozenset[str] = GENERICS | BRANDS
