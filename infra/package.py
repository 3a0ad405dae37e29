"""Builds each Chalice app's Lambda package, with the shared `welt` package put in through vendor/.

Usage: python infra/package.py orders payments   (packages land in build/<app>/package/)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_PACKAGE = REPO / "src" / "welt"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "vendor", "deployments", "deployed")


def stage_app(app: str, workdir: Path) -> Path:
    """A copy of the app with `welt` in its vendor/ directory, ready for `chalice package`."""
    staged = workdir / app / "app"
    if staged.exists():
        shutil.rmtree(staged)
    shutil.copytree(REPO / "functions" / app, staged, ignore=IGNORED)
    shutil.copytree(SHARED_PACKAGE, staged / "vendor" / "welt", ignore=IGNORED)
    return staged


def package_app(app: str, workdir: Path) -> Path:
    """Run `chalice package` on the staged app; returns the deployment zip."""
    staged = stage_app(app, workdir)
    out = workdir / app / "package"
    if out.exists():
        shutil.rmtree(out)
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "eu-west-1")}
    chalice = Path(sys.executable).parent / "chalice"
    subprocess.run([str(chalice), "package", str(out)], cwd=staged, env=env, check=True)  # noqa: S603
    return out / "deployment.zip"


def main(apps: list[str]) -> None:
    for app in apps or ["orders", "payments"]:
        print(package_app(app, REPO / "build"))


if __name__ == "__main__":
    main(sys.argv[1:])
