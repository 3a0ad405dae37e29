"""The templates pass cfn-lint and cdk-nag's AwsSolutions checks; every suppression says why."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from tests.infra.conftest import Synthesized

# W3005 (a DependsOn that a GetAtt already implies) is how CDK orders a function after its role's policy.
ALLOWED_LINT = {"W3005"}


def test_every_template_passes_cfn_lint(synthesized: Synthesized) -> None:
    templates = sorted(str(p) for p in synthesized.outdir.glob("*.template.json"))
    assert len(templates) == 8
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(cfn_lint), "--format", "json", *templates], capture_output=True, text=True, timeout=240)
    findings = json.loads(result.stdout or "[]")

    assert [f for f in findings if f["Rule"]["Id"] not in ALLOWED_LINT] == []
    assert result.returncode in (0, 4), result.stderr  # 4: warnings only, and those are the allowed ones


def test_cdk_nag_finds_nothing_unsuppressed(synthesized: Synthesized) -> None:
    reports = sorted(synthesized.outdir.glob("AwsSolutions-*-NagReport.csv"))
    assert len(reports) == 8
    for report in reports:
        with report.open() as lines:
            rows = list(csv.DictReader(lines))
        failing = [(r["Rule ID"], r["Resource ID"]) for r in rows if r["Compliance"] in ("Non-Compliant", "Error")]
        assert failing == [], report.name


def test_every_suppression_says_why(synthesized: Synthesized) -> None:
    suppressions = []
    for template in synthesized.templates.values():
        for resource in template["Resources"].values():
            suppressions += resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    assert suppressions
    for suppression in suppressions:
        assert len(suppression["reason"].split()) >= 6, suppression
