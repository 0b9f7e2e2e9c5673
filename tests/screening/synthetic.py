"""Synthetic FHIR Bulk Data exports of N patients, built from the CDS Hooks scenario builders.

    .venv/bin/python -m tests.screening.synthetic OUT_DIR --patients 10000 [--gzip]

Patient `i` is drawn from `random.Random(seed * 1_000_003 + i)`, so an export is the same on
every run and any patient can be rebuilt alone. Patients vary in age (children to 95),
sex, eGFR (none, one or two, some as "<15", some in mL/min, CKD stages and dialysis from the
problem list instead), creatinine, serum magnesium (mg/dL or mmol/L, low to toxic),
pregnancy, back pain with or without sciatica or cauda equina syndrome, interacting and
other medications (some stopped; some by reference to the export's Medication resources,
a few to one it lacks), and magnesium products (oxide, citrate, glycinate, milk
of magnesia by the mL, topical, a salt with no known elemental fraction, no dose). A few
patients have no birth date (not evaluable), and each export carries resources of types the
screen does not read (Encounter) and Observations it does not use (heart rate).

The files are named as `$export` names them (`Patient.ndjson`, `Observation.ndjson`, …;
`.ndjson.gz` with `gzip=True`); `files_per_type` splits each type over several files.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from tests.cds_hooks import scenarios
from tests.cds_hooks.scenarios import (
    EGFR_UNIT,
    condition,
    dosage,
    medication_request,
    medication_statement,
    observation,
    patient,
)

MG_DL = {"unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"}
MMOL_L = {"unit": "mmol/L", "system": "http://unitsofmeasure.org", "code": "mmol/L"}
EGFR_CODES = ("98979-8", "62238-1", "33914-3", "88294-4")
# (RxNorm, display) of medications the interaction check knows, and some it need not.
MEDICATIONS = (
    ("4603", "Furosemide 40 MG Oral Tablet"),
    ("1649988", "doxycycline hyclate 100 MG Oral Capsule"),
    ("197511", "ciprofloxacin 500 MG Oral Tablet"),
    ("966247", "Levothyroxine Sodium 0.1 MG Oral Tablet"),
    ("904419", "alendronate 70 MG Oral Tablet"),
    ("1433873", "dolutegravir 50 MG Oral Tablet"),
    ("310429", "hydrochlorothiazide 25 MG Oral Tablet"),
    ("7646", "omeprazole 20 MG Delayed Release Oral Capsule"),
    ("310431", "gabapentin 300 MG Oral Capsule"),
    ("197361", "amlodipine 5 MG Oral Tablet"),
    ("860975", "metformin hydrochloride 500 MG Oral Tablet"),
    ("197806", "ibuprofen 600 MG Oral Tablet"),
)
# (RxNorm or "", display, tablets or mL per dose): magnesium products as charts record them.
MAGNESIUM = (
    ("311486", "Magnesium Oxide 400 MG Oral Tablet", 1),
    ("", "Magnesium Citrate 200 MG Oral Tablet", 1),
    ("", "magnesium glycinate 500 mg capsule", 2),
    ("", "Magnesium (as glycinate) 100 MG Oral Tablet", 1),
    ("", "Milk of Magnesia 400 MG/5ML Oral Suspension", 15),
    ("", "Magnesium chloride topical spray", 1),
    ("", "Magnesium Orotate 500 MG Oral Tablet", 1),  # no known elemental fraction
    ("", "magnesium 250 mg", None),  # no dose: one unit a dose, said in a note
)
CONDITIONS = {
    "low_back_pain": ("279039007", "Low back pain"),
    "sciatica": ("23056005", "Sciatica"),
    "cauda_equina": ("192970008", "Cauda equina syndrome"),
    "ckd4": ("431857002", "Chronic kidney disease stage 4"),
    "dialysis": ("105502003", "Dependence on renal dialysis"),
    "pregnant": ("77386006", "Pregnancy"),
}


def patient_resources(i: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """Every resource of synthetic patient `i`."""
    rng = random.Random(seed * 1_000_003 + i)
    pid = f"p{seed}-{i:07d}"
    age = rng.choice((rng.randint(12, 17), *[rng.randint(18, 95)] * 9))
    sex = rng.choices(("female", "male", "other", "unknown"), (48, 48, 2, 2))[0]
    born = f"{2026 - age - 1}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    person = patient(pid, born, sex)
    roll = rng.random()
    if roll < 0.01:
        del person["birthDate"]  # cannot be evaluated: a row with the reason
    elif roll < 0.03:
        person["birthDate"] = born[:4]  # partial: a note
    yield person

    n = 0

    def next_id(kind: str) -> str:
        nonlocal n
        n += 1
        return f"{pid}-{kind}{n}"

    kidney = rng.random()
    if kidney < 0.75:
        for years_ago in range(rng.choice((1, 1, 2))):
            value = round(rng.choice((rng.uniform(5, 29), *[rng.uniform(30, 120)] * 5)), 1)
            obs = observation(
                next_id("egfr"),
                pid,
                rng.choice(EGFR_CODES),
                "eGFR",
                value,
                EGFR_UNIT,
                f"{2025 - years_ago}-0{rng.randint(1, 9)}-15T09:00:00Z",
            )
            if value < 15 and rng.random() < 0.5:
                del obs["valueQuantity"]
                obs["valueString"] = "<15 mL/min/1.73m2"
            yield obs
    elif kidney < 0.8:
        yield condition(next_id("ckd"), pid, *CONDITIONS[rng.choice(("ckd4", "dialysis"))])
    if rng.random() < 0.3:
        yield observation(
            next_id("creat"),
            pid,
            "2160-0",
            "Creatinine",
            round(rng.uniform(0.5, 4.0), 2),
            MG_DL,
            "2025-06-01T09:00:00Z",
        )
    if rng.random() < 0.25:
        if rng.random() < 0.5:
            yield observation(
                next_id("mg"),
                pid,
                "19123-9",
                "Magnesium",
                round(rng.uniform(1.0, 5.5), 1),
                MG_DL,
                "2025-06-01T09:00:00Z",
            )
        else:
            yield observation(
                next_id("mg"),
                pid,
                "2601-3",
                "Magnesium",
                round(rng.uniform(0.4, 2.3), 2),
                MMOL_L,
                "2025-06-01T09:00:00Z",
            )
    if rng.random() < 0.5:  # a vital sign the screen does not read
        yield observation(
            next_id("hr"),
            pid,
            "8867-4",
            "Heart rate",
            rng.randint(50, 110),
            {"unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"},
            "2025-06-01T09:00:00Z",
        )
    if sex == "female" and 18 <= age <= 45 and rng.random() < 0.1:
        yield condition(next_id("preg"), pid, *CONDITIONS["pregnant"])

    if rng.random() < 0.8:
        yield condition(next_id("lbp"), pid, *CONDITIONS["low_back_pain"])
    if rng.random() < 0.15:
        yield condition(next_id("sci"), pid, *CONDITIONS["sciatica"])
    if rng.random() < 0.01:
        yield condition(next_id("ces"), pid, *CONDITIONS["cauda_equina"])

    for rxnorm, display in rng.sample(MEDICATIONS, rng.choice((0, 0, 1, 1, 2, 3))):
        status = "stopped" if rng.random() < 0.15 else "active"
        request = medication_request(
            next_id("rx"),
            pid,
            rxnorm,
            display,
            status=status,
            dose=dosage(1, rng.choice((1, 1, 2)), "as directed"),
        )
        roll = rng.random()
        if roll < 0.3:  # as many EHRs export them: a reference to the formulary's Medication
            del request["medicationCodeableConcept"]
            missing = roll < 0.01  # a Medication the export does not hold: not checked
            request["medicationReference"] = {
                "reference": "Medication/not-exported" if missing else f"Medication/rx{rxnorm}"
            }
        yield request
    for rxnorm, display, amount in rng.sample(MAGNESIUM, rng.choice((0, 1, 1, 1, 2))):
        per_day = rng.choice((1, 1, 2, 3))
        dose = dosage(amount or 1, per_day, f"{amount} {'mL' if 'ML' in display else 'tablet'}")
        if amount is None:
            dose.pop("doseAndRate")
        elif "ML" in display:
            dose["doseAndRate"] = [
                {
                    "doseQuantity": {
                        "value": amount,
                        "unit": "mL",
                        "system": "http://unitsofmeasure.org",
                        "code": "mL",
                    }
                }
            ]
        yield medication_statement(next_id("mg"), pid, rxnorm or "0", display, dose)

    if rng.random() < 0.5:  # a type the screen does not read
        yield {
            "resourceType": "Encounter",
            "id": next_id("enc"),
            "status": "finished",
            "class": {"code": "AMB"},
            "subject": {"reference": f"Patient/{pid}"},
        }


def formulary() -> list[dict[str, Any]]:
    """The Medication resources the MedicationRequests refer to (Medication.ndjson)."""
    return [
        {
            "resourceType": "Medication",
            "id": f"rx{rxnorm}",
            "code": scenarios.medication(rxnorm, display),
        }
        for rxnorm, display in MEDICATIONS
    ]


def scenario_resources() -> Iterator[dict[str, Any]]:
    """The CDS Hooks scenario patients A and B, resource by resource."""
    for record in (scenarios.scenario_a_resources(), scenarios.scenario_b_resources()):
        for resources in record.values():
            yield from resources


def write_export(
    out: Path,
    patients: int,
    seed: int = 0,
    gzip_files: bool = False,
    files_per_type: int = 1,
    extra: list[dict[str, Any]] | None = None,
) -> Path:
    """Write an export of `patients` synthetic patients (and `extra` resources) to `out`."""
    out.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        files: dict[tuple[str, int], IO[str]] = {}

        def stream(kind: str, i: int) -> IO[str]:
            part = i % files_per_type
            if (kind, part) not in files:
                name = kind + (f".{part + 1:03d}" if files_per_type > 1 else "") + ".ndjson"
                if gzip_files:
                    handle = gzip.open(out / (name + ".gz"), "wt", encoding="utf-8")
                else:
                    handle = open(out / name, "w", encoding="utf-8")
                files[(kind, part)] = stack.enter_context(handle)
            return files[(kind, part)]

        for resource in formulary():
            stream("Medication", 0).write(json.dumps(resource) + "\n")
        for i in range(patients):
            for resource in patient_resources(i, seed):
                stream(resource["resourceType"], i).write(json.dumps(resource) + "\n")
        for i, resource in enumerate(extra or ()):
            stream(resource["resourceType"], i).write(json.dumps(resource) + "\n")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gzip", action="store_true")
    parser.add_argument("--files-per-type", type=int, default=1)
    parser.add_argument(
        "--with-scenarios", action="store_true", help="add the CDS Hooks scenario patients A and B"
    )
    args = parser.parse_args(argv)
    extra = list(scenario_resources()) if args.with_scenarios else None
    write_export(args.out, args.patients, args.seed, args.gzip, args.files_per_type, extra)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
