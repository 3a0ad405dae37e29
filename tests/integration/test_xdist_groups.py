"""`make test` relies on pytest-xdist's groups to set up costly things once (tests/infra, tests/deployed, and the
modules marked with `xdist_group`); an upgrade of pytest or xdist that quietly drops them fails here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

GROUPED = """
import pytest

pytestmark = pytest.mark.xdist_group("costly")

@pytest.mark.parametrize("n", range(6))
def test_in_the_group(n):
    pass
"""


def test_every_test_of_a_group_runs_on_one_worker(tmp_path: Path) -> None:
    (tmp_path / "test_grouped.py").write_text(GROUPED)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-p", "no:cacheprovider", "-v", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    ran_on = re.findall(r"^\[(gw\d+)\] .*PASSED \S+@costly", result.stdout, flags=re.MULTILINE)
    assert len(ran_on) == 6 and len(set(ran_on)) == 1, result.stdout
