"""The local engine: a row per patient, every unusable line reported, one result however run."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import pytest

from service import cli
from service.screening import ScreenOptions, local, screen
from service.screening.results import read_parquet_rows, read_rows
from tests.screening.synthetic import patient_resources, scenario_resources, write_export

TODAY = date(2026, 12, 1)
NO_PATIENT = "no Patient resource with this id: only other resources refer to it"
NO_AGE = "the record cannot be evaluated: age: Missing data for required field."


def line(resource) -> str:
    return json.dumps(resource) + "\n"


def egfr(pid: str, code: str = "98979-8") -> dict:
    return {
        "resourceType": "Observation",
        "id": f"egfr-{pid}",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": f"Patient/{pid}"},
        "valueQuantity": {"value": 50, "unit": "mL/min/{1.73_m2}"},
    }


@pytest.fixture
def broken_export(tmp_path) -> Path:
    """20 synthetic patients, the scenario patients, and a file and a gzip file of trouble."""
    export = write_export(tmp_path / "export", 20, seed=3, extra=list(scenario_resources()))
    twin = next(patient_resources(1, seed=3)) | {"gender": "other"}  # conflicts with p3-0000001
    (export / "Extra.ndjson").write_text(
        line(egfr("ghost"))  # 1: a patient known only from an Observation
        + "{not json\n"  # 2
        + "\n"  # 3: blank, skipped
        + line(egfr("x") | {"subject": None})  # 4: no subject
        + line(twin)  # 5
        + line({"resourceType": "Patient", "id": "nobirth", "gender": "female"})  # 6
        + line({"resourceType": "Patient"}),  # 7
        encoding="utf-8",
    )
    with gzip.open(export / "More.ndjson.gz", "wt", encoding="utf-8") as stream:
        stream.write(line(egfr("nobirth")) + "[]\n" + line(egfr("ghost", "8867-4")))
    (export / "manifest.json").write_text("{}")
    return export


def run(export: Path, out: Path, **options) -> dict:
    return screen(ScreenOptions(str(export), out, TODAY, **({"processes": 1} | options)))


def test_every_patient_is_a_row_and_every_bad_line_is_reported(broken_export, tmp_path):
    summary = run(broken_export, tmp_path / "out")
    rows = {r["patient_id"]: r for r in read_rows(tmp_path / "out")}
    expected_ids = {f"p3-{i:07d}" for i in range(20)} | {
        "pv-older-woman",
        "os-sciatica-man",
        "ghost",
        "nobirth",
    }
    assert set(rows) == expected_ids
    reasons = {pid: r["reason"] for pid, r in rows.items() if r["status"] == "not_evaluated"}
    assert reasons["ghost"] == NO_PATIENT
    assert reasons["nobirth"] == NO_AGE
    assert reasons["p3-0000001"] == "2 different Patient resources with this id"
    assert rows["ghost"]["disposition"] is None and rows["ghost"]["finding_codes"] == []

    rejected = [
        json.loads(x) for x in (tmp_path / "out" / "rejected.jsonl").read_text().splitlines()
    ]
    assert rejected == [
        {"file": "Extra.ndjson", "line": 2, "reason": "not valid JSON"},
        {
            "file": "Extra.ndjson",
            "line": 4,
            "reason": "Observation without a Patient reference in subject or patient",
        },
        {"file": "Extra.ndjson", "line": 7, "reason": "Patient without a valid id"},
        {"file": "More.ndjson.gz", "line": 2, "reason": "not a FHIR resource (no resourceType)"},
    ]
    source = summary["input"]
    assert source["rejected_lines"] == 4 and source["rejected_examples"] == rejected
    assert source["files_not_read"] == ["manifest.json"]
    assert "Encounter" in source["resources_not_read"]

    patients = summary["patients"]
    assert patients["total"] == len(rows) == 24
    assert patients["not_evaluated"] == len(reasons)
    assert sum(patients["by_disposition"].values()) == patients["evaluated"]
    assert sum(patients["not_evaluated_by_reason"].values()) == len(reasons)
    by_finding: dict[str, int] = {}
    for row in rows.values():
        for code in set(row["finding_codes"]):
            by_finding[code] = by_finding.get(code, 0) + 1
    assert patients["by_finding"] == dict(
        sorted(by_finding.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def test_parquet_holds_the_same_rows_as_json_lines(broken_export, tmp_path):
    run(broken_export, tmp_path / "out")
    assert read_parquet_rows(tmp_path / "out") == read_rows(tmp_path / "out")


def test_two_processes_and_split_files_give_the_same_result(broken_export, tmp_path, monkeypatch):
    one = run(broken_export, tmp_path / "one")
    two = run(broken_export, tmp_path / "two", processes=2)
    monkeypatch.setattr(local, "CHUNK_BYTES", 2048)  # many ranges per file (in-process run)
    chunked = run(broken_export, tmp_path / "chunked")
    assert two["run"]["processes"] == 2
    for other in (two, chunked):
        assert {k: v for k, v in other.items() if k != "run"} == {
            k: v for k, v in one.items() if k != "run"
        }
    for name in ("two", "chunked"):
        assert read_rows(tmp_path / name) == read_rows(tmp_path / "one")
        assert (tmp_path / name / "rejected.jsonl").read_text() == (
            tmp_path / "one" / "rejected.jsonl"
        ).read_text()


def test_a_damaged_gzip_file_is_reported_where_it_breaks(tmp_path):
    export = write_export(tmp_path / "export", 0, extra=list(scenario_resources()))
    body = gzip.compress((line(egfr("pv-older-woman")) * 2000).encode())
    (export / "Cut.ndjson.gz").write_bytes(body[: len(body) // 2])
    summary = run(export, tmp_path / "out")
    (damaged,) = summary["input"]["rejected_examples"]
    assert damaged["file"] == "Cut.ndjson.gz" and damaged["reason"] == local.DAMAGED_GZIP
    assert 1 < damaged["line"] <= 2000
    assert summary["patients"]["evaluated"] == 2


def test_the_command_line(tmp_path, capsys):
    clean = write_export(tmp_path / "clean", 0, extra=list(scenario_resources()))
    args = [
        "screen",
        str(clean),
        "--out",
        str(tmp_path / "out"),
        "--processes",
        "1",
        "--as-of",
        "2026-12-01",
        "--progress",
    ]
    assert cli.main(args) == 0
    err = capsys.readouterr().err
    assert "2 patients: 2 evaluated, 0 not evaluated" in err and "evaluating" in err
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["as_of"] == "2026-12-01"
    (clean / "Bad.ndjson").write_text("{\n")
    assert cli.main(args) == 1  # complete, but a line could not be used
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["screen", str(empty), "--out", str(tmp_path / "o"), "--processes", "1"]) == 1
    assert "no patients found" in capsys.readouterr().err
    for wrong in (
        ["screen", str(tmp_path / "missing"), "--out", str(tmp_path / "o")],
        ["screen", str(clean), "--out", str(tmp_path / "o"), "--master", "local[2]"],
        ["screen", str(clean), "--out", str(tmp_path / "o"), "--processes", "0"],
    ):
        with pytest.raises(SystemExit) as usage:
            cli.main(wrong)
        assert usage.value.code == 2


EXTERNAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "external"


@pytest.mark.skipif(not EXTERNAL.is_dir(), reason=f"{EXTERNAL} is absent (the shared fixtures)")
def test_a_synthea_patient_written_as_a_bulk_export(tmp_path):
    bundle = json.loads((EXTERNAL / "synthea-sample-patient-excerpt.json").read_text())
    export = tmp_path / "export"
    export.mkdir()
    for entry in bundle["entry"]:  # Synthea refers to the patient as urn:uuid:<id>
        resource = entry["resource"]
        with open(export / f"{resource['resourceType']}.ndjson", "a", encoding="utf-8") as f:
            f.write(line(resource))
    summary = run(export, tmp_path / "out")
    (row,) = read_rows(tmp_path / "out")
    assert row["patient_id"] == "d5582579-7193-4866-5560-a01e723b6552"
    # An older adult with no kidney function on record: caution, as the knowledge base says.
    assert (row["status"], row["disposition"]) == ("evaluated", "caution")
    assert row["finding_codes"] == ["kidney.unknown_older_adult"]
    assert summary["input"]["resources_read"] == {"Condition": 1, "Patient": 1}


@pytest.mark.parametrize(
    ("size", "processes", "partitions"),
    (
        (1_000_000, 2, 8),  # small: enough tasks to keep every worker busy
        (16 * 1024 * 1024 * 100, 2, 100),  # 1.6 GB: 16 MB a partition
        (16 * 1024 * 1024 * 100 + 1, 2, 101),
        (10**13, 2, 512),  # capped: the split tasks keep this many files open
    ),
)
def test_partitions_grow_with_the_export(size, processes, partitions):
    assert local.partitions_for(size, processes) == partitions


def test_a_patient_lands_in_the_same_partition_in_every_process():
    # Pinned: str hash() differs between processes (PYTHONHASHSEED); crc32 does not.
    assert [local.partition_of("p3-0000001", n) for n in (1, 7, 512)] == [0, 3, 511]


def test_a_medication_by_reference_is_read_from_the_exported_medication(tmp_path):
    export = write_export(tmp_path / "export", 0)
    person = {"resourceType": "Patient", "id": "m1", "birthDate": "1950-01-01", "gender": "male"}

    def request(rid: str, target: str) -> dict:
        return {
            "resourceType": "MedicationRequest",
            "id": rid,
            "status": "active",
            "intent": "order",
            "subject": {"reference": "Patient/m1"},
            "medicationReference": {"reference": target},
        }

    (export / "Extra.ndjson").write_text(
        line(person)
        + line(request("r1", "Medication/furo"))
        + line(request("r2", "Medication/gone"))
        + line(
            {
                "resourceType": "Medication",
                "id": "furo",
                "code": {
                    "coding": [
                        {
                            "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                            "code": "4603",
                            "display": "Furosemide 40 MG Oral Tablet",
                        }
                    ]
                },
            }
        )
        + line({"resourceType": "Medication", "code": {"text": "no id"}}),
        encoding="utf-8",
    )
    summary = run(export, tmp_path / "out")
    (row,) = read_rows(tmp_path / "out")
    assert "interaction.loop_thiazide_diuretic" in row["finding_codes"]
    assert row["not_checked"] == [
        {
            "kind": "resource",
            "item": "MedicationRequest/r2",
            "reason": "medication reference Medication/gone could not be resolved and has no "
            "display: interactions with it were not checked",
        }
    ]
    assert summary["input"]["rejected_examples"] == [
        {"file": "Extra.ndjson", "line": 5, "reason": "Medication without a valid id"}
    ]
    assert summary["input"]["resources_read"]["Medication"] == 12 + 1  # the formulary, furo
