"""service/cli.py: `magnesium-cds evaluate` on a profile file or a JSON-lines batch."""

from __future__ import annotations

import json

import pytest

from service.cli import main

GOOD = {"age": 45, "sex": "female", "medications": [{"name": "Cipro 500 mg"}]}


@pytest.fixture(autouse=True)
def audit_in_tmp(tmp_path, monkeypatch):
    """Keep the CLI's audit database out of the instance folder."""
    monkeypatch.setenv("CDS_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")


def test_evaluates_one_profile_file(tmp_path, capsys):
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(GOOD))
    assert main(["evaluate", str(path)]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["disposition"] == "caution"
    assert [f["code"] for f in rec["findings"]] == ["interaction.fluoroquinolone"]
    assert rec["plan"]["max_supplemental_elemental_mg_per_day"] == 350


def test_an_invalid_profile_file_exits_1_naming_the_field(tmp_path, capsys):
    path = tmp_path / "profile.json"
    path.write_text(json.dumps({"age": 45}))
    assert main(["evaluate", str(path)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["error"] == "invalid profile"
    assert "sex" in {e["field"] for e in out["errors"]}


def test_a_batch_reports_every_line_and_never_stops(tmp_path, capsys):
    path = tmp_path / "profiles.jsonl"
    path.write_text(
        json.dumps(GOOD)
        + "\n"
        + '{"age": 45, "sex": \n'  # not JSON
        + "\n"  # blank lines are skipped
        + json.dumps({"age": 45, "sex": "female", "red_flags": ["headache"]})
        + "\n"
        + '{"age": NaN, "sex": "male"}\n'
        + json.dumps({"age": 70, "sex": "male", "red_flags": ["fever"]})
        + "\n"
    )
    assert main(["evaluate", str(path)]) == 1
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["line"] for line in lines] == [1, 2, 4, 5, 6]
    good, not_json, invalid, nan, refer = lines
    assert good["recommendation"]["disposition"] == "caution"
    assert not_json["error"] == "invalid JSON" and "recommendation" not in not_json
    assert invalid["error"] == "invalid profile"
    assert invalid["errors"][0]["field"] == "red_flags"
    assert nan["error"] == "invalid JSON"
    assert refer["recommendation"]["disposition"] == "refer"


def test_a_clean_batch_exits_0(tmp_path, capsys):
    path = tmp_path / "batch.txt"
    path.write_text(json.dumps(GOOD) + "\n" + json.dumps({"age": 9, "sex": "male"}) + "\n")
    assert main(["evaluate", "--lines", str(path)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["recommendation"]["disposition"] for line in lines] == ["caution", "caution"]


def test_a_compound_dose_of_an_unknown_form_is_an_error_line(tmp_path, capsys):
    path = tmp_path / "p.jsonl"
    path.write_text(
        json.dumps(
            {
                "age": 45,
                "sex": "male",
                "magnesium_products": [
                    {"form": "stearate", "dose_mg": 500, "dose_basis": "compound"}
                ],
            }
        )
        + "\n"
    )
    assert main(["evaluate", str(path)]) == 1
    [line] = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert "stearate" in json.dumps(line) and "recommendation" not in line


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
