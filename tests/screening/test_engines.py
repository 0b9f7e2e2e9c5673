"""The local and Spark engines give the same rows and summary for a 1,000-patient export.

Spark needs PySpark (`pip install -e '.[spark]'`) and Java 17+; without them the test is
skipped with the reason (`.ci/run` installs both and says so loudly when it cannot).
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import shutil
from datetime import date

import pytest

from service.screening import ScreenOptions, screen
from service.screening.results import read_parquet_rows, read_rows
from tests.screening.synthetic import scenario_resources, write_export

TODAY = date(2026, 12, 1)
PATIENTS = 1000


def spark_missing() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "PySpark is not installed (pip install -e '.[spark]')"
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        return "no Java runtime for Spark (apt-get install default-jre-headless)"
    return None


def without_run(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k != "run"}


@pytest.mark.slow
@pytest.mark.skipif(spark_missing() is not None, reason=str(spark_missing()))
def test_local_and_spark_engines_agree(tmp_path):
    export = write_export(
        tmp_path / "export", PATIENTS, seed=11, files_per_type=2, extra=list(scenario_resources())
    )
    with gzip.open(export / "Observation.003.ndjson.gz", "wt", encoding="utf-8") as stream:
        stream.write(
            "{broken\n" + json.dumps({"resourceType": "Condition", "id": "c"}) + "\n\n[]\n"
        )
    with open(export / "Patient.001.ndjson", "a", encoding="utf-8") as stream:
        stream.write("not json either\n")

    local = screen(ScreenOptions(str(export), tmp_path / "local", TODAY, processes=2))
    spark = screen(
        ScreenOptions(str(export), tmp_path / "spark", TODAY, engine="spark", master="local[2]")
    )

    assert spark["run"]["engine"] == "spark"
    assert local["patients"]["total"] == PATIENTS + 2
    assert local["input"]["rejected_lines"] == 4
    assert without_run(spark) == without_run(local)
    local_rows = read_rows(tmp_path / "local")
    assert read_rows(tmp_path / "spark") == local_rows
    assert read_parquet_rows(tmp_path / "spark") == read_parquet_rows(tmp_path / "local")
    assert (tmp_path / "spark" / "rejected.jsonl").read_text() == (
        tmp_path / "local" / "rejected.jsonl"
    ).read_text()
