"""The benchmark runs end to end and writes its JSON (a smoke test: speed is never asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_smoke_run_writes_its_table_as_json(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    completed = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--smoke", "--json", str(output)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(output.read_text())
    assert result["mode"] == "smoke"
    assert result["rows"], "no benchmark rows were measured"
    for row in result["rows"]:
        assert row["samples_per_s"]["glassnet"] > 0
        assert {"yardstick", "sklearn"} <= set(row["ratios"])
    assert result["memory"]["ratio"] >= 1.0
    assert result["worked_example"]["us_per_step"]["glassnet_fit"] > 0
    assert "samples/s" in completed.stdout


def test_estimator_benchmark_runs_both_libraries_and_they_agree(tmp_path: Path) -> None:
    """benchmarks/estimators.py on digits, once per library: the two fits agree (no speed is
    asserted)."""
    output = tmp_path / "estimators.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "benchmarks/estimators.py", "--quick", "--repeats", "1"]
    completed = subprocess.run(
        [*command, "--rows", "digits-adam", "--json", str(output)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    (row,) = json.loads(output.read_text())["rows"]
    assert row["glassnet"]["fit"] > 0 and row["sklearn"]["fit"] > 0
    assert row["glassnet"]["n_iter"] == row["sklearn"]["n_iter"]
    assert row["glassnet"]["accuracy"] == row["sklearn"]["accuracy"]
    assert row["max_proba_difference"] < 1e-8
