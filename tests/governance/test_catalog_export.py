"""The catalog as an artifact: readable conditions and scenario ids, and a FHIR R4 export."""

from __future__ import annotations

import base64
import json

from fhir.resources.R4B import get_fhir_model_class

from rules import ALL_RULES, VERSION, default_knowledge_base
from service.cli import main
from service.governance.fhir_export import export

FIRES_IN = {  # a few rules and the scenarios (rules/data/scenarios.jsonl) they fire in
    "kidney-severe": ["s19-older-woman-egfr-24"],
    "kidney-moderate": [
        "s15-toxic-serum",
        "s20-moderate-kidney",
        "s38-toxicity-kidney",
        "s43-egfr-from-creatinine",
    ],
    "kidney-egfr-estimated": ["s43-egfr-from-creatinine"],
    "interaction-absorption-reduced": ["s50-absorption-reduced"],
    "interaction-tetracycline": [
        "s29-interactions-antibiotics-bone-thyroid-hiv",
        "s34-sciatica-man-doxycycline",
    ],
    "red-flag-cauda-equina": ["s02-cauda-equina"],
}


def test_knowledge_base_endpoint_gives_conditions_and_scenarios(client):
    body = client.get("/v1/knowledge-base").get_json()
    rules = {r["id"]: r for r in body["rules"]}
    assert len(rules) == len(ALL_RULES) >= 43
    severe = rules["kidney-severe"]
    assert severe["condition"] == (
        "egfr_known = true and dialysis = false and egfr ≥ 15 and egfr < 30"
    )
    assert severe["fact_kind"] == "profile" and len(severe["fingerprint"]) == 64
    assert rules["interaction-fluoroquinolone"]["condition"] == 'drug_class = "fluoroquinolone"'
    for rule_id, ids in FIRES_IN.items():
        assert rules[rule_id]["scenarios"] == ids, rule_id


def test_every_rule_is_exercised_by_a_scenario(client):
    body = client.get("/v1/knowledge-base").get_json()
    assert [r["id"] for r in body["rules"] if not r["scenarios"]] == []


def _parse(resource: dict):
    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def test_the_fhir_export_parses_with_the_r4_models():
    bundle = export(default_knowledge_base())
    parsed = _parse(bundle)
    assert parsed.type == "collection"
    resources = [e["resource"] for e in bundle["entry"]]
    kinds = [r["resourceType"] for r in resources]
    assert kinds == ["Library"] + ["PlanDefinition"] * len(ALL_RULES)
    for resource in resources:
        _parse(resource)
    library = resources[0]
    assert library["version"] == VERSION and library["status"] == "active"
    assert len(library["relatedArtifact"]) == len(ALL_RULES)
    table = json.loads(base64.b64decode(library["content"][0]["data"]))
    assert table["rules"]["kidney-severe"]["version"] == "2.0.0"  # changed in 2026.12.0
    assert table["rules"]["red-flag-vascular"]["version"] == "1.0.0"  # unchanged


def test_a_plan_definition_per_rule_with_version_and_citations():
    bundle = export(default_knowledge_base())
    plans = {e["resource"]["id"]: e["resource"] for e in bundle["entry"][1:]}
    severe = plans["kidney-severe"]
    assert severe["version"] == "2.0.0"
    assert severe["url"] == "https://magnesium-cds.example/fhir/PlanDefinition/kidney-severe"
    assert severe["library"] == [
        f"https://magnesium-cds.example/fhir/Library/magnesium-cds-knowledge-base|{VERSION}"
    ]
    assert [(a["type"], a["label"]) for a in severe["relatedArtifact"]] == [
        ("citation", "SmPC"),
        ("citation", "ART"),
        ("citation", "IOM97"),
    ]
    assert severe["relatedArtifact"][0]["citation"].endswith(
        "section 4.3: contraindicated below 30 mL/min"
    )
    (action,) = severe["action"]
    assert action["code"][0]["coding"][0]["code"] == "kidney.severe"
    expression = action["condition"][0]["expression"]
    assert json.loads(expression["expression"]) == {
        "$and": [
            {"egfr_known": True},
            {"dialysis": False},
            {"$gte": {"egfr": 15}},
            {"$lt": {"egfr": 30}},
        ]
    }
    assert plans["red-flag-cauda-equina"]["action"][0]["priority"] == "stat"


def test_the_cli_writes_the_resources(tmp_path, capsys):
    assert main(["kb", "export", "--fhir", str(tmp_path / "fhir")]) == 0
    files = sorted(p.name for p in (tmp_path / "fhir").iterdir())
    assert len(files) == len(ALL_RULES) + 2
    assert "PlanDefinition-kidney-severe.json" in files and "Bundle-knowledge-base.json" in files
    library = tmp_path / "fhir" / "Library-magnesium-cds-knowledge-base.json"
    _parse(json.loads(library.read_text()))


def test_the_cli_checks_versions(capsys):
    assert main(["kb", "versions"]) == 0
    assert capsys.readouterr().out == (
        f"{len(ALL_RULES)} rules match versions.json (knowledge base {VERSION})\n"
    )


def test_writing_versions_for_unchanged_rules_rewrites_the_same_table(capsys):
    from rules.governance.fingerprint import TABLE_PATH

    before = TABLE_PATH.read_bytes()
    assert main(["kb", "versions", "--write"]) == 0
    assert TABLE_PATH.read_bytes() == before


def test_every_scenario_evaluates():
    from service.governance.catalog import scenarios
    from service.schemas import PROFILE_SCHEMA

    kb = default_knowledge_base()
    ids = [s["id"] for s in scenarios()]
    assert len(ids) == len(set(ids)) == 54
    for scenario in scenarios():
        kb.evaluate(PROFILE_SCHEMA.load(scenario["profile"]))  # raises on a broken scenario
