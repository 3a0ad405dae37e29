"""`chalice package` yields zips that run on their own: the handler imports from the unzipped files alone."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from infra.package import package_app

IMPORT_HANDLER = """
import sys
sys.path[:] = [sys.argv[1]] + [p for p in sys.path if 'site-packages' not in p and p != '']
import app
from chalice import Chalice
assert isinstance(app.app, Chalice), type(app.app)
import welt, pydantic, jwt, aws_lambda_powertools, boto3
for module in (app, welt, pydantic, jwt, aws_lambda_powertools, boto3):
    assert module.__file__.startswith(sys.argv[1]), module.__file__
print(sorted(app.app.routes))
"""


@pytest.mark.slow
@pytest.mark.parametrize("name", ["orders", "payments"])
def test_package_holds_everything_its_handler_imports(name: str, tmp_path: Path) -> None:
    deployment = package_app(name, tmp_path)
    unzipped = tmp_path / "unzipped"
    with zipfile.ZipFile(deployment) as archive:
        names = archive.namelist()
        archive.extractall(unzipped)
    assert "welt/domain/catalog.json" in names
    assert not any(n.startswith("welt_stack/") or n.startswith("tests/") for n in names)
    # -I: isolated (no user site, no PYTHON* variables, no cwd); -S: no site-packages at all.
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", IMPORT_HANDLER, str(unzipped)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "/health" in result.stdout
