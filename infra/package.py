"""Builds each function's Lambda package for the Lambda runtime (CPython 3.11 on x86_64), whatever Python runs the build.

The dependencies come from the function's hashed lock (functions/<app>/requirements.txt), installed by uv for the
runtime's Python version and platform from manylinux or pure wheels only (never built here); then the app goes in as
`chalice package` would put it: app.py, Chalice's runtime (chalice/app.py, chalice/__init__.py) and the shared `welt`
package.

Usage: python infra/package.py orders payments   (packages land in build/<app>/package/deployment.zip)
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import chalice
import chalice.app

REPO = Path(__file__).resolve().parents[1]
SHARED_PACKAGE = REPO / "src" / "welt"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")

# The runtime the functions deploy on (infra/functions.py) and the wheels that run there: python3.11 runs on Amazon
# Linux 2 (glibc 2.26), where manylinux2014 wheels (glibc 2.17) run.
PYTHON_VERSION = "3.11"
PYTHON_PLATFORM = "x86_64-manylinux2014"
# Locked (something in the lock needs them) but not put in the package; what only these need stays out too.
LEFT_OUT = {
    # The python3.11 runtime has the AWS SDK; shipping it would be 16 MB of the zip (infra/README.md says why).
    "boto3": "the runtime's",
    "botocore": "the runtime's",
    "s3transfer": "the runtime's",
    # fpdf2 imports Pillow only to embed images; the invoice has none.
    "pillow": "fpdf2 needs it for images only",
}
# What the python3.11 runtime has on its path besides the package: its AWS SDK and what the SDK needs.
RUNTIME_SDK = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
# What the functions never read: bytecode of the build's Python; the C sources some wheels carry beside their compiled
# modules; python-stdnum's data files, which serve number formats other than the EU VAT IDs Welt checks (EU VAT reads
# none); Powertools' Swagger UI, which only its own event handler serves; and stripe-python's request parameter types,
# which it imports for type checkers only. The packaging test checks VAT IDs, Stripe's client and the handler from the
# package itself.
PRUNED = re.compile(
    r"(^|/)__pycache__/|\.(pyc|c|h|pyx|pxd)$"
    r"|^stdnum/.*\.dat$"
    r"|^aws_lambda_powertools/event_handler/openapi/swagger_ui/"
    r"|^stripe/params/"
)


def uv() -> list[str]:
    """The uv command; `make` passes UV (python3 -m uv), anything else finds it on PATH."""
    command = shlex.split(os.environ.get("UV", "")) or ([found] if (found := shutil.which("uv")) else [])
    if not command:
        raise SystemExit("uv is needed to build the packages: python3 -m pip install uv")
    return command


def _lock_entries(lock: str) -> dict[str, tuple[list[str], set[str]]]:
    """Each pinned distribution of a `uv pip compile` lock: its lines (pin and hashes), and who needs it (# via)."""
    entries: dict[str, tuple[list[str], set[str]]] = {}
    lines: list[str] = []
    needed_by: set[str] = set()
    for line in lock.splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            name = re.split(r"[=<>\[ ;]", line, maxsplit=1)[0].lower().replace("_", "-")
            lines, needed_by = [], set()
            entries[name] = (lines, needed_by)
        if not entries:
            continue
        lines.append(line)
        # "# via pydantic", or "# via" then "#   boto3" lines; "-r <file>.in" (asked for by name) is never left out.
        via = re.match(r"\s*#\s+(?:via\s+)?(\S.*)$", line.lower())
        if via and via.group(1) != "via":
            needed_by.add(via.group(1).strip())
    return entries


def left_out(lock: str) -> set[str]:
    """LEFT_OUT, and every locked distribution that nothing but left-out ones needs."""
    entries = _lock_entries(lock)
    out = set(LEFT_OUT) & set(entries)
    while extra := {name for name, (_, needed_by) in entries.items() if name not in out and needed_by and needed_by <= out}:
        out |= extra
    return out


def locked_requirements(app: str, workdir: Path) -> Path:
    """The function's hashed lock without what is left out (what stays is pinned and hashed as locked)."""
    lock = (REPO / "functions" / app / "requirements.txt").read_text()
    out = left_out(lock)
    kept = [line for name, (lines, _) in _lock_entries(lock).items() if name not in out for line in lines]
    requirements = workdir / app / "requirements.txt"
    requirements.parent.mkdir(parents=True, exist_ok=True)
    requirements.write_text("\n".join(kept) + "\n")
    return requirements


def strip_debug_info(site: Path) -> None:
    """Drops the debug sections many wheels leave in their compiled modules: the code is the same, the zip 4 MB smaller."""
    strip = shutil.which("strip")
    if strip is None:
        raise SystemExit("`strip` (GNU binutils) is needed to build the packages: apt-get install binutils")
    modules = [str(path) for path in sorted(site.rglob("*.so"))]
    if modules:
        subprocess.run([strip, "--strip-debug", *modules], check=True)  # noqa: S603


def install_dependencies(app: str, workdir: Path) -> Path:
    """The locked wheels for the Lambda runtime, unpacked into one folder (the package's root)."""
    target = workdir / app / "site"
    if target.exists():
        shutil.rmtree(target)
    requirements = locked_requirements(app, workdir)
    command = [
        *uv(),
        "pip",
        "install",
        "--quiet",
        "--target",
        str(target),
        "--python-version",
        PYTHON_VERSION,
        "--python-platform",
        PYTHON_PLATFORM,
        "--only-binary",
        ":all:",
        "--require-hashes",
        # The lock is complete; LEFT_OUT's packages must not come back as someone's dependency.
        "--no-deps",
        "--no-compile",
        # Copies, not links into uv's cache: stripping a module below must never touch the cache's file (and so
        # every virtual environment that links the same file, including the one running this build).
        "--link-mode",
        "copy",
        "-r",
        str(requirements),
    ]
    subprocess.run(command, check=True)  # noqa: S603
    strip_debug_info(target)
    return target


def runtime_sdk_stand_in(root: Path) -> Path:
    """A folder standing in for the runtime's own path entry, for checks that import a package as Lambda does:
    links to this environment's copies of RUNTIME_SDK."""
    import boto3

    site = Path(boto3.__file__).parents[1]
    runtime = root / "runtime-sdk"
    runtime.mkdir()
    for module in RUNTIME_SDK:
        source = site / module if (site / module).is_dir() else site / f"{module}.py"
        (runtime / source.name).symlink_to(source)
    return runtime


def package_app(app: str, workdir: Path) -> Path:
    """Writes build/<app>/package/deployment.zip; returns its path."""
    site = install_dependencies(app, workdir)
    shutil.copy2(REPO / "functions" / app / "app.py", site / "app.py")
    (site / "chalice").mkdir(exist_ok=True)
    for module, name in ((chalice.app, "app.py"), (chalice, "__init__.py")):
        shutil.copy2(str(module.__file__), site / "chalice" / name)
    shutil.copytree(SHARED_PACKAGE, site / "welt", ignore=IGNORED)
    out = workdir / app / "package"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    deployment = out / "deployment.zip"
    with zipfile.ZipFile(deployment, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(site.rglob("*")):
            name = path.relative_to(site).as_posix()
            if path.is_file() and not PRUNED.search(name):
                # Fixed dates and modes: the same code gives the same zip, so CDK's asset hash (and the deployed
                # function) changes only when the code does.
                entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                entry.external_attr = 0o644 << 16
                entry.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(entry, path.read_bytes(), compresslevel=9)
    return deployment


def main(apps: list[str]) -> None:
    for app in apps or ["orders", "payments"]:
        deployment = package_app(app, REPO / "build")
        print(f"{deployment} ({deployment.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main(sys.argv[1:])
